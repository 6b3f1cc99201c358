"""Outputs appear only when complete: write beside the target under a temporary name, then rename.

A crash (even kill -9) leaves at most a hidden `.partial` file, never a file under its final name
that is not whole. Renames happen in a fixed order, the manifest last, so a manifest on disk means
its WARC and sidecar are already in place.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from archiver.base.digests import Hasher

PARTIAL = ".partial"
NAME_MAX = 255  # bytes in one file name, on Linux's file systems


def temp_name(final: str) -> str:
    """A hidden temporary name beside `final`: `.NAME.HEX.partial`, or `.ax-HEX.partial` where
    that would pass NAME_MAX (so any name a file system holds can be written this way)."""
    tag = secrets.token_hex(4)
    name = f".{final}.{tag}{PARTIAL}"
    return name if len(os.fsencode(name)) <= NAME_MAX else f".ax-{tag}{PARTIAL}"


def temp_path(final: Path) -> Path:
    return final.with_name(temp_name(final.name))


def write_bytes(path: Path, data: bytes) -> None:
    with open(path, "xb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def write_atomically(path: Path, data: bytes) -> None:
    """Write a whole file under a temporary name, then rename it into place."""
    with writing_atomically(path) as stream:
        stream.write(data)


@contextmanager
def writing_atomically(path: Path) -> Iterator[BinaryIO]:
    """A stream that becomes `path` when the block ends; an exception in the block (a digest
    that did not match, a full disk) leaves nothing behind, so output of any size is written as
    it is made rather than held in memory first."""
    temp = temp_path(path)
    try:
        with open(temp, "xb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        discard([temp])
        raise


def publish(pairs: list[tuple[Path, Path]]) -> None:
    """Rename each temporary file to its final name, in order, and make the renames durable."""
    for temp, final in pairs:
        os.replace(temp, final)
    folders = {final.parent for _, final in pairs}
    for folder in folders:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` itself (no lock file is left behind), so two packs into
    one folder compare and publish one after the other, never interleaving their renames."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def discard(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


class HashingWriter:
    """A write-only stream that hashes and counts what passes through, so a file is read once."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.hasher = Hasher()

    def write(self, data: bytes) -> int:
        self.hasher.update(data)
        return self._stream.write(data)

    def tell(self) -> int:
        return self.hasher.size

    def flush(self) -> None:
        self._stream.flush()


def same_bytes(a: str | Path, b: str | Path, *, dir_fd: int | None = None) -> bool:
    """True if both files exist and hold the same bytes (compared in blocks); with `dir_fd`,
    both are names in that folder, opened without following a link."""
    def opener(path: str, flags: int) -> int:
        return os.open(path, flags | (os.O_NOFOLLOW if dir_fd is not None else 0), dir_fd=dir_fd)

    try:
        if os.stat(a, dir_fd=dir_fd).st_size != os.stat(b, dir_fd=dir_fd).st_size:
            return False
        with open(a, "rb", opener=opener) as left, open(b, "rb", opener=opener) as right:
            while True:
                block_a, block_b = left.read(1 << 20), right.read(1 << 20)
                if block_a != block_b:
                    return False
                if not block_a:
                    return True
    except FileNotFoundError:
        return False
