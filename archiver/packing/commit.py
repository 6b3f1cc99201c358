"""Publishing under at-least-once execution: each attempt writes temporary names, then links
them to their final names.

`link(2)` creates the final name only if it is absent, atomically, on a local disk and on NFS
alike. A final name that already holds the same bytes (an earlier attempt, or one running at the
same time) is kept and the attempt's copy dropped; different bytes mean the work is not
deterministic, and that is an error, never a silent replacement. The last file published (a
shard's sidecar) marks the whole as committed.
"""

from __future__ import annotations

import os
from pathlib import Path

from archiver.base.atomic import PARTIAL, discard, same_bytes
from archiver.errors import ArchiverError


class NonDeterministicError(ArchiverError):
    """Two attempts at the same work made different bytes."""


def publish_once(temp: Path, final: Path, *, what: str, replace: bool = False) -> bool:
    """Give `temp`'s bytes the name `final`; True if they are now there, False if an identical
    file already was. `replace` (--force) swaps a different file for ours instead of refusing."""
    try:
        os.link(temp, final)
    except FileExistsError:
        if same_bytes(temp, final):
            discard([temp])
            return False
        if not replace:
            discard([temp])
            raise NonDeterministicError(
                f"{final}: non-deterministic {what}: this attempt made different bytes than the "
                "file already there (made by other software or from other seeds?)") from None
        os.replace(temp, final)
        return True
    discard([temp])
    return True


def leftovers(folder: Path, prefix: str) -> list[Path]:
    """Temporary files that attempts at names starting with `prefix` left behind."""
    return sorted(path for path in folder.glob(f".{prefix}*{PARTIAL}"))
