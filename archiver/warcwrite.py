"""Write records to a `.warc.gz` with warcio, one gzip member per record, noting where each lands.

The digests are already in the headers, so warcio neither re-reads the body nor adds sha1 digests.
warcio's writer stamps no dates or host names we did not give it when records are built this way.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import BinaryIO

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from .atomic import HashingWriter
from .records import WARC_VERSION, Record


@dataclass(frozen=True)
class Placement:
    """Where a record's gzip member sits in the WARC file, and the sha256 of the member's bytes."""

    record_id: str
    offset: int
    length: int
    sha256: str


class WarcOutput:
    """Append records to an open binary file; `placements` lists them in order."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.placements: list[Placement] = []

    def write(self, record: Record) -> Placement:
        body = BytesIO(record.body) if isinstance(record.body, bytes) else record.body
        headers = StatusAndHeaders("", list(record.headers), protocol=WARC_VERSION)
        content_type = headers.get_header("Content-Type")
        warc_record = ArcWarcRecord("warc", record.rec_type, headers, body, None, content_type,
                                    record.length)
        warc_record.payload_length = record.length
        offset = self._stream.tell()
        # A writer per member, so the member's own bytes are hashed as they pass: the digest
        # that lets verification name a record whose gzip header alone was changed.
        member = HashingWriter(self._stream)
        WARCWriter(member, gzip=True, warc_version=WARC_VERSION).write_record(warc_record)
        placement = Placement(record.record_id, offset, member.tell(), member.hasher.hexdigest())
        self.placements.append(placement)
        return placement
