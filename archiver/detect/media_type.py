"""Give a seed its media type, from its name checked against its first bytes.

The name is looked up in the standard library's built-in table only (`mimetypes.MimeTypes`
built without reading /etc/mime.types or the Windows registry), so two machines with the same
Python agree. The bytes overrule the name where they are sure: a well-known magic number wins
over a wrong extension, and a ".txt" full of binary is application/octet-stream. Text is never
promoted to text/html or the like from its content: only a name can say that.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from archiver.detect.encoding import EncodingResult

TEXT = "text/plain"


BINARY = "application/octet-stream"


# The magic numbers that decide a type whatever the name says.
MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),  # an empty archive
    (b"\x1f\x8b", "application/gzip"),
)


# application/* types whose content is text. JSON is here but gets no charset parameter:
# RFC 8259 defines none, JSON being UTF-8 by definition.
_TEXTUAL_APPLICATION = {
    "application/json", "application/javascript", "application/xml", "application/x-sh",
    "application/x-csh", "application/x-tex", "application/x-latex", "application/x-troff",
}


# filenames=() reads no system files. The constructor still runs mimetypes.init() once, which
# fills the module's global tables; this instance copies the built-in defaults only.
_BUILT_IN = mimetypes.MimeTypes(filenames=())
# Types the built-in table lacks: XHTML (RFC 3236), which must reach the XML reader.
_BUILT_IN.add_type("application/xhtml+xml", ".xhtml")


def media_type(name: str, sample: bytes, *, encoding: EncodingResult) -> str:
    """The media type of a seed called `name` whose bytes begin with `sample`."""
    sniffed = sniff(sample)
    guessed = guess_from_name(name)
    if sniffed and not _specialises(guessed, sniffed):
        return sniffed
    if encoding.method == "binary":
        return guessed if guessed and not is_textual(guessed) else BINARY
    return guessed if guessed and is_textual(guessed) else TEXT


def content_type(media: str, encoding: EncodingResult) -> str:
    """A Content-Type header value: the charset is added to text types only."""
    if encoding.encoding and _takes_charset(media):
        return f"{media}; charset={encoding.encoding}"
    return media


def sniff(sample: bytes) -> str | None:
    """The type a well-known magic number at the start of `sample` proves, if any."""
    for magic, media in MAGIC:
        if sample.startswith(magic):
            return media
    return None


def guess_from_name(name: str) -> str | None:
    """The type the built-in table gives the name's extension; None for none or compressed.

    "notes.txt.gz" comes back as text/plain compressed with gzip: that is not the type of the
    bytes, so such a guess is dropped and the bytes decide.
    """
    # The leading slash keeps a name such as "data:x.txt" from being parsed as a data: URL.
    guessed, compression = _BUILT_IN.guess_type("/" + PurePosixPath(name).name)
    return None if compression else guessed


def is_textual(media: str) -> bool:
    """Whether a media type's content is text."""
    return (
        media.startswith("text/")
        or media in _TEXTUAL_APPLICATION
        or media.endswith(("+xml", "+json"))
    )


def _takes_charset(media: str) -> bool:
    return is_textual(media) and media != "application/json" and not media.endswith("+json")


def _specialises(guessed: str | None, sniffed: str) -> bool:
    """Whether the name's type is a format built on ZIP (EPUB, DOCX, ODT, JAR, APK).

    Those extensions are right, not wrong, so the name's more precise type stands.
    """
    if sniffed != "application/zip" or guessed is None:
        return False
    return guessed.startswith("application/vnd.") or guessed.endswith("+zip") or (
        guessed == "application/java-archive"
    )
