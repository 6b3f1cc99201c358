"""Reading a small file whole: a regular file only, and never more than a stated size.

A FIFO would block and a device such as /dev/zero would never end, so both are refused before
a byte is read; a file larger than the limit is refused rather than read into memory.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class TooLarge(ValueError):
    """The file holds more bytes than the caller allows."""


def read_regular(path: Path, *, limit: int) -> bytes:
    """The bytes of the regular file at `path`: OSError if it cannot be opened or is not a
    regular file (a folder, FIFO, socket or device), TooLarge if it holds over `limit` bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with open(fd, "rb") as stream:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            code = errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL
            raise OSError(code, "not a regular file")
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"larger than {limit:,} bytes")
    return data
