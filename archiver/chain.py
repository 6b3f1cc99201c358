"""Batches packed over time form a chain: each manifest names the one before it by digest.

A chain lives in one folder. A later batch never rewrites an earlier one: a seed whose bytes are
already archived becomes a revisit record pointing into the earlier WARC, and the later manifest
lists that WARC among its dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import layout, manifest
from .errors import DamageError, InputError
from .digestindex import find
from .hashing import sha256_hex
from .rootmanifest import is_root
from .uris import target_uri

MAX_LINKS = 10_000


@dataclass(frozen=True)
class Link:
    """One manifest of a chain: where it is, its digest and its content."""

    path: Path
    sha256: str
    document: dict[str, Any]

    @property
    def batch_id(self) -> str:
        return self.document["batch"]["id"]

    def warc_path(self, name: str, given: Path | None = None) -> Path:
        """A WARC the manifest names: beside the manifest, or in/at `given`."""
        return manifest.warc_location(self.path, name, given)


def read_link(path: Path) -> Link:
    """A manifest that parses; DamageError if it does not."""
    data = manifest.read_manifest_bytes(path)
    try:
        document = manifest.parse_manifest(data)
    except ValueError as err:
        raise DamageError(f"{path}: {err}") from None
    return Link(path, sha256_hex(data), document)


def earlier_links(link: Link) -> list[Link]:
    """The manifests before `link`, newest first; DamageError naming the link that breaks."""
    found: list[Link] = []
    seen = {link.sha256}
    current = link
    while (previous := current.document.get("previous")) is not None:
        path = current.path.with_name(previous["manifest"])
        try:
            older = read_link(path)
        except InputError:
            raise DamageError(f"{current.path}: the previous manifest {path.name} is missing") from None
        if older.sha256 != previous["sha256"]:
            raise DamageError(f"{path}: its sha256 is {older.sha256}, but {current.path.name} "
                              f"records {previous['sha256']}: the chain is broken there")
        if older.sha256 in seen or len(found) >= MAX_LINKS:
            raise DamageError(f"{path}: the chain of previous manifests loops")
        seen.add(older.sha256)
        found.append(older)
        current = older
    return found


def previous_entry(link: Link) -> dict[str, str]:
    """How a new manifest names `link` as the one it follows."""
    return {"manifest": link.path.name, "sha256": link.sha256,
            "snapshot_id": link.document["snapshot_id"]}


def archived_seeds(links: list[Link]) -> dict[str, dict[str, Any]]:
    """Every archived payload by sha256, mapped to the seed that first stored it (its resource).

    Each value is the seed's manifest entry plus `warc_date`, `batch` and `manifest`, which a
    revisit record and a dependency need.
    """
    found: dict[str, dict[str, Any]] = {}
    for link in reversed(links):  # oldest first: the first copy is the one revisits point to
        if is_root(link.document):  # a sharded batch: its digest index answers `stored_in`
            continue
        packaged = link.document["packaged"]
        for seed in link.document["seeds"]:
            if seed["records"][0]["type"] == "resource" and seed["sha256"] not in found:
                found[seed["sha256"]] = {
                    **seed, "warc_date": layout.record_date(seed, packaged),
                    "batch": link.batch_id, "manifest": link.path.name,
                }
    return found


def stored_in(link: Link, sha256: str) -> dict[str, Any] | None:
    """The first copy of a payload in a sharded batch, as its digest index has it: the parts of
    its seed's entry that a revisit record and a dependency need."""
    index = link.document["index"]
    bucket = link.path.with_name(f"{index['stem']}.digests-{sha256[:index['digits']]}.tsv")
    try:
        stored = find(bucket, sha256)
    except OSError:
        return None
    if stored is None:
        return None
    return {"id": target_uri(link.batch_id, stored.path), "path": stored.path,
            "sha256": stored.sha256, "bytes": stored.bytes,
            "records": [{"type": "resource", "id": stored.record_id,
                         "warc_file": stored.warc_file}],
            "warc_date": stored.warc_date, "batch": link.batch_id, "manifest": link.path.name,
            "folder": link.path.parent}


def find_seed(links: list[Link], batch_id: str, record_id: str,
              sha256: str = "") -> dict[str, Any] | None:
    """The seed of batch `batch_id` whose first record is `record_id`, with its link's details
    (for a sharded batch, from its digest index, which needs the payload's `sha256`)."""
    for link in links:
        if link.batch_id != batch_id:
            continue
        if is_root(link.document):
            found = stored_in(link, sha256) if sha256 else None
            if found is not None and found["records"][0]["id"] == record_id:
                return found
            continue
        for seed in link.document["seeds"]:
            if seed["records"][0]["id"] == record_id:
                return {**seed, "warc_date": layout.record_date(seed, link.document["packaged"]),
                        "batch": batch_id, "manifest": link.path.name, "folder": link.path.parent}
    return None
