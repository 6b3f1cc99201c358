"""Media types from names checked against content, and Content-Type values."""

from __future__ import annotations

import gzip
import io
import mimetypes
import zipfile

import pytest

from archiver.detect import media_type as mediatype
from archiver.detect.encoding import EncodingResult, detect_encoding
from archiver.detect.media_type import content_type, media_type

UTF8 = EncodingResult("utf-8", "utf-8", "high")
BINARY = EncodingResult("", "binary", "high")

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
GZIP = gzip.compress(b"hello " * 50, mtime=0)
HTML = b"<!DOCTYPE html><html><head><title>t</title></head><body>hi</body></html>"


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "hello")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "sample", "expected"),
    [
        ("notes.txt", b"Plain words, nothing more.", "text/plain"),
        ("NOTES.TXT", b"Plain words, nothing more.", "text/plain"),
        ("page.html", HTML, "text/html"),
        ("page.txt", HTML, "text/plain"),
        ("page", HTML, "text/plain"),
        ("data.json", b'{"a": 1}', "application/json"),
        ("data.csv", b"a,b\n1,2\n", "text/csv"),
        ("notes.unknownext", b"# Title\n", "text/plain"),
        ("dir/sub/notes.txt", b"text", "text/plain"),
        ("data:x.txt", b"text", "text/plain"),
        ("report.pdf", PDF, "application/pdf"),
        ("report.txt", PDF, "application/pdf"),
        ("picture.txt", PNG, "image/png"),
        ("picture.jpg", PNG, "image/png"),
        ("photo.png", JPEG, "image/jpeg"),
        ("anim.txt", GIF, "image/gif"),
        ("bundle.txt", _zip(), "application/zip"),
        ("bundle.bin", _zip(), "application/zip"),
        ("notes.txt", GZIP, "application/gzip"),
        ("notes.txt.gz", GZIP, "application/gzip"),
        ("notes.txt.gz", b"not really compressed", "text/plain"),
        ("report.pdf", b"Just text, saved with the wrong name.", "text/plain"),
        ("blob.txt", bytes(range(256)), "application/octet-stream"),
        ("blob", bytes(range(256)), "application/octet-stream"),
        ("song.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(32), "audio/mpeg"),
        ("data.json", bytes(range(256)), "application/octet-stream"),
    ],
)
def test_media_type(name, sample, expected):
    assert media_type(name, sample, encoding=detect_encoding(sample)) == expected


def test_utf16_text_named_txt_stays_text():
    sample = "Some words in UTF-16 without a byte order mark.".encode("utf-16-le")
    encoding = detect_encoding(sample)
    assert media_type("notes.txt", sample, encoding=encoding) == "text/plain"
    assert content_type("text/plain", encoding) == "text/plain; charset=utf-16le"


def test_binary_method_decides_even_for_a_text_name():
    media = media_type("notes.txt", b"looks like text", encoding=BINARY)
    assert media == "application/octet-stream"


def test_zip_based_formats_keep_their_own_type(monkeypatch):
    table = mimetypes.MimeTypes(filenames=())
    table.add_type("application/epub+zip", ".epub")
    table.add_type("application/vnd.oasis.opendocument.text", ".odt")
    monkeypatch.setattr(mediatype, "_BUILT_IN", table)
    assert media_type("book.epub", _zip(), encoding=BINARY) == "application/epub+zip"
    odt = media_type("letter.odt", _zip(), encoding=BINARY)
    assert odt == "application/vnd.oasis.opendocument.text"
    assert media_type("picture.png", _zip(), encoding=BINARY) == "application/zip"


def test_system_mime_tables_are_not_consulted(monkeypatch):
    local = mimetypes.MimeTypes(filenames=())
    local.add_type("application/x-only-on-this-machine", ".zzq")
    monkeypatch.setattr(mimetypes, "_db", local)
    assert mimetypes.guess_type("a.zzq")[0] == "application/x-only-on-this-machine"
    assert media_type("a.zzq", b"some text", encoding=UTF8) == "text/plain"


@pytest.mark.parametrize(
    ("media", "encoding", "expected"),
    [
        ("text/plain", UTF8, "text/plain; charset=utf-8"),
        ("text/html", EncodingResult("gb18030", "detected", "high"), "text/html; charset=gb18030"),
        ("image/svg+xml", UTF8, "image/svg+xml; charset=utf-8"),
        ("application/xml", UTF8, "application/xml; charset=utf-8"),
        ("application/json", UTF8, "application/json"),
        ("application/pdf", UTF8, "application/pdf"),
        ("image/png", BINARY, "image/png"),
        ("application/octet-stream", BINARY, "application/octet-stream"),
        ("text/plain", BINARY, "text/plain"),
    ],
)
def test_content_type(media, encoding, expected):
    assert content_type(media, encoding) == expected
