"""A labelled corpus of real documents: Debian's translated manual pages, in four formats.

The text is real translation nobody here wrote (the manpages-* packages: groff sources in
/usr/share/man/LANG, gzip-compressed), so each page's language is known from its package. A
page is rendered with groff to UTF-8 text, and made from that text into the formats a web
archive holds:

- `.txt`: groff's own rendering;
- `.html`: the text in a page with English boilerplate around it (a header with a search form,
  navigation, a script, a style, a footer), as sites wrap their documents, and no `lang`;
- `.groff.html`: groff's own HTML (`-Thtml`; only where its fonts cover the script, so not for
  Chinese and Japanese);
- `.xhtml`: the text as XHTML, read by the XML reader;
- `.pdf`: the text written by reportlab (CID fonts for Chinese and Japanese, DejaVu Sans for
  the rest), with no `/Lang`.

Labelling rule: a page counts only if its translation is nearly complete, since untranslated
paragraphs stay in English and a partly translated page has no one language. The test for
that is independent of the detector under test: fewer than 5 English function words ("the",
"and", "of", "that", "with", "which", "this", "are", "from") per 1,000 characters. On the 240
pages first sampled, 211 passed; the 29 left out are between 5 and 20.
"""

from __future__ import annotations

import gzip
import html
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

MAN = Path("/usr/share/man")


# Debian's manual page folder -> the language tag a right answer has.
LANGUAGES = {"de": "de", "fr": "fr", "es": "es", "it": "it", "pl": "pl", "nl": "nl",
             "pt_BR": "pt", "ru": "ru", "uk": "uk", "ja": "ja", "zh_CN": "zh-Hans",
             "zh_TW": "zh-Hant"}


_CJK_FONTS = {"zh_CN": "STSong-Light", "zh_TW": "MSung-Light", "ja": "HeiseiMin-W3"}


_LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


_ENGLISH = re.compile(r"\b(?:the|and|of|that|with|which|this|are|from)\b", re.IGNORECASE)


MAX_ENGLISH = 5  # English function words per 1,000 characters




@dataclass(frozen=True)
class Page:
    folder: str  # de, zh_TW, …
    source: Path
    text: str


def english_residue(text: str) -> float:
    return 1000 * len(_ENGLISH.findall(text)) / max(1, len(text))


LEAST = 5  # pages a language must have, whatever the count asked for


def pages(folder: str, count: int) -> list[Page]:
    """Up to `count` translated pages in `folder` (sections 1 to 8), spread through the
    alphabet: section 1 first, the commands most people read."""
    found = sorted((p for p in (MAN / folder).glob("man[1-8]/*.gz") if p.stat().st_size > 3000),
                   key=lambda p: (p.parent.name, p.name))
    step = max(1, len(found) // (2 * count))
    with ThreadPoolExecutor(4) as pool:
        rendered = list(pool.map(_text, found[::step][: 2 * count]))
    chosen = [Page(folder, source, text) for source, text in zip(found[::step], rendered)
              if len(text) > 2000 and english_residue(text) < MAX_ENGLISH]
    assert len(chosen) >= min(count, LEAST), f"{MAN / folder}: fewer than {LEAST} translated pages"
    return chosen[:count]


def _groff(source: Path, device: str) -> str:
    # -k: preconv reads the page's encoding; -P-cbou: plain text, no overstriking for bold.
    # In a folder of its own: grohtml writes an image file for each table it meets, there.
    plain = ["-P-cbou"] if device == "utf8" else []
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(["groff", "-k", "-mandoc", f"-T{device}", *plain],
                              input=gzip.decompress(source.read_bytes()), capture_output=True,
                              timeout=60, check=True, cwd=scratch)
    return done.stdout.decode("utf-8", "replace")


def _text(source: Path) -> str:
    return _groff(source, "utf8")


def write_corpus(root: Path, count: int) -> dict[str, str]:
    """The corpus under `root` (its INDEX.md included): file name -> the right language."""
    root.mkdir(parents=True)
    chosen = [page for folder in LANGUAGES for page in pages(folder, count)]
    with ThreadPoolExecutor(4) as pool:
        groff_html = list(pool.map(lambda p: None if p.folder in _CJK_FONTS else
                                   _groff(p.source, "html"), chosen))
    expected: dict[str, str] = {}
    for page, real_html in zip(chosen, groff_html):
        stem = f"{page.folder}-{page.source.name.removesuffix('.gz')}"
        files = {".txt": page.text.encode("utf-8"), ".html": _wrapped(page).encode("utf-8"),
                 ".xhtml": _xhtml(page).encode("utf-8"), ".pdf": _pdf(page)}
        if real_html is not None:
            files[".groff.html"] = real_html.encode("utf-8")
        for suffix, data in files.items():
            (root / (stem + suffix)).write_bytes(data)
            expected[stem + suffix] = LANGUAGES[page.folder]
    rows = [f"| {name} |  | Debian manual page, /usr/share/man | und | unknown |  |"
            for name in sorted(expected)]
    (root / "INDEX.md").write_text(
        "# Translated manual pages\n\n- batch: manpages\n\n"
        "| file | title | source | language | captured | notes |\n|---|---|---|---|---|---|\n"
        + "\n".join(rows) + "\n", encoding="utf-8")
    return expected


def _blocks(text: str) -> list[tuple[bool, str]]:
    """(is a heading, text) for each block of groff's rendering."""
    blocks = []
    for block in re.split(r"\n\s*\n", text):
        if block.strip():
            blocks.append((not block.startswith(" "), " ".join(block.split())))
    return blocks


def _body(page: Page) -> str:
    return "\n".join(f"<h2>{html.escape(b)}</h2>" if heading else f"<p>{html.escape(b)}</p>"
                     for heading, b in _blocks(page.text))


_BOILERPLATE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{name}(1)</title>
<style>body {{ font-family: sans-serif; }} nav a {{ margin: 0 1em; }}</style>
<script>window.dataLayer = window.dataLayer || []; function track() {{ dataLayer.push(arguments); }}
track("page view", "manual pages online");</script></head><body>
<header><a href="/">Manual pages online</a><form role="search"><input placeholder="Search the
manuals"><button>Search</button></form></header>
<nav><a href="/">Home</a><a href="/about">About this site</a><a href="/contact">Contact us</a>
<a href="/privacy">Privacy policy</a><a href="/sections">Browse all sections</a></nav>
<main>{body}</main>
<footer>Copyright 2024 The Manual Pages Project. All rights reserved. Terms of use. Cookie
settings. This page was generated automatically from the Debian packages.</footer>
</body></html>
"""


def _wrapped(page: Page) -> str:
    return _BOILERPLATE.format(name=html.escape(page.source.name.split(".")[0]), body=_body(page))


def _xhtml(page: Page) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
            f"<head><title>{html.escape(page.source.name)}</title></head>"
            f"<body>{_body(page)}</body></html>\n")


def _pdf(page: Page) -> bytes:
    import io

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = _CJK_FONTS.get(page.folder, "DejaVuSans")
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font) if page.folder in _CJK_FONTS
                                else TTFont(font, str(_LATIN_FONT)))
    out = io.BytesIO()
    document = canvas.Canvas(out, invariant=1)
    document.setTitle(page.source.name)
    for number, line in enumerate(page.text.splitlines()):
        if number % 60 == 0 and number:
            document.showPage()
        document.setFont(font, 9)
        document.drawString(40, 800 - 12 * (number % 60), line)
    document.save()
    return out.getvalue()
