"""Find the seeds in a folder: regular files and good links, names exactly as on disk, sorted by
code point.

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
from archiver.seeds.links import BadLink, checked_target, disk_lookup
from archiver.seeds.types import SeedFile


def find_seeds(folder: Path, *, skipped: dict[str, str] | None = None) -> list[SeedFile]:
    """Every regular file and good link below `folder` except its INDEX.md, sorted by the name's
    code points (see `walk_seeds` for `skipped`)."""
    return sorted(walk_seeds(folder, skipped=skipped), key=lambda seed: seed.path)


def walk_seeds(folder: Path, *, skipped: dict[str, str] | None = None) -> Iterator[SeedFile]:
    """`find_seeds`' files one directory entry at a time, in the order the system lists them
    (a batch of millions is never held whole). Each folder is opened through its parent's
    descriptor without following links (`base.descriptors`), so the walk never leaves `folder`
    and its depth is not bounded by PATH_MAX; one descriptor is held per level.

    A symbolic link is listed as a link, never followed, if its target stays inside `folder`
    (`seeds.links`); a bad one (outside, dangling, looping) is refused, or, given a `skipped`
    dict, left out, its name mapped there to a warning."""
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
        yield from _list(top, "", root, levels[-1][2], (top, skipped))
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
            yield from _list(child, name + "/", root, levels[-1][2], (top, skipped))
    finally:
        for fd, _, _ in levels:
            os.close(fd)


def _list(fd: int, prefix: str, root: str, subfolders: list[str],
          links: tuple[int, dict[str, str] | None]) -> Iterator[SeedFile]:
    """The regular files and good links of one folder; its subfolders' names go into
    `subfolders`; `links` is the top folder's descriptor and the skipped links (or None)."""
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
                target = _good_target(fd, entry.name, name, location, links)
                if target is not None:
                    yield SeedFile(path=name, folder=root, size=len(os.fsencode(target)),
                                   link=target)
                continue
            if stat.S_ISDIR(info.st_mode):
                subfolders.append(entry.name)
            elif stat.S_ISREG(info.st_mode):
                yield SeedFile(path=name, folder=root, size=info.st_size)
            else:
                raise SeedError(f"{location}: is not a regular file ({_kind(info.st_mode)})")


def _good_target(fd: int, entry: str, name: str, location: str,
                 links: tuple[int, dict[str, str] | None]) -> str | None:
    """The target of the link `name` if it is good; None if it is bad and skipped."""
    top, skipped = links
    try:
        return checked_target(name, os.readlink(entry, dir_fd=fd), disk_lookup(top))
    except OSError as err:
        raise SeedError(f"{location}: cannot read the link: {err.strerror}") from None
    except BadLink as bad:
        if skipped is None:
            raise SeedError(f"{location}: symbolic link {bad}; pass --skip-bad-links to leave "
                            "it out") from None
        skipped[name] = f"{location}: symbolic link {bad}; left out"
        return None


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
