"""Read a `.warc.gz` one gzip member at a time, strictly, in bounded memory.

warcio's reader is forgiving by design (it skips zero padding, accepts a truncated last record);
verification needs the opposite: every member's exact offset and length, its headers as written,
the sha256 of its block computed while streaming, and a clear word for anything out of place.
This module never imports the writing side.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import BinaryIO, Callable

from archiver.base.digests import Hasher

try:  # ISA-L inflates the same streams about 2.5 times faster than zlib
    from isal.isal_zlib import decompressobj
    from isal.isal_zlib import error as _isal_error
    _INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error, _isal_error)
except ImportError:  # pragma: no cover
    from zlib import decompressobj
    _INFLATE_ERRORS = (zlib.error,)


READ = 1 << 20


FEED = 16 << 10  # what the inflater is given at a time: a member's leftover input is copied once


OUT = 1 << 20


MAX_HEADER = 64 << 10


TRAILER = b"\r\n\r\n"


# The gzip header's flag byte (RFC 1952 2.3.1). archiver writes none of the optional fields, and
# FEXTRA, FNAME, FCOMMENT and FHCRC would put bytes in the member that belong to no record (a
# manifest rewritten with the member's new sha256 would then still verify): refused. FTEXT is a
# hint that adds no byte; the mtime, XFL and OS bytes are fixed in size, and older archivers
# (warcio's writer) set them otherwise.
FLAGS_AT, FTEXT = 3, 0x01


Sink = Callable[[bytes], None]


@dataclass
class Member:
    """One gzip member of a WARC file and the record inside it, as found."""

    offset: int
    length: int = 0
    sha256: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    block_sha256: str = ""
    head: bytes = b""
    problem: str = ""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def count(self, name: str) -> int:
        return sum(1 for key, _ in self.headers if key.lower() == name.lower())

    @property
    def whole(self) -> bool:
        """False if the member's end could not be found, so nothing after it can be read."""
        return not self.problem or self.length > 0


class _Bad(Exception):
    pass


def _flags_problem(flags: int) -> str:
    if not flags & ~FTEXT:
        return ""
    return (f"gzip header sets optional fields (flags {flags:#04x}: FEXTRA, FNAME, FCOMMENT or "
            "FHCRC), bytes outside the record that archiver never writes")


class MemberReader:
    """Reads members in sequence from a stream positioned at `offset`; each byte is read once."""

    def __init__(self, stream: BinaryIO, *, offset: int = 0, hasher: Hasher | None = None,
                 limit: int | None = None) -> None:
        self._stream = stream
        self._offset = offset
        self._buffer = b""
        self._position = 0
        self._hasher = hasher
        self._limit = limit

    def _read(self) -> memoryview:
        """The next at most FEED bytes of the stream (empty at its end), without copying."""
        if self.at_end():
            return memoryview(b"")
        start = self._position
        self._position = min(start + FEED, len(self._buffer))
        return memoryview(self._buffer)[start:self._position]

    def _unread(self, count: int) -> None:
        """Give back the last `count` bytes `_read` returned (input past a member's end)."""
        self._position -= count

    def at_end(self) -> bool:
        if self._position >= len(self._buffer):
            self._buffer, self._position = self._stream.read(READ), 0
            if self._hasher is not None:
                self._hasher.update(self._buffer)
        return not self._buffer

    def next_member(self, *, sink: Sink | None = None, keep: int = 0) -> Member | None:
        """The next member, or None at a clean end of file."""
        if self.at_end():
            return None
        member = Member(offset=self._offset)
        body = _RecordParser(member, sink, keep, self._limit)
        inflater = decompressobj(31)
        fed, compressed, chunk, flags = 0, Hasher(), memoryview(b""), 0
        try:
            while not inflater.eof:
                if inflater.unconsumed_tail:
                    data = inflater.decompress(inflater.unconsumed_tail, OUT)
                else:
                    compressed.update(chunk)  # whole: the member goes on past it
                    chunk = self._read()
                    if not chunk:
                        raise _Bad("file ends inside a gzip member (truncated)")
                    if fed <= FLAGS_AT < fed + len(chunk):
                        flags = chunk[FLAGS_AT - fed]
                    fed += len(chunk)
                    data = inflater.decompress(chunk, OUT)
                body.feed(data)
            body.finish()
        except _INFLATE_ERRORS as err:
            member.problem = member.problem or f"not a valid gzip member ({err})"
            return member
        except _Bad as err:
            member.problem = str(err)
            if not inflater.eof:
                return member
        self._unread(len(inflater.unused_data))
        compressed.update(chunk[:len(chunk) - len(inflater.unused_data)])
        member.sha256 = compressed.hexdigest()
        member.length = fed - len(inflater.unused_data)
        self._offset += member.length
        member.problem = member.problem or _flags_problem(flags)
        return member


def read_member_at(stream: BinaryIO, offset: int, *, sink: Sink | None = None, keep: int = 0,
                   limit: int | None = None) -> Member:
    """The member that starts at `offset` (the manifest says where), read on its own."""
    if offset >= stream.seek(0, 2):
        return Member(offset=offset, problem="no record there (end of file)")
    stream.seek(offset)
    member = MemberReader(stream, offset=offset, limit=limit).next_member(sink=sink, keep=keep)
    return member if member is not None else Member(offset=offset, problem="no record there (end of file)")


def inflate_member(data: bytes, most: int) -> bytes | None:
    """The bytes inside `data` if it is exactly one whole gzip member inflating to at most
    `most` bytes; None otherwise (damage, trailing bytes, or more than `most`: no bomb is
    inflated past what was expected)."""
    if len(data) > FLAGS_AT and _flags_problem(data[FLAGS_AT]):
        return None
    inflater = decompressobj(31)
    try:
        out = inflater.decompress(data, most + 1)
    except _INFLATE_ERRORS:
        return None
    if not inflater.eof or inflater.unused_data or inflater.unconsumed_tail or len(out) > most:
        return None
    return out


class _RecordParser:
    """Splits a member's decompressed bytes into headers, block and trailer, hashing the block."""

    def __init__(self, member: Member, sink: Sink | None, keep: int, limit: int | None) -> None:
        self._member = member
        self._sink = sink
        self._keep = keep
        self._limit = limit
        self._head = bytearray()
        self._remaining: int | None = None
        self._tail = bytearray()
        self._hasher = Hasher()

    def feed(self, data: bytes) -> None:
        if self._remaining is None:
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                if len(self._head) > MAX_HEADER:
                    raise _Bad(f"record header longer than {MAX_HEADER} bytes")
                return
            data = bytes(self._head[end + 4:])
            self._parse_header(bytes(self._head[:end]))
        take = min(len(data), self._remaining or 0)
        if take:
            self._block(data[:take])
        self._tail += data[take:]
        if len(self._tail) > len(TRAILER):
            raise _Bad("record is longer than its Content-Length")

    def _parse_header(self, raw: bytes) -> None:
        try:
            lines = raw.decode("utf-8").split("\r\n")
        except UnicodeDecodeError:
            raise _Bad("record header is not UTF-8") from None
        if lines[0] not in ("WARC/1.1", "WARC/1.0"):
            raise _Bad(f"not a WARC record (first line {lines[0][:40]!r})")
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip():
                raise _Bad(f"malformed header line {line[:60]!r}")
            self._member.headers.append((name, value.strip()))
        length = self._member.header("Content-Length")
        if length is None or not length.isdigit():
            raise _Bad("record has no valid Content-Length")
        if self._limit is not None and int(length) > self._limit:
            raise _Bad(f"record claims {length} bytes, more than expected ({self._limit})")
        self._remaining = int(length)

    def _block(self, data: bytes) -> None:
        self._hasher.update(data)
        assert self._remaining is not None
        self._remaining -= len(data)
        if self._sink is not None:
            self._sink(data)
        room = self._keep - len(self._member.head)
        if room > 0:
            self._member.head += data[:room]

    def finish(self) -> None:
        member = self._member
        member.block_sha256 = self._hasher.hexdigest()
        if self._remaining is None:
            raise _Bad("record header never ends")
        if self._remaining:
            raise _Bad(f"record ends {self._remaining} bytes short of its Content-Length")
        if bytes(self._tail) != TRAILER:
            raise _Bad("record does not end with CRLF CRLF")
