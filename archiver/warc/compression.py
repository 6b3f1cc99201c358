"""gzip members written here, byte for byte: one member per WARC record, any reader can inflate.

archiver writes the gzip header and trailer itself (mtime 0, no name, OS 255 "unknown") and asks a
deflate library only for the raw stream, so the bytes depend on the library and level alone, never
on the platform or the clock. The library and level are recorded in the warcinfo record and the
manifest; digests and the snapshot identifier are of uncompressed content and do not change with
them.

Two libraries are known: python-isal (Intel ISA-L, several times faster than zlib at a slightly
larger size) and the stdlib zlib. Output is reproducible for a given library version.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterable

from archiver.errors import InputError

try:
    from isal import __version__ as _isal_version
    from isal import isal_zlib
except ImportError:  # pragma: no cover - isal is a dependency, but the fallback keeps zlib usable
    isal_zlib = None
    _isal_version = ""


GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


DEFAULT = "isal-2" if isal_zlib is not None else "zlib-6"


@dataclass(frozen=True)
class Deflate:
    """A deflate library at a level: `isal-0`..`isal-3` or `zlib-1`..`zlib-9`."""

    library: str
    level: int

    @classmethod
    def named(cls, name: str) -> "Deflate":
        library, _, level = name.partition("-")
        ranges = {"zlib": range(1, 10), "isal": range(0, 4)}
        if library not in ranges or not level.isdigit() or int(level) not in ranges[library]:
            raise InputError(f"unknown compression {name!r}: use zlib-1..zlib-9 or isal-0..isal-3")
        if library == "isal" and isal_zlib is None:
            raise InputError("compression isal-N needs python-isal (pip install isal)")
        return cls(library, int(level))

    def describe(self) -> str:
        """The warcinfo's word for it, with the library version the bytes depend on."""
        version = _isal_version if self.library == "isal" else zlib.ZLIB_RUNTIME_VERSION
        return f"gzip, one member per record; deflate by {self.library} {version} level {self.level}"

    def compressobj(self) -> Any:
        module = isal_zlib if self.library == "isal" else zlib
        return module.compressobj(self.level, zlib.DEFLATED, -15)


def gzip_member(deflate: Deflate, parts: Iterable[bytes]) -> bytes:
    """One whole gzip member holding the concatenation of `parts`."""
    compressor = deflate.compressobj()
    out = [GZIP_HEADER]
    crc = size = 0
    for part in parts:
        crc = zlib.crc32(part, crc)
        size += len(part)
        out.append(compressor.compress(part))
    out.append(compressor.flush())
    out.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
    return b"".join(out)


class MemberWriter:
    """Streams one gzip member into `stream`, for records too large to hold in memory."""

    def __init__(self, deflate: Deflate, stream: BinaryIO) -> None:
        self._stream = stream
        self._compressor = deflate.compressobj()
        self._crc = self._size = 0
        stream.write(GZIP_HEADER)

    def write(self, data: bytes) -> None:
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        self._stream.write(self._compressor.compress(data))

    def close(self) -> None:
        self._stream.write(self._compressor.flush())
        self._stream.write(struct.pack("<II", self._crc, self._size & 0xFFFFFFFF))
