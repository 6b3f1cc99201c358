"""Every error archiver raises on purpose, in one tree.

    ArchiverError                 base; `str(err)` is a one-line message naming the file
    ├── InputError                unusable input: exit code 2
    │   ├── IndexFileError        INDEX.md is missing, malformed, or disagrees with the seeds folder
    │   ├── SeedError             a seed cannot be archived (not a regular file, bad name, unreadable,
    │   │                         changed while being read)
    │   ├── ManifestError         a manifest that cannot be used at all (missing, not a file)
    │   └── OutputExistsError     packing would replace a different existing snapshot
    ├── OutputError               the output cannot be written (disk full, file too large, no
    │                             permission); nothing was left under a final name: exit code 2
    └── DamageError               an archive is damaged (extract refuses to restore it): exit code 1

Verification does not raise for damage: it collects `Problem`s into a `Report` (see verify.py).
The CLI turns an error into one line on stderr and its exit code, once, in one place.
"""

from __future__ import annotations


class ArchiverError(Exception):
    """Base class: the message is one line that names the file and the problem."""

    exit_code = 2


class InputError(ArchiverError):
    """The input cannot be used; nothing was written."""


class IndexFileError(InputError):
    """INDEX.md is missing, malformed, or disagrees with the seeds folder."""


class SeedError(InputError):
    """A seed file cannot be archived as it is."""


class ManifestError(InputError):
    """A manifest (or a file it names) cannot be used at all."""


class OutputExistsError(InputError):
    """Packing would replace a different snapshot that already exists."""


class OutputError(ArchiverError):
    """The snapshot could not be written; its temporary files were removed."""


class DamageError(ArchiverError):
    """An archive is damaged: its bytes do not match what its manifest records."""

    exit_code = 1


def where(path: object, line: int | None = None) -> str:
    """Format a location for a message: `seeds/INDEX.md:12`."""
    return f"{path}:{line}" if line is not None else str(path)
