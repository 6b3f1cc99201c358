"""A packed snapshot as the sharing commands read it: checked, with its digest and document.

cite, sign and export all start from a manifest that matches its sidecar and its schema, and
need the digest of the exact bytes that were checked (a citation names it). The result is the
same `chain.Link` that a chain of batches is made of.
"""

from __future__ import annotations

from pathlib import Path

from .chain import Link
from .extract import read_checked
from .hashing import sha256_hex


def load(path: Path) -> Link:
    """The manifest at `path`, checked against its sidecar and schema (DamageError if not)."""
    data, document = read_checked(path)
    return Link(path, sha256_hex(data), document)
