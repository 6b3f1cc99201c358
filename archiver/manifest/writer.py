"""Write the manifest while seeds are packed: the bytes `canonical.pretty` gives for the whole
document, produced entry by entry, with its sha256 and the snapshot identifier computed on the way.

Workers render each entry's text with two placeholders (its records and `duplicate_of`, which only
the packer knows); the packer fills them in. The entries go to an anonymous spool file first: the
fields before `seeds` (such as `dependencies`, the earlier batches revisited) are known only at the
end. Nothing held in memory grows with the number of seeds.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from archiver.base.atomic import HashingWriter
from archiver.formats.canonical_json import indented, pretty, string
from archiver.manifest.identity import SnapshotHasher
from archiver.manifest.types import Duplicate, Manifest, RecordRef, SeedEntry

RECORDS = "\x00records\x00"


DUPLICATE = "\x00duplicate_of\x00"


ENTRY_DEPTH = 2  # document → seeds → entry


_SEEDS_KEY = '\n  "seeds": []'


def placeholders(entry: SeedEntry) -> str:
    """The entry's manifest text, records and duplicate_of left as placeholders."""
    saved = entry["records"], entry["duplicate_of"]
    entry["records"], entry["duplicate_of"] = RECORDS, DUPLICATE
    try:
        return indented(entry, ENTRY_DEPTH)
    finally:
        entry["records"], entry["duplicate_of"] = saved


def records_text(records: list[RecordRef]) -> str:
    """`indented(records, ENTRY_DEPTH + 1)` for the fixed shape of a seed's records, quickly."""
    items = [
        f'{{\n          "id": {string(r["id"])},\n          "length": {r["length"]:d},\n'
        f'          "offset": {r["offset"]:d},\n          "sha256": {string(r["sha256"])},\n'
        f'          "type": {string(r["type"])},\n'
        f'          "warc_file": {string(r["warc_file"])}\n        }}'
        for r in records
    ]
    return "[\n        " + ",\n        ".join(items) + "\n      ]" if items else "[]"


class ManifestWriter:
    """Streams a manifest into `stream`: `add` each entry in order, then `finish`."""

    def __init__(self, stream: BinaryIO, document: Manifest, spool_dir: Path) -> None:
        self._stream = stream
        self._entries = tempfile.TemporaryFile(dir=spool_dir)
        self._snapshot = SnapshotHasher(document)
        self.count = 0

    def add(self, text: str, snapshot_text: bytes, records: list[RecordRef],
            duplicate: Duplicate | None) -> None:
        """Append an entry (its `placeholders` text) whose records and duplicate_of are now
        known."""
        text = text.replace(_quoted(RECORDS), records_text(records), 1).replace(
            _quoted(DUPLICATE), "null" if duplicate is None else indented(duplicate, 3), 1)
        separator = ",\n    " if self.count else "\n    "
        self._entries.write((separator + text).encode("utf-8"))
        self._snapshot.add_bytes(snapshot_text)
        self.count += 1

    def snapshot_id(self) -> str:
        """`snapshot_id` of the document as added so far."""
        return self._snapshot.label()

    def finish(self, document: Manifest) -> str:
        """Write the whole manifest (`document` holding every field but its seeds); return its
        sha256."""
        head, tail = _split(pretty({**document, "seeds": []}).decode("utf-8"))
        out = HashingWriter(self._stream)
        out.write(head.encode("utf-8"))
        self._entries.seek(0)
        shutil.copyfileobj(self._entries, out, 1 << 20)
        self._entries.close()
        out.write(("\n  " + tail if self.count else tail).encode("utf-8"))
        out.flush()
        return out.hasher.hexdigest()

    def close(self) -> None:
        self._entries.close()


def _split(text: str) -> tuple[str, str]:
    """pretty(document with no seeds) → (up to and including `"seeds": [`, from `]` on)."""
    at = text.index(_SEEDS_KEY) + len(_SEEDS_KEY) - 1
    return text[:at], text[at:]


def _quoted(placeholder: str) -> str:
    return json.dumps(placeholder)
