"""Write the manifest while seeds are packed: the bytes `canonical.pretty` gives for the whole
document, produced entry by entry, with its sha256 and the snapshot identifier computed on the way.

Workers render each entry's text with two placeholders (its records and `duplicate_of`, which only
the packer knows); the packer fills them in. Nothing grows with the number of seeds but the count.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from . import manifest
from .atomic import HashingWriter
from .canonical import compact, indented, pretty, string
from .hashing import Hasher

RECORDS = "\x00records\x00"
DUPLICATE = "\x00duplicate_of\x00"
ENTRY_DEPTH = 2  # document → seeds → entry
_SEEDS_KEY = '\n  "seeds": []'


def placeholders(entry: dict[str, Any]) -> str:
    """The entry's manifest text, records and duplicate_of left as placeholders."""
    saved = entry["records"], entry["duplicate_of"]
    entry["records"], entry["duplicate_of"] = RECORDS, DUPLICATE
    try:
        return indented(entry, ENTRY_DEPTH)
    finally:
        entry["records"], entry["duplicate_of"] = saved


def records_text(records: list[dict[str, Any]]) -> str:
    """`indented(records, ENTRY_DEPTH + 1)` for the fixed shape of a seed's records, quickly."""
    items = [
        f'{{\n          "id": {string(r["id"])},\n          "length": {r["length"]:d},\n'
        f'          "offset": {r["offset"]:d},\n          "type": {string(r["type"])},\n'
        f'          "warc_file": {string(r["warc_file"])}\n        }}'
        for r in records
    ]
    return "[\n        " + ",\n        ".join(items) + "\n      ]" if items else "[]"


class ManifestWriter:
    """Streams a manifest into `stream`: `add` each entry in order, then `finish`."""

    def __init__(self, stream: BinaryIO, document: dict[str, Any]) -> None:
        self._out = HashingWriter(stream)
        self._head = _split(pretty({**document, "seeds": []}).decode("utf-8"))[0]
        self._out.write(self._head.encode("utf-8"))
        self._snapshot = Hasher()
        self._snapshot.update(_snapshot_prefix(document))
        self.count = 0

    def add(self, text: str, snapshot_text: str, entry: dict[str, Any]) -> None:
        """Append an entry whose records and duplicate_of are now known."""
        duplicate = entry["duplicate_of"]
        text = text.replace(_quoted(RECORDS), records_text(entry["records"]), 1).replace(
            _quoted(DUPLICATE), "null" if duplicate is None else indented(duplicate, 3), 1)
        separator = ",\n    " if self.count else "\n    "
        self._out.write((separator + text).encode("utf-8"))
        self._snapshot.update(b"," if self.count else b"")
        self._snapshot.update(snapshot_text.encode("utf-8"))
        self.count += 1

    def snapshot_id(self) -> str:
        """`manifest.snapshot_id` of the document as added so far."""
        hasher = self._snapshot.copy()
        hasher.update(b"]}")
        return "sha256:" + hasher.hexdigest()

    def finish(self, document: dict[str, Any]) -> str:
        """Write the rest (snapshot_id, warc_files, …); return the manifest's sha256."""
        head, tail = _split(pretty({**document, "seeds": []}).decode("utf-8"))
        if head != self._head:
            raise ValueError("the manifest's fields before its seeds changed while packing")
        self._out.write(("\n  " + tail if self.count else tail).encode("utf-8"))
        self._out.flush()
        return self._out.hasher.hexdigest()


def _split(text: str) -> tuple[str, str]:
    """pretty(document with no seeds) → (up to and including `"seeds": [`, from `]` on)."""
    at = text.index(_SEEDS_KEY) + len(_SEEDS_KEY) - 1
    return text[:at], text[at:]


def _snapshot_prefix(document: dict[str, Any]) -> bytes:
    """compact() of what snapshot_id hashes, with no seeds, up to and including `"seeds":[`."""
    text = compact(manifest.snapshot_basis(document, []))
    assert text.endswith(b'"seeds":[]}')
    return text[:-2]


def _quoted(placeholder: str) -> str:
    return json.dumps(placeholder)

