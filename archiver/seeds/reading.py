"""Reading a seed: once, hashing it, keeping a sample and (if small) its bytes.

A seed is read once: the same blocks feed the sha256, the sample used to detect its encoding and
language, and (up to IN_MEMORY bytes) the record's block. A larger seed is read a second time as
its record is compressed, and that read is hashed again and must match. The stored bytes are
therefore always the hashed bytes; a file that changes on disk meanwhile is refused."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from archiver.base.descriptors import closing_fd, link_on_path, open_folder, open_path, open_root
from archiver.base.digests import Digest, Hasher, iter_blocks, sha256_hex
from archiver.errors import SeedError
from archiver.seeds.links import BadLink, checked_target, disk_lookup
from archiver.seeds.types import SeedFile

SAMPLE = 64 << 10
IN_MEMORY = 8 << 20


@dataclass
class SeedRead:
    """One read of a seed: its digest, its first bytes, and its bytes if they fit in memory."""

    digest: Digest
    sample: bytes
    body: bytes | None = None
    link: str | None = None  # a symbolic link's target (its bytes are the body)


def read_seed(seed: SeedFile) -> SeedRead:
    """Read a seed once, hashing it; keep its bytes only if it is at most IN_MEMORY long.

    A larger seed is read again block by block by `reread`, which proves the second read gives
    the same bytes; either way a seed that changes while being read is refused. A good link's
    bytes are its target (`link` says so); a link gone bad since the scan is refused.
    """
    opened = _opened(seed)
    if isinstance(opened, str):
        target = os.fsencode(opened)
        return SeedRead(Digest(sha256_hex(target), len(target)), target, target, link=opened)
    keep = seed.size <= IN_MEMORY
    hasher, sample, kept = Hasher(), bytearray(), []
    for block in _checked_blocks(seed, opened):
        hasher.update(block)
        if len(sample) < SAMPLE:
            sample += block[: SAMPLE - len(sample)]
        if keep:
            kept.append(block)
    body = b"".join(kept) if keep else None
    return SeedRead(Digest(hasher.hexdigest(), hasher.size), bytes(sample), body)


def reread(seed: SeedFile, digest: Digest) -> Iterator[bytes]:
    """The seed's blocks once more; raise SeedError at the end unless they are `digest`'s bytes."""
    hasher = Hasher()
    opened = _opened(seed)
    if isinstance(opened, str):
        raise SeedError(f"{seed.location}: changed while being archived (now a link); pack again "
                        "when it is still")
    for block in _checked_blocks(seed, opened):
        hasher.update(block)
        yield block
    if (hasher.hexdigest(), hasher.size) != (digest.sha256, digest.size):
        raise SeedError(f"{seed.location}: changed while being archived; pack again when it is still")


def _opened(seed: SeedFile) -> int | str:
    """A descriptor of the seed's file, or the target of the good link it is. Its folders are
    opened without following a link (a folder swapped for one after the scan is refused)."""
    *folders, name = seed.path.split("/")
    try:
        with closing_fd(open_root(seed.folder)) as top, \
                closing_fd(open_folder(top, folders)) as parent:
            try:
                return os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                               dir_fd=parent)
            except OSError as err:
                if err.errno != errno.ELOOP:
                    raise
                target = os.readlink(name, dir_fd=parent)
                try:
                    checked_target(seed.path, target, disk_lookup(top))
                except BadLink as bad:
                    raise SeedError(f"{seed.location}: symbolic link {bad} (changed since the "
                                    "scan?)") from None
    except OSError as err:
        raise SeedError(f"{seed.location}: cannot read: {why(err)}") from None
    if len(os.fsencode(target)) != seed.size:
        raise SeedError(f"{seed.location}: changed while being archived; pack again when it is still")
    return target


def _checked_blocks(seed: SeedFile, fd: int) -> Iterator[bytes]:
    """A seed's blocks from `fd`, refusing special files and files that change while read."""
    size = 0
    try:
        with open(fd, "rb", closefd=True) as stream:
            before = os.fstat(stream.fileno())
            if not stat.S_ISREG(before.st_mode):
                raise SeedError(f"{seed.location}: is not a regular file")
            for block in iter_blocks(stream):
                size += len(block)
                yield block
            after = os.fstat(stream.fileno())
    except OSError as err:
        raise SeedError(f"{seed.location}: cannot read: {err.strerror}") from None
    if _changed(before, after) or size != before.st_size or before.st_size != seed.size:
        raise SeedError(f"{seed.location}: changed while being archived; pack again when it is still")


@contextmanager
def tool_path(seed: SeedFile) -> Iterator[str | None]:
    """A path by which a tool that only takes paths (PDFium, for a PDF too large for memory)
    reads the seed's own file: a link in a private folder (mode 0700), named as the seed, to
    the descriptor `open_regular` opened (/dev/fd/N, the open file itself), so no link on the
    seed's path is ever followed and a file swapped in after the read is not read. None when
    the seed is not a regular file any more. The link and its folder go when the context ends."""
    fd = open_regular(seed)
    if fd is None:
        yield None
        return
    with closing_fd(fd), tempfile.TemporaryDirectory(prefix="archiver-seed-") as private:
        alias = os.path.join(private, os.path.basename(seed.path) or "seed")
        os.symlink(f"/dev/fd/{fd}", alias)
        yield alias


def open_regular(seed: SeedFile) -> int | None:
    """A descriptor of the seed's file, opened as `open_seed` opens it, for a tool to read
    (Siegfried is sent it, PDFium reads it through `tool_path`); None when it is a link or no
    longer a regular file (the seed's own read says what it is). The caller closes it."""
    try:
        fd = open_seed(seed.folder, seed.path)
    except OSError:
        return None
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def open_seed(folder: str, path: str) -> int:
    """A descriptor of the seed `path` below `folder`, no component of it followed if it is a
    link: a folder swapped for a link after the scan is refused, never read through."""
    return open_path(folder, path, os.O_RDONLY | os.O_NONBLOCK)


def sha256_seed(folder: str, path: str) -> Digest:
    """The digest of the seed `path` below `folder`, opened as `open_seed` does."""
    with open(open_seed(folder, path), "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            raise OSError(errno.EINVAL, "is not a regular file")
        hasher = Hasher()
        for block in iter_blocks(stream):
            hasher.update(block)
    return Digest(hasher.hexdigest(), hasher.size)


def stat_seed(folder: str, path: str) -> os.stat_result:
    """What `path` below `folder` is (a link is reported as a link), its folders opened as
    `open_seed` opens them."""
    *folders, name = path.split("/")
    with closing_fd(open_root(folder)) as top, closing_fd(open_folder(top, folders)) as parent:
        return os.stat(name, dir_fd=parent, follow_symlinks=False)


def read_link(folder: str, path: str) -> str | None:
    """The target of the link `path` below `folder`; None if it is no link."""
    *folders, name = path.split("/")
    with closing_fd(open_root(folder)) as top, closing_fd(open_folder(top, folders)) as parent:
        if not stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode):
            return None
        return os.readlink(name, dir_fd=parent)


def why(err: OSError) -> str:
    """An open's failure in words, naming a link or file found where a folder was scanned."""
    if link_on_path(err):
        return (f"{err.strerror}: a symbolic link or file is where the scan found this file or "
                "one of its folders (changed since the scan?)")
    return err.strerror or str(err)


def _changed(before: os.stat_result, after: os.stat_result) -> bool:
    return (before.st_size, before.st_mtime_ns, before.st_ctime_ns) != (
        after.st_size, after.st_mtime_ns, after.st_ctime_ns)
