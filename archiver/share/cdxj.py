"""A CDXJ index of a snapshot's WARC files, line for line what `cdxj-indexer --sort` writes.

One line per record that replay tools look up: resource and revisit records (and response ones,
though archiver writes none). Records whose body is `application/warc-fields` (the metadata
records) are left out, as cdxj-indexer leaves them out: a replay tool would otherwise serve the
fields instead of the document. Each line is `KEY TIMESTAMP JSON`, the JSON holding url, mime,
digest (the payload digest), length, offset and filename, in that order, as cdxj-indexer's
`json.dumps` writes them. Lines are sorted, so a reader can binary-search them.

The key is the SURT form of the target URI, as the `surt` package (used by cdxj-indexer and
pywb) makes it. For a `urn:`: percent-escapes undone until none is left, then the bytes that are
not printable ASCII, `#` and `%` escaped again, then everything lower-cased. So `a%3Ab.txt` is
keyed `a:b.txt`. For the replay aliases at `https://archiver.invalid/` (see alias.py): the host
reversed (`invalid,archiver)`), and the path canonicalized as surt's Google and IA
canonicalizers do it: escapes undone, `.` and `..` segments resolved and empty ones dropped,
bytes outside printable ASCII and `#`, `%` and space escaped, lower-cased, the two ASP.NET
session-id forms taken out. Only these URIs, the ones archiver writes, are keyed; an index
keyed differently from the replay tools is useless.

The WARC is read once, and its sha256 must be the one the manifest records: an index is only
as good as the bytes it points into.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from archiver.base.digests import Hasher
from archiver.base.uris import URN_PREFIX
from archiver.errors import DamageError, ManifestError
from archiver.warc.reader import Member, MemberReader

# surt's host reversal of archiver.invalid, and its two path session-id patterns (ASP.NET).
ALIAS_PREFIX = "https://archiver.invalid/"
ALIAS_HOST_KEY = "invalid,archiver)"
_SESSION_IDS = [
    re.compile(r"^(.*/)(\((?:[a-z]\([0-9a-z]{24}\))+\)/)([^?]+\.aspx.*)$", re.I),
    re.compile(r"^(.*/)(\([0-9a-z]{24}\)/)([^?]+\.aspx.*)$", re.I),
]
INDEXED = ("response", "revisit", "resource", "metadata")


FIELDS_TYPE = "application/warc-fields"


@dataclass(frozen=True)
class Entry:
    key: str
    timestamp: str
    date: str
    fields: dict[str, str]

    def line(self) -> str:
        return f"{self.key} {self.timestamp} {json.dumps(self.fields)}\n"


def index_text(entries: list[Entry]) -> str:
    return "".join(sorted(entry.line() for entry in entries))


def index_warc(path: Path, *, name: str, sha256: str) -> list[Entry]:
    """Entries for one WARC file, named `name` in the index; DamageError if its bytes changed."""
    hasher = Hasher()
    entries: list[Entry] = []
    try:
        with open(path, "rb") as stream:
            reader = MemberReader(stream, hasher=hasher)
            while (member := reader.next_member()) is not None:
                if member.problem:
                    raise DamageError(f"{path}: record at offset {member.offset}: {member.problem}")
                if (entry := _entry(member, name)) is not None:
                    entries.append(entry)
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such WARC file") from None
    if hasher.hexdigest() != sha256:
        raise DamageError(f"{path}: sha256 {hasher.hexdigest()} is not the manifest's {sha256}; "
                          "run archiver verify")
    return entries


def urlkey(uri: str) -> str:
    if uri.startswith(ALIAS_PREFIX):
        return _alias_key(uri[len(ALIAS_PREFIX) - 1:].encode("utf-8"))
    if not uri.startswith(URN_PREFIX):
        raise DamageError(f"{uri}: not a target URI archiver writes; cannot key it as SURT does")
    return _escaped(_unescaped(uri.encode("utf-8"))).lower()


def _alias_key(path: bytes) -> str:
    kept: list[bytes] = []
    for segment in _unescaped(path).split(b"/")[1:]:
        if segment == b"..":
            kept = kept[:-1] if kept else [segment]
        elif segment != b".":
            kept.append(segment)
    canonical = b"/" + b"".join(segment + b"/" for segment in kept[:-1] if segment)
    key = _escaped(canonical + (kept[-1] if kept else b"")).lower()
    for pattern in _SESSION_IDS:
        key = pattern.sub(r"\1\3", key)
    return ALIAS_HOST_KEY + (key[:-1] if key.endswith("/") and len(key) > 1 else key)


def _unescaped(data: bytes) -> bytes:
    while (decoded := unquote_to_bytes(data)) != data:
        data = decoded
    return data


def _escaped(data: bytes) -> str:
    return "".join(chr(b) if 0x20 < b < 0x7F and b not in b"#%" else f"%{b:02x}" for b in data)


def revisit_entry(url: str, date: str, digest: str, *, offset: int, length: int,
                  filename: str) -> Entry:
    """The line cdxj-indexer writes for a revisit record written at `offset` in `filename`."""
    return Entry(urlkey(url), timestamp(date), date, {
        "url": url, "mime": "warc/revisit", "digest": digest, "length": str(length),
        "offset": str(offset), "filename": filename})


def timestamp(warc_date: str) -> str:
    """`2021-03-18T09:30:00Z` -> `20210318093000`, the 14-digit form CDX keys sort by."""
    digits = re.sub(r"\D", "", warc_date.split(".")[0])
    return digits[:14].ljust(14, "0")


def _entry(member: Member, name: str) -> Entry | None:
    kind = member.header("WARC-Type")
    content_type = member.header("Content-Type")
    if kind not in INDEXED or (kind in ("resource", "metadata") and content_type == FIELDS_TYPE):
        return None
    uri = member.header("WARC-Target-URI") or ""
    date = member.header("WARC-Date") or ""
    fields: dict[str, Any] = {"url": uri, "mime": _mime(kind, content_type),
                              "digest": member.header("WARC-Payload-Digest"),
                              "length": str(member.length), "offset": str(member.offset),
                              "filename": name}
    return Entry(urlkey(uri), timestamp(date), date,
                 {key: value for key, value in fields.items() if value})


def _mime(kind: str, content_type: str | None) -> str | None:
    if kind == "revisit":
        return "warc/revisit"
    return re.split(r"[;\s]", content_type, maxsplit=1)[0].strip() if content_type else None
