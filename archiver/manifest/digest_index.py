"""The digest index a sharded snapshot publishes: every payload it stored first, by sha256.

Bucket files `BATCH-STAMP.digests-XX.tsv` (XX a hex prefix of the payload's sha256) hold one line
per payload, sorted: `sha256 TAB bytes TAB record_id TAB warc_file TAB warc_date TAB path`. The
next batch joins its own digests against them bucket by bucket, so no process ever loads every
entry of a chain, and finding one payload costs a binary search in one file. Work files of the
same sorted-lines shape (a shard's digests, revisit assignments) are searched the same way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from archiver.manifest.implied import record_date
from archiver.manifest.types import SeedEntry, main_ref

MODULUS = 1 << 256
BUCKET_ENTRIES = 65_536  # about this many payloads a bucket file at most


def index_digits(seeds: int) -> int:
    """Hex digits of the digest prefix that names a bucket: 16**digits buckets, each about
    BUCKET_ENTRIES payloads at most."""
    digits = 1
    while seeds > BUCKET_ENTRIES * 16 ** digits:
        digits += 1
    return digits


def bucket_name(stem: str, prefix: str) -> str:
    """The bucket file of the payloads whose sha256 starts with `prefix`."""
    return f"{stem}.digests-{prefix}.tsv"


def bucket_prefixes(digits: int) -> list[str]:
    return [f"{n:0{digits}x}" for n in range(16 ** digits)]


@dataclass(frozen=True)
class Stored:
    """Where a payload's first copy is: what a revisit record of the same bytes names."""

    sha256: str
    bytes: int
    record_id: str
    warc_file: str
    warc_date: str
    path: str

    def line(self) -> str:
        return (f"{self.sha256}\t{self.bytes}\t{self.record_id}\t{self.warc_file}\t"
                f"{self.warc_date}\t{self.path}\n")

    @classmethod
    def of(cls, seed: SeedEntry, packaged: str) -> "Stored":
        """A seed stored as a resource, as its manifest (packaged at `packaged`) has it."""
        main = main_ref(seed)
        return cls(seed["sha256"], seed["bytes"], main["id"], main["warc_file"],
                   record_date(seed, packaged), seed["path"])

    @classmethod
    def parse(cls, line: str) -> "Stored":
        sha256, size, record_id, warc_file, warc_date, path = line.rstrip("\n").split("\t", 5)
        return cls(sha256, int(size), record_id, warc_file, warc_date, path)


def lines_from(path: Path, prefix: str) -> Iterator[str]:
    """The lines of the sorted file at `path` that start with `prefix`, in order."""
    key = prefix.encode("utf-8")
    with open(path, "rb") as stream:
        stream.seek(0, 2)
        stream.seek(_first_at_or_after(stream, key, stream.tell()))
        for raw in stream:
            if not raw.startswith(key):
                return
            yield raw.decode("utf-8")


def _first_at_or_after(stream: BinaryIO, key: bytes, size: int) -> int:
    """The offset of the first line not less than `key`: a binary search over byte positions,
    each standing for the first line that starts at or after it (monotone, as lines are sorted)."""
    lo, hi = 0, size
    while lo < hi:
        mid = (lo + hi) // 2
        line = stream.readline() if _line_start(stream, mid) < size else b""
        if not line or line >= key:
            hi = mid
        else:
            lo = mid + 1
    return _line_start(stream, lo)


def _line_start(stream: BinaryIO, position: int) -> int:
    """Seek to the first line that starts at or after `position`; return its offset."""
    stream.seek(max(position - 1, 0))
    if position:
        stream.readline()
    return stream.tell()


def find(path: Path, sha256: str) -> Stored | None:
    for line in lines_from(path, sha256 + "\t"):
        return Stored.parse(line)
    return None


class LineSum:
    """A digest of a multiset of lines that adds up across files: the sum of their sha256s.

    A bucket's lines, summed, equal the sum of the same lines as the shards contribute them,
    whatever order the shards come in, so verification can check the index against every shard
    without gathering the lines in one place."""

    def __init__(self, value: int = 0, count: int = 0) -> None:
        self.value, self.count = value, count

    def add(self, line: str) -> None:
        digest = hashlib.sha256(line.encode("utf-8")).digest()
        self.value = (self.value + int.from_bytes(digest, "big")) % MODULUS
        self.count += 1

    def __iadd__(self, other: "LineSum") -> "LineSum":
        self.value = (self.value + other.value) % MODULUS
        self.count += other.count
        return self

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LineSum) and (self.value, self.count) == (other.value, other.count)

    def __repr__(self) -> str:
        return f"LineSum({self.value:#x}, {self.count})"
