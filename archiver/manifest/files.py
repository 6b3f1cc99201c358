"""A manifest's files on disk: its bytes, its `sha256sum` sidecar, and where its WARC files are.

Reading is bounded and refuses anything but a regular file (a FIFO or device would block or
never end). Whether a sidecar must be there is the loader's policy (`loader.py`), not this
module's."""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from archiver.base.memory import collector_paused
from archiver.errors import InputError, ManifestError

MAX_SIDECAR = 64 << 10  # one line is ~100 bytes; never read an unbounded file into memory


@dataclass(frozen=True)
class WarcPlace:
    """Where every command finds WARC files (`--warc`, one meaning for verify, extract and
    export): beside their manifests; with a folder given, in it by name first, for every batch
    of the chain and every shard (one not there is still found beside its manifest); with a file
    given, that file in place of the manifest's one WARC file (`own`), the chain's other WARC
    files beside their manifests."""

    given: Path | None = None
    own: str | None = None  # the WARC name a given file stands for; None for a folder

    @classmethod
    def of(cls, given: Path | WarcPlace | None, document: Any) -> WarcPlace:
        """The place for the manifest `document`; a file is refused unless it lists one WARC."""
        if isinstance(given, WarcPlace):
            return given
        if given is None or given.is_dir():
            return cls(given)
        names = [entry.get("name") for entry in document.get("warc_files", [])]
        if len(names) != 1 or not isinstance(names[0], str):
            raise InputError(f"--warc {given}: a file stands for a manifest's one WARC file, and "
                             f"this manifest lists {len(names)}: give the folder that holds them")
        return cls(given, names[0])

    def locate(self, folder: Path, name: str) -> Path:
        """The WARC file `name` of a manifest in `folder`."""
        beside = folder / name
        if self.given is None:
            return beside
        if self.own is None:
            inside = self.given / name
            return inside if inside.exists() or not beside.exists() else beside
        return self.given if name == self.own else beside


def sidecar_text(name: str, sha256: str) -> str:
    """`sha256sum` format, so `sha256sum -c` checks the manifest without archiver."""
    return f"{sha256}  {name}\n"


def sidecar_lines(entries: list[tuple[str, str]]) -> bytes:
    """A sidecar listing several files (a shard's manifest and WARC; a root and every file of
    its snapshot), one `sha256sum` line each: `sha256sum -c` checks every one."""
    return "".join(sidecar_text(name, sha256) for name, sha256 in entries).encode()


def parse_sidecar(text: str, name: str) -> str | None:
    """The digest the sidecar records for `name`, or None if it does not record one."""
    return sidecar_entries(text).get(name)


def sidecar_entries(text: str) -> dict[str, str]:
    """Every file the sidecar lists, with the digest it records (the first, if listed twice).

    A line is `HASH  NAME` (what `sha256sum` writes, and archiver) or `HASH *NAME` (`sha256sum
    -b`): the character after the space is the mode, so in `HASH  *NAME` the name is `*NAME`,
    as `sha256sum -c` reads it."""
    found: dict[str, str] = {}
    for line in text.split("\n"):  # sha256sum's lines end in LF only: a CR or FF is damage
        digest, mode, listed = line[:64], line[64:66], line[66:]
        if listed and mode in ("  ", " *") and len(digest) == 64:
            found.setdefault(listed, digest)
    return found


def read_manifest_bytes(path: Path) -> bytes:
    with open_manifest(path) as stream:
        return read_open(path, stream)


def read_open(path: Path, stream: BinaryIO) -> bytes:
    """The rest of the manifest open as `stream`; ManifestError if it cannot be read."""
    try:
        return stream.read()
    except OSError as err:
        raise ManifestError(f"{path}: cannot read: {err.strerror}") from None


def open_manifest(path: Path) -> BinaryIO:
    """The manifest at `path`, open for reading; ManifestError saying why not."""
    try:
        return open_regular(path)
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such manifest") from None
    except IsADirectoryError:
        raise ManifestError(f"{path}: is a directory, not a manifest") from None
    except OSError as err:
        raise ManifestError(f"{path}: cannot read: {err.strerror}") from None


def read_sidecar(manifest_path: Path) -> str:
    """The sidecar's text exactly, with no newline translation (a CR is damage); OSError if none."""
    with open_regular(manifest_path.with_name(manifest_path.name + ".sha256")) as stream:
        return stream.read(MAX_SIDECAR).decode("utf-8")


def open_regular(path: Path) -> BinaryIO:
    """Open a regular file for reading; a FIFO or device would block or never end, so refuse it."""
    stream = open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb")
    mode = os.fstat(stream.fileno()).st_mode
    if not stat.S_ISREG(mode):
        stream.close()
        raise OSError(errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL, "not a regular file")
    return stream


class _Fraction(ValueError):
    """A number with a fraction or an exponent: canonical JSON holds integers only."""


def refuse_fraction(text: str) -> Any:
    raise _Fraction(text)


def parse_manifest(data: bytes) -> dict[str, Any]:
    """Decode manifest bytes; raise ValueError saying why they are not a JSON object.

    A number such as `8272.0` is refused here: JSON Schema counts it an integer, but no snapshot
    id can be derived over it (canonical JSON holds no floats), so nothing could check it. The
    collector is paused meanwhile (see `base.memory`): JSON makes no cycle.
    """
    try:
        with collector_paused():
            document = json.loads(data.decode("utf-8"), parse_float=refuse_fraction)
    except _Fraction as err:
        raise ValueError(f"not a manifest (the number {_short(str(err))} has a fraction or an "
                         "exponent: a manifest's numbers are integers)") from None
    except UnicodeDecodeError as err:
        raise ValueError(f"not UTF-8 ({err.reason} at byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"not JSON ({err.msg} at line {err.lineno} column {err.colno})") from None
    except RecursionError:
        raise ValueError("not a usable manifest (JSON nested too deeply)") from None
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    return document


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
