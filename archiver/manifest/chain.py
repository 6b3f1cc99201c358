"""Batches packed over time form a chain: each manifest names the one before it by digest.

A chain lives in one folder. A later batch never rewrites an earlier one: a seed whose bytes are
already archived becomes a revisit record pointing into the earlier WARC, and the later manifest
lists that WARC among its dependencies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archiver.errors import DamageError, InputError
from archiver.manifest.implied import record_date
from archiver.manifest.loader import Link, Sidecar, load_manifest

MAX_LINKS = 10_000


def earlier_links(link: Link) -> list[Link]:
    """The manifests before `link`, newest first; DamageError naming the link that breaks."""
    found: list[Link] = []
    seen = {link.sha256}
    current = link
    while (previous := current.document.get("previous")) is not None:
        path = current.path.with_name(previous["manifest"])
        try:
            older = load_manifest(path, sidecar=Sidecar.TRUST_DIGEST)
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
        packaged = link.document["packaged"]
        for seed in link.document["seeds"]:
            if seed["records"][0]["type"] == "resource" and seed["sha256"] not in found:
                found[seed["sha256"]] = {
                    **seed, "warc_date": record_date(seed, packaged),
                    "batch": link.batch_id, "manifest": link.path.name,
                }
    return found


def find_seed(links: list[Link], batch_id: str, record_id: str) -> dict[str, Any] | None:
    """The seed of batch `batch_id` whose first record is `record_id`, with its link's details."""
    for link in links:
        if link.batch_id != batch_id:
            continue
        for seed in link.document["seeds"]:
            if seed["records"][0]["id"] == record_id:
                return {**seed, "warc_date": record_date(seed, link.document["packaged"]),
                        "batch": batch_id, "manifest": link.path.name, "folder": link.path.parent}
    return None




def chain_of(manifest_path: Path, document: dict[str, Any]) -> list[Link]:
    newest = Link(manifest_path, "", document)
    return [newest, *earlier_links(newest)] if document["previous"] else [newest]


def content_record(seed: dict[str, Any], seeds: dict[str, Any], batch_id: str,
                    links: list[Link]) -> tuple[dict[str, Any], Path]:
    """The record holding the seed's bytes, and the folder of its WARC: the seed's own resource,
    or the resource its revisit points to, in this batch or an earlier one."""
    main = seed["records"][0]
    folder = links[0].path.parent
    if main["type"] == "resource":
        return main, folder
    duplicate = seed["duplicate_of"]
    if duplicate and duplicate["batch"] != batch_id:
        original = find_seed(links, duplicate["batch"], duplicate["record_id"])
        folder = original["folder"] if original else folder
    else:
        original = seeds.get(duplicate["path"]) if duplicate else None
    if original is None or original["sha256"] != seed["sha256"]:
        raise DamageError(f"{seed['path']}: revisit does not resolve to a seed with the same bytes")
    return original["records"][0], folder
