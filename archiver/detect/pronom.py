"""Format identification as archivists do it: a PRONOM identifier from Siegfried.

PRONOM is The National Archives' registry of file formats, the one DROID and Siegfried
identify against (`fmt/19` is PDF 1.5, `x-fmt/111` plain text). pygfried (Apache-2.0) is
Siegfried compiled into a Python extension with its default signature file inside: nothing
is downloaded. It identifies a file by its path (it reads the bytes it needs, at the start
and the end), 0.2 ms a file on /usr/share/doc. The identifier is recorded with Siegfried's
version and the signature files' names (the DROID and container signature versions), since
another signature release may name a format differently; "UNKNOWN" is Siegfried's own word
for a format no signature matches.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from archiver.base.pool import fork_unsafe

TOOL = "siegfried"


@dataclass(frozen=True)
class FormatId:
    """A PRONOM identifier and the identifier that gave it."""

    pronom: str
    tool: str
    tool_version: str
    signatures: str


def identify(location: str) -> FormatId:
    """The PRONOM identifier of the file at `location` ("UNKNOWN" if none matches)."""
    import pygfried  # type: ignore[import-untyped]

    try:
        found = _scanner().identify(location)
    except (pygfried.GoError, pygfried.EmptySourceError):
        found = None
    version, signatures = _versions()
    return FormatId(found or "UNKNOWN", TOOL, version, signatures)


@functools.cache
def _scanner() -> Any:
    import pygfried

    # Siegfried runs in Go's runtime, whose threads a forked child does not get: a worker
    # forked after this deadlocks on its first identification.
    fork_unsafe("pygfried's Go runtime")
    return pygfried.Scanner()


@functools.cache
def _versions() -> tuple[str, str]:
    """Siegfried's version and its PRONOM signature files, asked once: a detailed answer
    about any file (the extension's own) carries them."""
    import pygfried

    details = _scanner().identify(pygfried.__file__, detailed=True)
    names = [ident.get("details", "") for ident in details.get("identifiers", [])
             if ident.get("name") == "pronom"]
    return str(details.get("siegfried") or pygfried.version()), "".join(names[:1])
