"""A packed snapshot as the sharing commands read it: the manifest's bytes, digest and document.

cite, sign and export all start from a manifest that matches its sidecar and its schema, and
need the exact bytes that were checked (a citation names their sha256). Fields are read by name,
so a manifest that gains fields is still read the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import manifest
from .extract import read_checked
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
        return manifest.warc_location(self.path, name, given)


def load(path: Path) -> Snapshot:
    """The manifest at `path`, checked against its sidecar and schema (DamageError if not)."""
    data, document = read_checked(path)
    return Snapshot(path, data, document)
