"""The WARC records of a snapshot, as header lists and bodies: no I/O, no warcio.

Record ids are UUIDv5 from a fixed namespace and the record's type, batch, target URI and digest,
so the same input always yields the same bytes. Metadata and warcinfo bodies are functions of the
manifest's entries, so verification rebuilds them from the manifest and compares digests.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import BinaryIO, Iterable

from archiver.base.digests import sha256_hex
from archiver.base.uris import check_header_values

WARC_VERSION = "WARC/1.1"


NAMESPACE = uuid.UUID("5b0e6c8e-7f3a-5d6b-9a39-3f4c2f1e0a11")


REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"


EMPTY_DIGEST = "sha256:" + sha256_hex(b"")


FIELDS_TYPE = "application/warc-fields"


TRAILER = b"\r\n\r\n"


Headers = list[tuple[str, str]]


@dataclass
class Record:
    """One record to write: its headers (Content-Length excluded) and its block."""

    rec_type: str
    headers: Headers
    body: BinaryIO | bytes
    length: int

    @property
    def record_id(self) -> str:
        for name, value in self.headers:
            if name == "WARC-Record-ID":
                return value
        raise KeyError("WARC-Record-ID")

    def head(self) -> bytes:
        """The version line and headers up to the blank line, as warcio writes them."""
        lines = [WARC_VERSION, *(f"{name}: {value}" for name, value in self.headers),
                 f"Content-Length: {self.length}", "", ""]
        return "\r\n".join(lines).encode("utf-8")


def record_id(*parts: str) -> str:
    """`uuid.uuid5(NAMESPACE, "\\n".join(parts))` as a WARC-Record-ID, without building UUID
    objects (two ids a seed): sha1 of namespace and name, version 5 and RFC 4122 variant bits."""
    raw = bytearray(hashlib.sha1(NAMESPACE.bytes + "\n".join(parts).encode("utf-8")).digest()[:16])
    raw[6] = raw[6] & 0x0F | 0x50
    raw[8] = raw[8] & 0x3F | 0x80
    hex_ = raw.hex()
    return f"<urn:uuid:{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}>"


def warc_fields(pairs: Iterable[tuple[str, str]]) -> bytes:
    """An application/warc-fields body; empty values are left out."""
    kept = [(name, value) for name, value in pairs if value != ""]
    check_header_values([value for _, value in kept])
    return "".join([f"{name}: {value}\r\n" for name, value in kept]).encode("utf-8")


def _headers(pairs: Iterable[tuple[str, str | None]]) -> Headers:
    headers = [(name, value) for name, value in pairs if value is not None]
    check_header_values([value for _, value in headers])
    return headers


def warcinfo(*, batch_id: str, date: str, filename: str, fields: bytes) -> Record:
    digest = "sha256:" + sha256_hex(fields)
    rid = record_id("warcinfo", batch_id, filename, digest)
    headers = _headers([
        ("WARC-Type", "warcinfo"), ("WARC-Record-ID", rid), ("WARC-Filename", filename),
        ("WARC-Date", date), ("WARC-Block-Digest", digest), ("Content-Type", FIELDS_TYPE),
    ])
    return Record("warcinfo", headers, fields, len(fields))


def resource(*, batch_id: str, warcinfo_id: str, uri: str, source_uri: str | None, date: str,
             digest: str, content_type: str, body: BinaryIO | bytes, length: int) -> Record:
    rid = record_id("resource", batch_id, uri, digest)
    headers = _headers([
        ("WARC-Type", "resource"), ("WARC-Record-ID", rid), ("WARC-Warcinfo-ID", warcinfo_id),
        ("WARC-Target-URI", uri), ("WARC-Source-URI", source_uri), ("WARC-Date", date),
        ("WARC-Block-Digest", digest), ("WARC-Payload-Digest", digest),
        ("Content-Type", content_type),
    ])
    return Record("resource", headers, body, length)


def revisit(*, batch_id: str, warcinfo_id: str, uri: str, date: str, digest: str,
            refers_to: str, refers_to_uri: str, refers_to_date: str) -> Record:
    rid = record_id("revisit", batch_id, uri, digest)
    headers = _headers([
        ("WARC-Type", "revisit"), ("WARC-Record-ID", rid), ("WARC-Warcinfo-ID", warcinfo_id),
        ("WARC-Target-URI", uri), ("WARC-Date", date), ("WARC-Profile", REVISIT_PROFILE),
        ("WARC-Refers-To", refers_to), ("WARC-Refers-To-Target-URI", refers_to_uri),
        ("WARC-Refers-To-Date", refers_to_date), ("WARC-Block-Digest", EMPTY_DIGEST),
        ("WARC-Payload-Digest", digest),
    ])
    return Record("revisit", headers, b"", 0)


def metadata(*, batch_id: str, warcinfo_id: str, uri: str, date: str, refers_to: str,
             fields: bytes) -> Record:
    digest = "sha256:" + sha256_hex(fields)
    rid = record_id("metadata", batch_id, uri, digest)
    headers = _headers([
        ("WARC-Type", "metadata"), ("WARC-Record-ID", rid), ("WARC-Warcinfo-ID", warcinfo_id),
        ("WARC-Target-URI", uri), ("WARC-Date", date), ("WARC-Refers-To", refers_to),
        ("WARC-Concurrent-To", refers_to), ("WARC-Block-Digest", digest),
        ("WARC-Payload-Digest", digest), ("Content-Type", FIELDS_TYPE),
    ])
    return Record("metadata", headers, fields, len(fields))
