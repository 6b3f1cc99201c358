"""Find the seeds in a folder: regular files only, names exactly as on disk, sorted by code point.

Names are never normalized: `café` in NFC and in NFD are two files on Linux and both are kept.
Names that some filesystems could not hold side by side are reported as warnings.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from pathlib import Path

from archiver.base.uris import check_header_value
from archiver.errors import SeedError
from archiver.seeds.index_file import INDEX_NAME
from archiver.seeds.types import SeedFile


def find_seeds(folder: Path) -> list[SeedFile]:
    """Every regular file below `folder` except its INDEX.md, sorted by the name's code points."""
    try:
        info = folder.lstat()
    except OSError as err:
        raise SeedError(f"{folder}: cannot open the seeds folder: {err.strerror}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise SeedError(f"{folder}: the seeds folder is not a directory")
    found: list[SeedFile] = []
    _walk(folder, "", found, str(folder))
    return sorted(found, key=lambda seed: seed.path)


def _walk(folder: Path | str, prefix: str, found: list[SeedFile], root: str) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError as err:
        raise SeedError(f"{folder}: cannot list the folder: {err.strerror}") from None
    for entry in entries:
        name = prefix + _checked_name(entry.name, folder)
        if name == INDEX_NAME:
            continue
        info = entry.stat(follow_symlinks=False)
        location = entry.path
        if stat.S_ISLNK(info.st_mode):
            raise SeedError(f"{location}: is a symbolic link; archive the file itself")
        if stat.S_ISDIR(info.st_mode):
            _walk(location, name + "/", found, root)
        elif stat.S_ISREG(info.st_mode):
            found.append(SeedFile(path=name, folder=root, size=info.st_size))
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
