"""Every digest archiver computes, in one place, always streamed in blocks.

A seed is read exactly once: the same blocks feed the sha256, the sample used to detect its
encoding and language, and the spool its record is written from. The stored bytes are therefore
always the hashed bytes, even if the file changes on disk meanwhile (which is detected and refused).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable

from .errors import SeedError
from .model import Digest, SeedFile

BLOCK = 1 << 20
SAMPLE = 64 << 10
SPOOL_IN_MEMORY = 8 << 20
_WRITE_ERRORS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Hasher:
    """An incremental sha256 that also counts bytes."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.size = 0

    def update(self, data: bytes) -> None:
        self._hash.update(data)
        self.size += len(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def sha256_file(path: Path) -> Digest:
    """Digest a file in blocks (for WARC files and manifests)."""
    hasher = Hasher()
    with open(path, "rb") as stream:
        for block in iter_blocks(stream):
            hasher.update(block)
    return Digest(hasher.hexdigest(), hasher.size)


def iter_blocks(stream: BinaryIO, size: int = BLOCK) -> Iterable[bytes]:
    while block := stream.read(size):
        yield block


@dataclass
class SeedRead:
    """One read of a seed: its digest, its first bytes, and a spool holding exactly those bytes."""

    digest: Digest
    sample: bytes
    body: BinaryIO

    def close(self) -> None:
        self.body.close()


def read_seed(seed: SeedFile, *, spool_dir: Path) -> SeedRead:
    """Read a seed once, hashing and spooling it; refuse it if it changed while being read."""
    try:
        fd = os.open(seed.location, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as err:
        raise SeedError(f"{seed.location}: cannot read: {err.strerror}") from None
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, dir=spool_dir)
    try:
        with open(fd, "rb", closefd=True) as stream:
            before = os.fstat(stream.fileno())
            if not stat.S_ISREG(before.st_mode):
                raise SeedError(f"{seed.location}: is not a regular file")
            hasher, sample = Hasher(), bytearray()
            for block in iter_blocks(stream):
                hasher.update(block)
                if len(sample) < SAMPLE:
                    sample += block[: SAMPLE - len(sample)]
                spool.write(block)
            after = os.fstat(stream.fileno())
    except OSError as err:
        spool.close()
        if err.errno in _WRITE_ERRORS:  # the spool failed, not the seed: the caller's to report
            raise
        raise SeedError(f"{seed.location}: cannot read: {err.strerror}") from None
    except SeedError:
        spool.close()
        raise
    if _changed(before, after) or hasher.size != before.st_size or before.st_size != seed.size:
        spool.close()
        raise SeedError(f"{seed.location}: changed while being archived; pack again when it is still")
    spool.seek(0)
    return SeedRead(Digest(hasher.hexdigest(), hasher.size), bytes(sample), spool)


def _changed(before: os.stat_result, after: os.stat_result) -> bool:
    return (before.st_size, before.st_mtime_ns, before.st_ctime_ns) != (
        after.st_size, after.st_mtime_ns, after.st_ctime_ns)
