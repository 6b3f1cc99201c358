"""The one way a manifest is read from disk: its bytes, its sidecar, its JSON, its schema.

Every command reads manifests through here, each with an explicit sidecar policy:

- `Sidecar.CHECK` (extract, show, cite, sign, export): a sidecar that is there must match the
  bytes; the manifest must parse and meet its schema; anything else is a DamageError.
- `Sidecar.TRUST_DIGEST` (an earlier link of a chain): the later manifest records this one's
  sha256, which the chain compares, so the sidecar adds nothing.
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
from archiver.manifest.files import (
    parse_manifest,
    parse_sidecar,
    read_manifest_bytes,
    read_sidecar,
    warc_location,
)
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

    def warc_path(self, name: str, given: Path | None = None) -> Path:
        """A WARC the manifest names: beside the manifest, or in/at `given`."""
        return warc_location(self.path, name, given)


@dataclass(frozen=True)
class SidecarState:
    """What the sidecar beside a manifest says of its bytes."""

    state: str  # "matches", "missing", "unreadable", "unlisted" or "differs"
    recorded: str | None = None
    error: str = ""


def sidecar_path(manifest_path: Path) -> Path:
    return manifest_path.with_name(manifest_path.name + ".sha256")


def sidecar_state(manifest_path: Path, data: bytes) -> SidecarState:
    try:
        text = read_sidecar(manifest_path)
    except FileNotFoundError:
        return SidecarState("missing")
    except (OSError, UnicodeDecodeError) as err:
        return SidecarState("unreadable", error=str(err))
    recorded = parse_sidecar(text, manifest_path.name)
    if recorded is None:
        return SidecarState("unlisted")
    return SidecarState("matches" if recorded == sha256_hex(data) else "differs", recorded)


def read_manifest(path: Path, *, sidecar: Sidecar) -> tuple[bytes, Link]:
    """The manifest at `path` under `sidecar`'s policy, with the exact bytes that were checked."""
    data = read_manifest_bytes(path)
    if sidecar is Sidecar.CHECK and sidecar_state(path, data).state == "differs":
        raise DamageError(f"{path}: manifest does not match its sidecar {sidecar_path(path).name}")
    try:
        document = parse_manifest(data)
    except ValueError as err:
        raise DamageError(f"{path}: {err}") from None
    if sidecar is Sidecar.CHECK:
        errors = schema_errors(document)
        if errors:
            raise DamageError(f"{path}: manifest breaks its schema {errors[0]}")
    return data, Link(path, sha256_hex(data), document)  # type: ignore[arg-type]


def load_manifest(path: Path, *, sidecar: Sidecar = Sidecar.CHECK) -> Link:
    """`read_manifest` when the bytes themselves are not needed."""
    return read_manifest(path, sidecar=sidecar)[1]
