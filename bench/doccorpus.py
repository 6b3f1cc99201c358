"""A real corpus for the benchmark: a copy of the machine's /usr/share/doc with an INDEX.md.

Files nobody here wrote: changelogs, copyright files, HTML, CSS, scripts, gzip files, images.
Symbolic links are kept as what they point at (archiver archives files, never links, so a link
becomes a second copy of its target's bytes: a revisit record in the WARC). Names archiver
refuses (not UTF-8, control characters) are left out and counted. Each row declares `und` (the
files' languages are not known) and the file's modification day as its capture date.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from corpus import write_index_rows

SOURCE = Path("/usr/share/doc")


def copy_doc(folder: Path, source: Path = SOURCE) -> dict[str, int]:
    """Copy `source` into `folder` (links followed) and write INDEX.md; say what was copied."""
    folder.mkdir(parents=True)
    rows: list[tuple[str, ...]] = []
    skipped = 0
    for path in sorted(_files(source)):
        relative = path.relative_to(source)
        name = str(relative)
        if not _acceptable(name):
            skipped += 1
            continue
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)  # follows links: the bytes they point at
        mtime = path.stat().st_mtime
        os.utime(target, (mtime, mtime))
        day = time.strftime("%Y-%m-%d", time.gmtime(mtime))
        rows.append((name, name, f"Debian package {relative.parts[0]}", "und", day))
    write_index_rows(folder, "doc", ("file", "title", "source", "language", "captured"), rows)
    return {"files": len(rows), "skipped": skipped,
            "bytes": sum((folder / row[0]).stat().st_size for row in rows)}


def _files(source: Path):
    for folder, dirs, names in os.walk(source, followlinks=True):
        for name in names:
            path = Path(folder, name)
            if path.is_file():  # regular file or a link to one
                yield path


def _acceptable(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return name.isprintable() and name == name.strip() and name != "INDEX.md"
