"""Batches packed over time form a chain: each manifest names the one before it by digest.

A chain lives in one folder. A later batch never rewrites an earlier one: a seed whose bytes are
already archived becomes a revisit record pointing into the earlier WARC, and the later manifest
lists that WARC among its dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from archiver.errors import DamageError, InputError
from archiver.manifest.implied import RevisitTarget, record_date
from archiver.manifest.loader import Link, Sidecar, load_manifest
from archiver.manifest.types import Previous, RecordRef, SeedEntry, main_ref

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


def chain_of(newest: Link) -> list[Link]:
    """`newest` and every manifest before it, newest first (DamageError where it breaks)."""
    return [newest, *earlier_links(newest)] if newest.document["previous"] else [newest]


def previous_entry(link: Link) -> Previous:
    """How a new manifest names `link` as the one it follows."""
    return {"manifest": link.path.name, "sha256": link.sha256,
            "snapshot_id": link.document["snapshot_id"]}


@dataclass(frozen=True)
class Original:
    """The seed whose resource record holds a payload, and the manifest that lists it."""

    seed: SeedEntry
    link: Link

    @property
    def record(self) -> RecordRef:
        return main_ref(self.seed)

    @property
    def folder(self) -> Path:
        """Where its WARC is: a chain lives in one folder, but each link is read from its own."""
        return self.link.path.parent

    def target(self) -> RevisitTarget:
        """What a revisit of these bytes names: the record, its URI and its WARC-Date."""
        return RevisitTarget(self.record["id"], self.seed["id"],
                             record_date(self.seed, self.link.document["packaged"]))


def archived_seeds(links: list[Link]) -> Iterator[Original]:
    """Every payload's first stored copy in the chain, oldest batch first: the copy revisits
    point to. A payload stored twice (it cannot be, by packing) yields its first copy only."""
    seen: set[str] = set()
    for link in reversed(links):
        for seed in link.document["seeds"]:
            if main_ref(seed)["type"] == "resource" and seed["sha256"] not in seen:
                seen.add(seed["sha256"])
                yield Original(seed, link)


def resolve_revisit(seed: SeedEntry, links: list[Link],
                    by_path: dict[str, SeedEntry]) -> Original | None:
    """The seed a revisit repeats, in this batch (`links[0]`, its seeds `by_path`) or an earlier
    one, if it is exactly what `duplicate_of` names and holds the same bytes; else None."""
    duplicate = seed["duplicate_of"]
    if main_ref(seed)["type"] != "revisit" or duplicate is None:
        return None
    newest = links[0]
    if duplicate["batch"] != newest.batch_id:
        original = _find_seed(links, duplicate["batch"], duplicate["record_id"])
    else:
        same = by_path.get(duplicate["path"])
        original = Original(same, newest) if same is not None else None
    if original is None or original.seed["path"] != duplicate["path"]:
        return None
    if (original.record["id"], original.record["warc_file"]) != (duplicate["record_id"],
                                                                duplicate["warc_file"]):
        return None
    if (original.seed["sha256"], original.seed["bytes"]) != (seed["sha256"], seed["bytes"]):
        return None
    return original


def content_record(seed: SeedEntry, by_path: dict[str, SeedEntry],
                   links: list[Link]) -> tuple[RecordRef, Path]:
    """The record holding the seed's bytes, and the folder of its WARC: the seed's own resource,
    or the resource its revisit resolves to, in this batch or an earlier one."""
    main = main_ref(seed)
    if main["type"] == "resource":
        return main, links[0].path.parent
    original = resolve_revisit(seed, links, by_path)
    if original is None:
        raise DamageError(f"{seed['path']}: revisit does not resolve to a seed with the same bytes")
    return original.record, original.folder


def _find_seed(links: list[Link], batch_id: str, record_id: str) -> Original | None:
    """The seed of batch `batch_id` whose main record is `record_id`."""
    for link in links:
        if link.batch_id == batch_id:
            for seed in link.document["seeds"]:
                if main_ref(seed)["id"] == record_id:
                    return Original(seed, link)
    return None
