"""Symbolic links in a seeds folder: where each leads, resolved step by step inside the folder.

A link is archived as a link (its name and its target, as stored) when its target stays inside
the folder; its target's bytes are archived under the target's own name. A link that leaves the
folder (an absolute target, or one that climbs above it), one that leads nowhere (dangling) and
one that loops are bad links: refused, or left out with a warning. Resolution never follows a
link on disk: each component is looked up (`lstat`, `readlink`) through descriptors, and a link
met on the way is replaced by its target, as the kernel would, up to its 40 links.

The same resolution runs over a manifest's entries (`entries_lookup`), so extract and verify
refuse a link that would lead outside the folder it is restored to, whatever the manifest says.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable

from archiver.base.descriptors import closing_fd, open_folder
from archiver.base.uris import check_header_value

MAX_HOPS = 40  # Linux's limit on the links one lookup follows (ELOOP beyond)
MEDIA_TYPE = "inode/symlink"  # shared-mime-info's name, what `file --mime-type` says of a link

FILE, FOLDER, LINK, MISSING = "file", "folder", "link", "missing"
Lookup = Callable[[list[str]], tuple[str, str]]  # parts → (kind, the link's target if a link)


class BadLink(ValueError):
    """A link that leaves the folder, dangles or loops; the message says which."""


def resolve(path: str, target: str, lookup: Lookup) -> tuple[str, bool]:
    """Where the link `path` (relative to the folder) with `target` leads: the relative path, and
    whether it exists. Raise BadLink if it leaves the folder or loops. Past a missing component
    the rest is resolved by name alone, so a link can never be made to leave by creating it."""
    if target.startswith("/"):
        raise BadLink(f"leaves the seeds folder (absolute target {target!r})")
    parts = path.split("/")[:-1]
    pending = target.split("/")
    hops, exists = 0, True
    while pending:
        part = pending.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise BadLink(f"leaves the seeds folder (target {target!r})")
            parts.pop()
            continue
        kind, further = lookup(parts + [part]) if exists else (MISSING, "")
        if kind == LINK:
            hops += 1
            if hops > MAX_HOPS or further.startswith("/"):
                raise (BadLink(f"loops (target {target!r})") if hops > MAX_HOPS else
                       BadLink(f"leaves the seeds folder (through {'/'.join(parts + [part])!r})"))
            pending = further.split("/") + pending
            continue
        if kind == MISSING or (kind == FILE and any(p not in ("", ".") for p in pending)):
            exists = False
        parts.append(part)
    return "/".join(parts), exists


def checked_target(path: str, target: str, lookup: Lookup) -> str:
    """The link's target if the link is good; BadLink (dangling, outside, loop) otherwise."""
    try:
        target.encode("utf-8")
        check_header_value(target)
    except (UnicodeEncodeError, ValueError):
        raise BadLink("has a target that is not UTF-8 text without control characters") from None
    _, exists = resolve(path, target, lookup)
    if not exists:
        raise BadLink(f"dangles (target {target!r} does not exist)")
    return target


def disk_lookup(root: int) -> Lookup:
    """Look a path up below the folder open as `root`, never following a link."""
    def lookup(parts: list[str]) -> tuple[str, str]:
        try:
            with closing_fd(open_folder(root, parts[:-1])) as parent:
                info = os.stat(parts[-1], dir_fd=parent, follow_symlinks=False)
                if stat.S_ISLNK(info.st_mode):
                    return LINK, os.readlink(parts[-1], dir_fd=parent)
        except (FileNotFoundError, NotADirectoryError):
            return MISSING, ""
        return (FOLDER if stat.S_ISDIR(info.st_mode) else FILE), ""
    return lookup


def entries_lookup(files: Iterable[str], links: dict[str, str]) -> Lookup:
    """Look a path up among a snapshot's entries: its files, its links (path → target) and the
    folders their names imply."""
    kinds: dict[str, str] = {}
    for name in [*files, *links]:
        parts = name.split("/")
        for depth in range(1, len(parts)):
            kinds["/".join(parts[:depth])] = FOLDER
    kinds.update(dict.fromkeys(files, FILE))
    kinds.update(dict.fromkeys(links, LINK))

    def lookup(parts: list[str]) -> tuple[str, str]:
        name = "/".join(parts)
        kind = kinds.get(name, MISSING)
        return kind, links.get(name, "")
    return lookup
