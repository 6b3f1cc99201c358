"""The WACZ page list, `pages/pages.jsonl`: one page per seed, titled and searchable.

A header line, then per seed: `id` (its record's UUID), `url` (its replay address, see
alias.py, where relative links resolve), `ts` (its record's WARC-Date), `title` and, for text,
`text`. The header says `"hasText": true`, which makes ReplayWeb.page index the text for its
search box.

The title is INDEX.md's, else an HTML seed's `<title>`, else the seed's path. The text is what
a reader sees: an HTML seed without its tags, scripts and styles; a plain-text seed as it is
(CSS and JavaScript are not text a reader searches). Both are bounded per page: the first MiB
of a seed is read, at most 100,000 characters of it kept, decoded with the charset recorded at
packing. The bytes come from the record holding the seed, after the WARC's sha256 was checked;
the record's block digest is checked against the seed's sha256 too.

ReplayWeb.page's search matches whole words split at spaces and punctuation, so in Chinese or
Japanese text, which has no spaces, it finds a run between two punctuation marks
(`互联网信息服务管理规定`), not a word inside one (`信息`).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable, Iterable

from archiver.detect.encoding import text_decoder
from archiver.errors import DamageError, ManifestError
from archiver.manifest.types import RecordRef, SeedEntry, main_ref
from archiver.warc.reader import read_member_at

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages", "hasText": True}
READ_LIMIT = 1 << 20
TEXT_LIMIT = 100_000
HTML_TYPES = ("text/html", "application/xhtml+xml")
NOT_TEXT = ("text/css", "text/javascript", "text/ecmascript")
_SPACE = re.compile(r"\s+")

WarcPath = Callable[[str], Path]


def pages_jsonl(pages: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in [PAGES_HEADER, *pages])


def page(seed: SeedEntry, *, url: str, ts: str, record: RecordRef,
         warc_path: WarcPath) -> dict[str, Any]:
    """The page entry of one seed; `record` holds its bytes, in the WARC `warc_path` names."""
    entry: dict[str, Any] = {"id": main_ref(seed)["id"].strip("<>").removeprefix("urn:uuid:"),
                             "url": url, "ts": ts}
    title, text = _words(seed, record, warc_path)
    entry["title"] = seed["title"] or title or seed["path"]
    if text:
        entry["text"] = text
    return entry


def _words(seed: SeedEntry, record: RecordRef, warc_path: WarcPath) -> tuple[str, str]:
    """(HTML title, text) of a seed; empty for a seed that is not text."""
    media_type, charset = seed["media_type"], seed["encoding"].get("charset")
    is_html = media_type in HTML_TYPES
    if not charset or media_type in NOT_TEXT or not (is_html or media_type.startswith("text/")):
        return "", ""
    data = _head(seed, record, warc_path)
    whole = len(data) == seed["bytes"]
    text = text_decoder(charset).decode(data, final=whole).removeprefix("\ufeff")
    if not is_html:
        return "", _bounded(text)
    reader = _HtmlText()
    reader.feed(text)
    return _bounded(reader.title), _bounded(" ".join(reader.text))


def _head(seed: SeedEntry, record: RecordRef, warc_path: WarcPath) -> bytes:
    """The first READ_LIMIT bytes of the seed; its whole record is read and digest-checked."""
    path = warc_path(record["warc_file"])
    try:
        with open(path, "rb") as stream:
            member = read_member_at(stream, record["offset"], keep=READ_LIMIT, limit=seed["bytes"])
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such WARC file") from None
    if member.problem or member.header("WARC-Record-ID") != record["id"] \
            or member.block_sha256 != seed["sha256"]:
        raise DamageError(f"{seed['path']}: record at offset {record['offset']} of {path} is not "
                          f"the one the manifest lists ({member.problem or 'another record'})")
    return member.head


def _bounded(text: str) -> str:
    return _SPACE.sub(" ", text).strip()[:TEXT_LIMIT]


class _HtmlText(HTMLParser):
    """The first `<title>`, and the text a reader sees: none of a script, style or template."""

    HIDDEN = {"script", "style", "template", "noscript"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.text: list[str] = []
        self._hidden: list[str] = []
        self._in_title = False
        self._titled = False
        self._size = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title" and not self._titled:
            self._in_title = True
        elif tag in self.HIDDEN:
            self._hidden.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title, self._titled = False, True
        elif tag in self._hidden:
            while self._hidden.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._hidden and self._size < TEXT_LIMIT:
            self.text.append(data)
            self._size += len(data)
