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

from .records import WARC_VERSION, Record


@dataclass(frozen=True)
class Placement:
    """Where a record's gzip member sits in the WARC file."""

    record_id: str
    offset: int
    length: int


class WarcOutput:
    """Append records to an open binary file; `placements` lists them in order."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._writer = WARCWriter(stream, gzip=True, warc_version=WARC_VERSION)
        self.placements: list[Placement] = []

    def write(self, record: Record) -> Placement:
        body = BytesIO(record.body) if isinstance(record.body, bytes) else record.body
        headers = StatusAndHeaders("", list(record.headers), protocol=WARC_VERSION)
        content_type = headers.get_header("Content-Type")
        warc_record = ArcWarcRecord("warc", record.rec_type, headers, body, None, content_type,
                                    record.length)
        warc_record.payload_length = record.length
        offset = self._stream.tell()
        self._writer.write_record(warc_record)
        placement = Placement(record.record_id, offset, self._stream.tell() - offset)
        self.placements.append(placement)
        return placement
