"""Whether a text is prose: only prose is written in a natural language.

Stylesheets, data files and source code are made of words too (properties, keys, identifiers,
comments), and a language model asked about them answers with some language at a low
confidence: `de` for a stylesheet, `jv` for a shell script. Such text gets no natural-language
tag ("zxx", no linguistic content), and says what kind of text it is instead.

The evidence, strongest first: the media type or the file name's extension when it names a
format that is not prose (the built-in media type table calls C and Perl text/plain, so the
extension is asked too); a `#!` line; CSS rule blocks; and then the text's shape. Prose rarely uses the
characters code and data are built of: on the translated manual pages of the test corpus they
are at most 10% of letters and such characters together, in stylesheets, scripts and JSON
files from /usr/share/doc 9% to 20%; and code ends most lines with `;`, `{`, `}`, `,` or `(`,
which prose (at most a quarter of manual page lines) does not.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from archiver.detect.language import CJK_WEIGHT

PROSE = "prose"


_BY_MEDIA_TYPE = {
    "text/css": "stylesheet",
    "application/json": "data", "text/csv": "data", "text/tab-separated-values": "data",
    "application/javascript": "code", "text/javascript": "code", "text/x-python": "code",
    "application/x-sh": "code", "application/x-csh": "code", "application/x-tcl": "code",
}


_BY_EXTENSION = {
    **dict.fromkeys(("css", "scss", "less"), "stylesheet"),
    **dict.fromkeys(("json", "csv", "tsv", "yaml", "yml", "toml", "ini", "cfg", "conf",
                     "properties"), "data"),
    **dict.fromkeys(("c", "h", "cc", "cpp", "cxx", "hh", "hpp", "java", "js", "mjs", "ts", "py",
                     "rb", "go", "rs", "php", "pl", "pm", "sh", "bash", "zsh", "tcl", "lua",
                     "el", "awk", "sed", "m4", "cmake", "mk", "s", "sql", "vim", "bat", "ps1",
                     "diff", "patch"), "code"),
}


_CODE_NAMES = {"makefile", "gnumakefile", "cmakelists.txt", "dockerfile", "configure"}


_CODE_CHARACTERS = "{}();=<>$\\|&[]\"'*#_"


_NOT_LETTERS = re.compile(r"[\W\d_]+")


_NOT_CJK = re.compile(r"[^\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


# A CSS rule block: `{ property: value; }`. Three of them make a stylesheet, whatever its
# comments say (a licence in English often opens one).
_RULE = re.compile(r"\{[^{}]*:[^{}]*;[^{}]*\}")


RULES = 3


# Enough text to judge its shape.
SHAPE_SAMPLE = 8000


# Above this share of code characters (among them and letters), text is code or data.
MAX_CODE_SHARE = 0.12


# Text with a share above SOME_CODE_SHARE whose lines mostly end as code lines do is code.
SOME_CODE_SHARE = 0.07
MAX_CODE_LINE_ENDS = 0.4


def text_kind(name: str, media: str, text: str, *, lines_kept: bool) -> str:
    """"prose", or the kind of non-prose text it is: "stylesheet", "data" or "code".

    `lines_kept`: the text still has its line breaks (plain text; extracted text has not).
    """
    kind = _BY_MEDIA_TYPE.get(media) or _by_name(name)
    if kind:
        return kind
    if text.startswith("#!"):
        return "code"
    if len(_RULE.findall(text, 0, SHAPE_SAMPLE)) >= RULES:
        return "stylesheet"
    return "code" if _code_shaped(text, lines_kept=lines_kept) else PROSE


def _by_name(name: str) -> str | None:
    base = PurePosixPath(name).name.lower()
    if base in _CODE_NAMES:
        return "code"
    return _BY_EXTENSION.get(base.rpartition(".")[2]) if "." in base else None


def _code_shaped(text: str, *, lines_kept: bool) -> bool:
    sample = text[:SHAPE_SAMPLE]
    letters, cjk, marks = _counts(sample)
    # A Han or kana character weighs as three letters, as in language detection.
    letters += (CJK_WEIGHT - 1) * cjk
    share = marks / max(1, letters + marks)
    if share >= MAX_CODE_SHARE:
        return True
    if not lines_kept or share < SOME_CODE_SHARE:
        return False
    lines = [line.rstrip() for line in sample.splitlines() if line.strip()]
    ends = sum(1 for line in lines if line[-1] in ";{}),[(")
    return ends >= MAX_CODE_LINE_ENDS * max(1, len(lines))


def _counts(sample: str) -> tuple[int, int, int]:
    r"""The letters (as `[^\W\d_]` finds them), Han and kana characters, and code characters of
    `sample`. The ASCII ones are counted on its UTF-8 bytes (the letters there are A-Z and a-z),
    the regular expressions run only over the rest: a pass of them over all of a seed's 8,000
    characters took 0.4 ms, as long as its language detection."""
    data = sample.encode("utf-8", "surrogatepass")
    wide = data.translate(None, _ASCII).decode("utf-8", "surrogatepass")
    letters = len(data) - len(data.translate(None, _ASCII_LETTERS))
    marks = len(data) - len(data.translate(None, _CODE_BYTES))
    if wide:
        return (letters + len(_NOT_LETTERS.sub("", wide)), len(_NOT_CJK.sub("", wide)), marks)
    return letters, 0, marks


_ASCII = bytes(range(128))


_ASCII_LETTERS = bytes(range(ord("A"), ord("Z") + 1)) + bytes(range(ord("a"), ord("z") + 1))


_CODE_BYTES = _CODE_CHARACTERS.encode("ascii")
