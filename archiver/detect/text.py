"""The text a document holds, read the way its format is read, for judging its language.

HTML: its visible text; XML and XHTML: its text nodes; PDF: the text of sampled pages; any
other text: the decoded sample as it is. Everything but PDF is read from the sample (the first
64 KiB the packer reads anyway), so the work per seed is bounded whatever the file's size; a
PDF's text is reached through its cross-reference table at the end, so it is read from the
whole document (its bytes when they are in memory, else its path), page by page, and at most
a few pages of it.
"""

from __future__ import annotations

from archiver.detect.described import MAX_TEXT, DocumentText
from archiver.detect.encoding import EncodingResult, decode_sample
from archiver.detect.html import read_html
from archiver.detect.media_type import is_textual
from archiver.detect.pdf import read_pdf
from archiver.detect.xml import read_xml

PDF = "application/pdf"


_XML = ("application/xml", "text/xml", "application/xhtml+xml")


def document_text(media: str, sample: bytes, encoding: EncodingResult, *,
                  document: bytes | str | None, complete: bool) -> DocumentText:
    """The text of a document of type `media` whose first bytes are `sample`.

    `document` is the whole document (bytes, or a path to read it from), needed for PDF only;
    `complete` says whether `sample` is all of it.
    """
    if media == PDF:
        return read_pdf(document if document is not None else sample)
    if not is_textual(media):
        return DocumentText("", "")
    text = decode_sample(sample, encoding)
    if media == "text/html":
        return read_html(text)
    if media in _XML or media.endswith("+xml"):
        return read_xml(text, complete=complete)
    return DocumentText(text[:MAX_TEXT], "plain")
