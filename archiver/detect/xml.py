"""The text nodes of an XML document, and what its declaration and root say about it.

The standard library's expat (no dependency; it reads no DTD and fetches no external entity,
and bounds entity expansion) is handed the text already decoded, so every charset the encoding
stage knows works, while the XML declaration's own `encoding` is still reported as written.
Text inside `script` and `style` elements (XHTML) is left out; an XHTML `title` is the title.
A sample cut short ends the text where it stops; a document malformed before that is read up
to the error, which the result names.
"""

from __future__ import annotations

import xml.parsers.expat
from dataclasses import dataclass, field

from archiver.detect.described import MAX_TEXT, DocumentText, SelfDescription, clipped, one_line

_SKIPPED = {"script", "style"}


_XML_LANG = "http://www.w3.org/XML/1998/namespace lang"


@dataclass
class _Reading:
    parts: list[str] = field(default_factory=list)
    size: int = 0
    stack: list[str] = field(default_factory=list)
    language: str = ""
    charset: str = ""
    title: list[str] = field(default_factory=list)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if not self.stack:  # the root's xml:lang is the document's; inner ones are quotations
            self.language = (attributes.get(_XML_LANG) or attributes.get("lang") or "").strip()
        self.stack.append(name.rsplit(" ", 1)[-1])

    def end(self, _name: str) -> None:
        self.stack.pop()

    def data(self, text: str) -> None:
        if not self.stack or self.stack[-1] in _SKIPPED or self.size > MAX_TEXT:
            return
        if self.stack[-1] == "title" and "head" in self.stack:
            self.title.append(text)
        self.parts.append(text)
        self.size += len(text)

    def declaration(self, _version: str | None, encoding: str | None, _standalone: int) -> None:
        self.charset = encoding or ""


def read_xml(text: str, *, complete: bool) -> DocumentText:
    """The text nodes of `text` (a decoded document, or its first part if not `complete`)."""
    reading = _Reading()
    parser = xml.parsers.expat.ParserCreate(encoding="utf-8", namespace_separator=" ")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = reading.start
    parser.EndElementHandler = reading.end
    parser.CharacterDataHandler = reading.data
    parser.XmlDeclHandler = reading.declaration
    problem = ""
    try:
        parser.Parse(text.encode("utf-8"), complete)
    except xml.parsers.expat.ExpatError as err:
        problem = f"malformed XML at line {err.lineno}: {xml.parsers.expat.errors.messages[err.code]}"
    declared = SelfDescription(language=reading.language, charset=reading.charset,
                               title=one_line("".join(reading.title)))
    return DocumentText(clipped(reading.parts), "xml", declared, problem)
