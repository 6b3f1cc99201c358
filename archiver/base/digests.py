"""sha256, the one digest archiver computes, always streamed in blocks (hashlib only here); and
sha512 beside it for a message an SSH signature covers (`Signed`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable

BLOCK = 1 << 20


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Hasher:
    """An incremental sha256 that also counts bytes; with `sha512`, a sha512 beside it, for an
    SSH signature of the same bytes (`signed`)."""

    def __init__(self, *, sha512: bool = False) -> None:
        self._hash = hashlib.sha256()
        self._sha512 = hashlib.sha512() if sha512 else None
        self.size = 0

    def update(self, data: bytes) -> None:
        self._hash.update(data)
        if self._sha512 is not None:
            self._sha512.update(data)
        self.size += len(data)

    def signed(self) -> Signed | None:
        """The bytes so far as an SSH signature covers them (None without `sha512`)."""
        if self._sha512 is None:
            return None
        return Signed(self._hash.digest(), self._sha512.digest())

    def hexdigest(self) -> str:
        return self._hash.hexdigest()

    def copy(self) -> "Hasher":
        twin = Hasher()
        twin._hash, twin.size = self._hash.copy(), self.size
        return twin


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




@dataclass(frozen=True)
class Digest:
    """What one read of a seed yields."""

    sha256: str
    size: int


@dataclass(frozen=True)
class Signed:
    """A message given by its digests instead of its bytes, by either hash an SSH signature may
    use (PROTOCOL.sshsig signs H(message)): a manifest verify reads as a stream is never held."""

    sha256: bytes
    sha512: bytes

    def digest(self, name: str) -> bytes:
        if name not in ("sha256", "sha512"):
            raise ValueError(f"no {name} digest of the message")
        return self.sha256 if name == "sha256" else self.sha512

