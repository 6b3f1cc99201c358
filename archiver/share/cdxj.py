"""A CDXJ index of a snapshot's WARC files, line for line what `cdxj-indexer --sort` writes.

One line per record that replay tools look up: resource and revisit records (and response ones,
though archiver writes none). Records whose body is `application/warc-fields` (the metadata
records) are left out, as cdxj-indexer leaves them out: a replay tool would otherwise serve the
fields instead of the document. Each line is `KEY TIMESTAMP JSON`, the JSON holding url, mime,
digest (the payload digest), length, offset and filename, in that order, as cdxj-indexer's
`json.dumps` writes them. Lines are sorted, so a reader can binary-search them.

The key is the SURT form of the target URI, as the `surt` package (used by cdxj-indexer and
pywb) makes it for a `urn:`: percent-escapes undone until none is left, then the bytes that are
not printable ASCII, `#` and `%` escaped again, then everything lower-cased. So `a%3Ab.txt` is
keyed `a:b.txt`. Only the `urn:` URIs archiver writes are keyed; SURT for http(s) does more
(host reversal, query sorting), and an index keyed differently from the replay tools is useless.

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
    if not uri.startswith(URN_PREFIX):
        raise DamageError(f"{uri}: not a target URI archiver writes; cannot key it as SURT does")
    data = uri.encode("utf-8")
    while (decoded := unquote_to_bytes(data)) != data:
        data = decoded
    return "".join(chr(b) if 0x20 < b < 0x7F and b not in b"#%" else f"%{b:02x}" for b in data).lower()


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
