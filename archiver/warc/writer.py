"""Write WARC records as gzip members, one member per record, and say where each one went.

Every member's bytes are hashed as they are written: the per-record sha256 in the manifest pins
damage that leaves a record readable (a changed gzip header, say) to that record.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable

from archiver.base.atomic import HashingWriter
from archiver.base.digests import sha256_hex
from archiver.warc.compression import Deflate, MemberWriter, gzip_member
from archiver.warc.records import TRAILER, Record


@dataclass(frozen=True)
class Placement:
    """Where a record's gzip member sits in the WARC file, and the member's own sha256."""

    record_id: str
    offset: int
    length: int
    sha256: str


def record_member(record: Record, deflate: Deflate) -> bytes:
    """A record with a block in memory, as one gzip member."""
    assert isinstance(record.body, bytes)
    return gzip_member(deflate, [record.head(), record.body, TRAILER])


def stream_member(deflate: Deflate, stream: BinaryIO, head: bytes, blocks: Iterable[bytes]) -> None:
    """A record too large to hold (its head, then its block as `blocks`), compressed into
    `stream` as one gzip member in bounded memory."""
    writer = MemberWriter(deflate, stream)
    writer.write(head)
    for block in blocks:
        writer.write(block)
    writer.write(TRAILER)
    writer.close()


class WarcOutput:
    """Append records to an open binary file (with `tell`), counting them."""

    def __init__(self, stream: BinaryIO, deflate: Deflate) -> None:
        self._stream = stream
        self.deflate = deflate
        self.count = 0

    def write(self, record: Record) -> Placement:
        """A record whose block is in memory: warcinfo, a revisit, a metadata record."""
        return self.write_member(record.record_id, record_member(record, self.deflate))

    def write_member(self, record_id: str, member: bytes) -> Placement:
        offset = self._stream.tell()
        self._stream.write(member)
        return self._placed(record_id, offset, sha256_hex(member))

    def copy_member(self, record_id: str, path: Path) -> Placement:
        """Append a member a worker compressed into a file (a large seed), then delete the file."""
        offset = self._stream.tell()
        member = HashingWriter(self._stream)
        with open(path, "rb") as source:
            shutil.copyfileobj(source, member, 1 << 20)
        path.unlink()
        return self._placed(record_id, offset, member.hasher.hexdigest())

    def _placed(self, record_id: str, offset: int, sha256: str) -> Placement:
        self.count += 1
        return Placement(record_id, offset, self._stream.tell() - offset, sha256)
