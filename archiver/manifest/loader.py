"""The one way a manifest is read from disk: its bytes, its sidecar, its JSON, its schema.

Every command reads manifests through here, each with an explicit sidecar policy:

- `Sidecar.CHECK` (extract, show, cite, sign, export, pack --previous): the sidecar must be
  there, list the manifest and match its bytes; the manifest must parse, meet its schema (a
  sharded snapshot's root, the root schema) and agree with itself (`consistency.py`: the
  snapshot id, target and source URIs, record ids, dependencies); anything else is a
  DamageError, so no command acts on a manifest that verify would reject for what it says.
- `Sidecar.TRUST_DIGEST` (an earlier link of a chain): the later manifest records this one's
  sha256 (`pinned`, compared first), so the sidecar adds nothing; the schema is still checked,
  as a pinned file can be any file.
- verify reports every sidecar state as a problem of its own (`sidecar_state`), step by step,
  rather than stopping at the first.

The result is a `Link`: the manifest's path, the sha256 of the exact bytes that were checked,
and its document.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from archiver.base.digests import sha256_hex
from archiver.errors import DamageError
from archiver.manifest.consistency import inconsistencies
from archiver.manifest.files import (
    WarcPlace,
    parse_manifest,
    parse_sidecar,
    read_manifest_bytes,
    read_sidecar,
)
from archiver.manifest.root import is_root, root_errors
from archiver.manifest.schema import schema_errors
from archiver.manifest.types import Manifest


class Sidecar(enum.Enum):
    CHECK = "check"
    TRUST_DIGEST = "trust-digest"


@dataclass(frozen=True)
class Link:
    """A manifest as read: where it is, the sha256 of its bytes, and its document."""

    path: Path
    sha256: str
    document: Manifest

    @property
    def batch_id(self) -> str:
        return self.document["batch"]["id"]

    def warc_path(self, name: str, place: WarcPlace | None = None) -> Path:
        """A WARC the manifest names: beside the manifest, or where `place` (--warc) says."""
        return (place or WarcPlace()).locate(self.path.parent, name)


@dataclass(frozen=True)
class SidecarState:
    """What the sidecar beside a manifest says of its bytes."""

    state: str  # "matches", "missing", "unreadable", "unlisted" or "differs"
    recorded: str | None = None
    error: str = ""


def sidecar_path(manifest_path: Path) -> Path:
    return manifest_path.with_name(manifest_path.name + ".sha256")


def sidecar_state(manifest_path: Path, data: bytes) -> SidecarState:
    return sidecar_state_of(manifest_path, sha256_hex(data))


def sidecar_state_of(manifest_path: Path, sha256: str) -> SidecarState:
    """What the sidecar says of the manifest bytes whose sha256 is `sha256`."""
    try:
        text = read_sidecar(manifest_path)
    except FileNotFoundError:
        return SidecarState("missing")
    except (OSError, UnicodeDecodeError) as err:
        return SidecarState("unreadable", error=str(err))
    recorded = parse_sidecar(text, manifest_path.name)
    if recorded is None:
        return SidecarState("unlisted")
    return SidecarState("matches" if recorded == sha256 else "differs", recorded)


_SIDECAR_REFUSED = {
    "missing": "has no sidecar {name}",
    "unreadable": "has an unreadable sidecar {name}",
    "unlisted": "is not listed in its sidecar {name}",
    "differs": "does not match its sidecar {name}",
}


def read_manifest(path: Path, *, sidecar: Sidecar,
                  pinned: tuple[str, str] | None = None) -> tuple[bytes, Link]:
    """The manifest at `path` under `sidecar`'s policy, with the exact bytes that were checked.
    `pinned`: the sha256 these bytes must have, and the manifest that records it."""
    data = read_manifest_bytes(path)
    digest = sha256_hex(data)
    if pinned is not None and digest != pinned[0]:
        raise DamageError(f"{path}: its sha256 is {digest}, but {pinned[1]} records {pinned[0]}: "
                          "the chain is broken there")
    state = sidecar_state(path, data).state if sidecar is Sidecar.CHECK else "matches"
    if state != "matches":
        raise DamageError(f"{path}: manifest "
                          f"{_SIDECAR_REFUSED[state].format(name=sidecar_path(path).name)}")
    try:
        document = parse_manifest(data)
    except ValueError as err:
        raise DamageError(f"{path}: {err}") from None
    errors = root_errors(document) if is_root(document) else schema_errors(document)
    if errors:
        raise DamageError(f"{path}: manifest breaks its schema {errors[0]}")
    if sidecar is Sidecar.CHECK and not is_root(document):
        for problem in inconsistencies(document):  # type: ignore[arg-type]
            raise DamageError(f"{path}: manifest disagrees with itself: {problem}")
    return data, Link(path, digest, document)  # type: ignore[arg-type]


def load_manifest(path: Path, *, sidecar: Sidecar = Sidecar.CHECK,
                  pinned: tuple[str, str] | None = None) -> Link:
    """`read_manifest` when the bytes themselves are not needed."""
    return read_manifest(path, sidecar=sidecar, pinned=pinned)[1]
