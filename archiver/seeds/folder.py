"""Find the seeds in a folder: regular files only, names exactly as on disk, sorted by code point.

Names are never normalized: `café` in NFC and in NFD are two files on Linux and both are kept.
Names that some filesystems could not hold side by side are reported as warnings.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from archiver.base.descriptors import FOLDER, open_root
from archiver.base.uris import check_header_value
from archiver.errors import SeedError
from archiver.seeds.index_file import INDEX_NAME
from archiver.seeds.types import SeedFile


def find_seeds(folder: Path) -> list[SeedFile]:
    """Every regular file below `folder` except its INDEX.md, sorted by the name's code points."""
    return sorted(walk_seeds(folder), key=lambda seed: seed.path)


def walk_seeds(folder: Path) -> Iterator[SeedFile]:
    """`find_seeds`' files one directory entry at a time, in the order the system lists them
    (a batch of millions is never held whole). Each folder is opened through its parent's
    descriptor without following links (`base.descriptors`), so the walk never leaves `folder`
    and its depth is not bounded by PATH_MAX; one descriptor is held per level."""
    try:
        info = folder.lstat()
        top = open_root(folder) if stat.S_ISDIR(info.st_mode) else -1
    except OSError as err:
        raise SeedError(f"{folder}: cannot open the seeds folder: {err.strerror}") from None
    if top < 0:
        raise SeedError(f"{folder}: the seeds folder is not a directory")
    root = str(folder)
    levels: list[tuple[int, str, list[str]]] = []  # (descriptor, prefix, subfolders to visit)
    try:
        levels.append((top, "", []))
        yield from _list(top, "", root, levels[-1][2])
        while levels:
            fd, prefix, subfolders = levels[-1]
            if not subfolders:
                os.close(levels.pop()[0])
                continue
            sub = subfolders.pop()
            name = prefix + sub
            try:
                child = os.open(sub, FOLDER, dir_fd=fd)
            except OSError as err:
                raise SeedError(f"{os.path.join(root, name)}: cannot list the folder: "
                                f"{err.strerror}") from None
            levels.append((child, name + "/", []))
            yield from _list(child, name + "/", root, levels[-1][2])
    finally:
        for fd, _, _ in levels:
            os.close(fd)


def _list(fd: int, prefix: str, root: str, subfolders: list[str]) -> Iterator[SeedFile]:
    """The regular files of one folder; its subfolders' names go into `subfolders`."""
    try:
        entries = os.scandir(fd)
    except OSError as err:
        raise SeedError(f"{os.path.join(root, prefix)}: cannot list the folder: "
                        f"{err.strerror}") from None
    with entries:
        for entry in entries:
            name = prefix + _checked_name(entry.name, os.path.join(root, prefix))
            if name == INDEX_NAME:
                continue
            info = entry.stat(follow_symlinks=False)
            location = os.path.join(root, name)
            if stat.S_ISLNK(info.st_mode):
                raise SeedError(f"{location}: is a symbolic link; archive the file itself")
            if stat.S_ISDIR(info.st_mode):
                subfolders.append(entry.name)
            elif stat.S_ISREG(info.st_mode):
                yield SeedFile(path=name, folder=root, size=info.st_size)
            else:
                raise SeedError(f"{location}: is not a regular file ({_kind(info.st_mode)})")


def _checked_name(name: str, folder: Path | str) -> str:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(name).decode("utf-8", "backslashreplace")
        raise SeedError(f"{folder}/{shown}: file name is not valid UTF-8") from None
    try:
        check_header_value(name)
    except ValueError:
        raise SeedError(f"{folder}/{name!r}: file name holds a control character") from None
    return name


def _kind(mode: int) -> str:
    for test, label in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                        (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return label
    return "not a file"


def name_collisions(paths: list[str]) -> list[tuple[str, str]]:
    """Pairs of distinct names equal under NFC normalization or case folding."""
    seen: dict[str, str] = {}
    pairs = []
    for path in paths:
        key = unicodedata.normalize("NFC", path).casefold()
        if key in seen:
            pairs.append((seen[key], path))
        else:
            seen[key] = path
    return pairs
