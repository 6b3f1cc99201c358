"""Write records to a `.warc.gz`, one gzip member per record, noting where each lands.

Members are compressed by `deflate` (ours, not warcio's level-9 writer), in this process or
ahead of time in a worker: `write_member` appends a member compressed elsewhere. The uncompressed
bytes are what warcio writes for the same headers, so warcio and any gzip reader read the output.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .deflate import Deflate, MemberWriter, gzip_member
from .hashing import iter_blocks
from .records import TRAILER, Record


@dataclass(frozen=True)
class Placement:
    """Where a record's gzip member sits in the WARC file."""

    record_id: str
    offset: int
    length: int


def record_member(record: Record, deflate: Deflate) -> bytes:
    """A record with a block in memory, as one gzip member."""
    assert isinstance(record.body, bytes)
    return gzip_member(deflate, [record.head(), record.body, TRAILER])


def stream_member(record: Record, deflate: Deflate, stream: BinaryIO) -> None:
    """A record whose block is a stream, compressed into `stream` in bounded memory."""
    writer = MemberWriter(deflate, stream)
    writer.write(record.head())
    if isinstance(record.body, bytes):
        writer.write(record.body)
    else:
        for block in iter_blocks(record.body):
            writer.write(block)
    writer.write(TRAILER)
    writer.close()


class WarcOutput:
    """Append records to an open binary file (with `tell`); `placements` lists them in order."""

    def __init__(self, stream: BinaryIO, deflate: Deflate) -> None:
        self._stream = stream
        self.deflate = deflate
        self.placements: list[Placement] = []

    def write(self, record: Record) -> Placement:
        if isinstance(record.body, bytes):
            return self.write_member(record.record_id, record_member(record, self.deflate))
        offset = self._stream.tell()
        stream_member(record, self.deflate, self._stream)
        return self._placed(record.record_id, offset)

    def write_member(self, record_id: str, member: bytes) -> Placement:
        offset = self._stream.tell()
        self._stream.write(member)
        return self._placed(record_id, offset)

    def copy_member(self, record_id: str, path: Path) -> Placement:
        """Append a member a worker compressed into a file (a large seed), then delete the file."""
        offset = self._stream.tell()
        with open(path, "rb") as member:
            shutil.copyfileobj(member, self._stream, 1 << 20)
        path.unlink()
        return self._placed(record_id, offset)

    def _placed(self, record_id: str, offset: int) -> Placement:
        placement = Placement(record_id, offset, self._stream.tell() - offset)
        self.placements.append(placement)
        return placement
