"""Files and folders below a root folder, reached through directory descriptors.

Every component below the root is opened relative to its parent's descriptor with O_NOFOLLOW
(folders with O_DIRECTORY too), the `openat` way. A folder swapped for a symbolic link after a
scan can then neither leak a file from outside the root into a read nor send a write outside it:
the open of the swapped component fails (ELOOP or ENOTDIR), and a descriptor already open keeps
pointing at the folder it was opened on. No call is given more than one component, so a path
below the root may be longer than PATH_MAX.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager

FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def open_root(path: str | os.PathLike[str]) -> int:
    """The root folder itself, as given (it may be a link the user named)."""
    return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)


def open_folder(root: int, parts: list[str], *, create: bool = False) -> int:
    """The folder `root/parts…`, each part opened without following a link (made if `create`).
    The caller closes the descriptor returned (a new one even for no parts)."""
    current = os.dup(root)
    try:
        for part in parts:
            if create:
                try:
                    os.mkdir(part, 0o755, dir_fd=current)
                except FileExistsError:
                    pass
            child = os.open(part, FOLDER, dir_fd=current)
            os.close(current)
            current = child
    except BaseException:
        os.close(current)
        raise
    return current


def open_below(root: int, path: str, flags: int, mode: int = 0o644) -> int:
    """The file `root/path` (`/`-separated, relative), no component followed if it is a link."""
    *folders, name = path.split("/")
    with closing_fd(open_folder(root, folders)) as parent:
        return os.open(name, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=parent)


def open_path(root: str | os.PathLike[str], path: str, flags: int) -> int:
    """`open_below` from a root given by its path."""
    with closing_fd(open_root(root)) as top:
        return open_below(top, path, flags)


@contextmanager
def closing_fd(fd: int) -> Iterator[int]:
    try:
        yield fd
    finally:
        os.close(fd)


def link_on_path(err: OSError) -> bool:
    """True if an open failed because a component was a link or not a folder (a swap, or a
    file where a folder was expected)."""
    return err.errno in (errno.ELOOP, errno.ENOTDIR)
