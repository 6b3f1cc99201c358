"""A packed snapshot as the sharing commands read it: the manifest's bytes, digest and document.

cite, sign and export all start from a manifest that matches its sidecar and its schema, and
need the exact bytes that were checked (a citation names their sha256). Fields are read by name,
so a manifest that gains fields is still read the same way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import manifest
from .atomic import discard, temp_path, write_bytes
from .errors import ManifestError
from .extract import load_checked
from .hashing import sha256_hex


@dataclass(frozen=True)
class Snapshot:
    path: Path
    data: bytes
    document: dict[str, Any]

    @property
    def sha256(self) -> str:
        return sha256_hex(self.data)

    def warc_path(self, name: str, given: Path | None = None) -> Path:
        """A WARC the manifest names: beside the manifest, or in/at `given`."""
        if given is not None:
            return given / name if given.is_dir() else given
        return self.path.with_name(name)


def load(path: Path) -> Snapshot:
    """The manifest at `path`, checked against its sidecar and schema (DamageError if not)."""
    document = load_checked(path)
    data = manifest.read_manifest_bytes(path)
    if manifest.parse_manifest(data) != document:
        raise ManifestError(f"{path}: changed while being read; try again when it is still")
    return Snapshot(path, data, document)


def write_output(path: Path, data: bytes) -> None:
    """Write a whole output file under a temporary name, then rename it into place."""
    temp = temp_path(path)
    try:
        write_bytes(temp, data)
        os.replace(temp, path)
    except BaseException:
        discard([temp])
        raise
