"""What a document says about itself, and the text it holds: the types every reader returns.

A reader (HTML, XML, PDF) turns a document's bytes into the text a person would read, bounded
(never more than MAX_TEXT characters), and into what the document declares about itself: its
language, charset, title and dates, each exactly as written there. A document a reader cannot
read in full (malformed, encrypted, cut short by the sample) is described as far as it goes,
and `problem` says why the rest is missing: a warning, never a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The most text a reader hands on. Language detection samples from it; more would only cost.
MAX_TEXT = 32_000


@dataclass(frozen=True)
class SelfDescription:
    """The document's own statements, as written; "" for what it does not say."""

    language: str = ""
    charset: str = ""
    title: str = ""
    created: str = ""
    modified: str = ""

    def fields(self) -> dict[str, str]:
        """The statements it makes, by name (none for what it leaves out)."""
        values = {"language": self.language, "charset": self.charset, "title": self.title,
                  "created": self.created, "modified": self.modified}
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class DocumentText:
    """The readable text of a document, where it came from, and what the document declares.

    `source` names the reader: "html" (visible text), "xml" (text nodes), "pdf" (page text),
    "plain" (the decoded bytes), or "" for a document with no text to read.
    """

    text: str
    source: str
    declared: SelfDescription = field(default_factory=SelfDescription)
    problem: str = ""


def clipped(parts: list[str]) -> str:
    """Text pieces joined by spaces, whitespace runs collapsed, cut at MAX_TEXT characters."""
    return " ".join(" ".join(parts).split())[:MAX_TEXT]


def one_line(value: str, limit: int = 500) -> str:
    """A declared value as one tidy line (titles run over lines in markup), at most `limit`
    characters, without control characters (it goes into a metadata record's fields)."""
    printable = "".join(char if char.isprintable() else " " for char in value[: 4 * limit])
    return " ".join(printable.split())[:limit]
