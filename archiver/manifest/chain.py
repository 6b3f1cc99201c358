"""Batches packed over time form a chain: each manifest names the one before it by digest.

A chain lives in one folder. A later batch never rewrites an earlier one: a seed whose bytes are
already archived becomes a revisit record pointing into the earlier WARC, and the later manifest
lists that WARC among its dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from archiver.base.uris import target_uri
from archiver.errors import ArchiverError, DamageError, InputError
from archiver.manifest.digest_index import bucket_name, find
from archiver.manifest.document import manifest_name
from archiver.manifest.implied import RevisitTarget, record_date
from archiver.manifest.loader import Link, Sidecar, load_manifest
from archiver.manifest.root import is_root
from archiver.manifest.types import Duplicate, Previous, RecordRef, SeedEntry, main_ref

MAX_LINKS = 10_000


def earlier_links(link: Link) -> list[Link]:
    """The manifests before `link`, newest first; DamageError naming the link that breaks."""
    found: list[Link] = []
    seen = {link.sha256}
    current = link
    while (previous := current.document.get("previous")) is not None:
        path = current.path.with_name(previous["manifest"])
        try:
            older = load_manifest(path, sidecar=Sidecar.TRUST_DIGEST,
                                  pinned=(previous["sha256"], current.path.name))
        except InputError:
            raise DamageError(f"{current.path}: the previous manifest {path.name} is missing") from None
        if older.sha256 in seen:
            raise DamageError(f"{path}: the chain of previous manifests loops")
        if len(found) >= MAX_LINKS:
            raise DamageError(f"{path}: the chain of previous manifests is longer than "
                              f"{MAX_LINKS:,} manifests, more than archiver follows")
        seen.add(older.sha256)
        found.append(older)
        current = older
    return found


def chain_of(newest: Link) -> list[Link]:
    """`newest` and every manifest before it, newest first (DamageError where it breaks). A
    shard's root comes right after the shard, so that revisits into its sibling shards resolve
    through the root's digest index."""
    root = [root_of_shard(newest)] if "shard" in newest.document else []
    earlier = earlier_links(newest) if newest.document["previous"] else []
    return [newest, *root, *earlier]


def root_of_shard(shard: Link) -> Link:
    """The root manifest beside a shard manifest, which must list it with its bytes' sha256."""
    path = shard.path.with_name(manifest_name(shard.batch_id))
    try:
        root = load_manifest(path, sidecar=Sidecar.TRUST_DIGEST)
    except InputError:
        raise DamageError(f"{shard.path}: its root manifest {path.name} is missing") from None
    if not is_root(root.document) or not any(
            entry["manifest"] == shard.path.name and entry["sha256"] == shard.sha256
            for entry in root.document["shards"]):  # type: ignore[typeddict-item]
        raise DamageError(f"{path}: does not list {shard.path.name} with the sha256 of its bytes")
    return root


def previous_entry(link: Link) -> Previous:
    """How a new manifest names `link` as the one it follows."""
    return {"manifest": link.path.name, "sha256": link.sha256,
            "snapshot_id": link.document["snapshot_id"]}


@dataclass(frozen=True)
class Original:
    """The first stored copy of a payload, and the manifest that lists it.

    `seed` is its entry when that manifest was read; a copy found in a sharded batch's digest
    index (`link` is then the batch's root) has the fields a revisit names, and its entry is read
    from its shard's manifest only when its record's place is needed (`content_record`)."""

    path: str
    sha256: str
    bytes: int
    record_id: str
    warc_file: str
    uri: str
    warc_date: str
    link: Link
    seed: SeedEntry | None = None

    @classmethod
    def of(cls, seed: SeedEntry, link: Link) -> "Original":
        main = main_ref(seed)
        return cls(seed["path"], seed["sha256"], seed["bytes"], main["id"], main["warc_file"],
                   seed["id"], record_date(seed, link.document["packaged"]), link, seed)

    @property
    def folder(self) -> Path:
        """Where its WARC is: a chain lives in one folder, but each link is read from its own."""
        return self.link.path.parent

    def target(self) -> RevisitTarget:
        """What a revisit of these bytes names: the record, its URI and its WARC-Date."""
        return RevisitTarget(self.record_id, self.uri, self.warc_date)


def archived_seeds(links: list[Link]) -> Iterator[Original]:
    """Every payload's first stored copy in the one-file batches of the chain, oldest batch
    first: the copy revisits point to. A sharded batch is never loaded whole: `stored_in` finds
    its copies in its digest index, one payload at a time."""
    seen: set[str] = set()
    for link in reversed(links):
        if is_root(link.document):
            continue
        for seed in link.document["seeds"]:
            if main_ref(seed)["type"] == "resource" and seed["sha256"] not in seen:
                seen.add(seed["sha256"])
                yield Original.of(seed, link)


def stored_in(link: Link, sha256: str) -> Original | None:
    """The first copy of a payload in the sharded batch whose root is `link`, as its digest
    index lists it; None if the batch stored no such payload (or its bucket is unreadable)."""
    index = link.document["index"]
    bucket = link.path.with_name(bucket_name(index["stem"], sha256[:index["digits"]]))
    try:
        stored = find(bucket, sha256)
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if stored is None:
        return None
    return Original(stored.path, stored.sha256, stored.bytes, stored.record_id, stored.warc_file,
                    target_uri(link.batch_id, stored.path), stored.warc_date, link)


def resolve_revisit(seed: SeedEntry, links: list[Link],
                    by_path: dict[str, SeedEntry]) -> Original | None:
    """The seed a revisit repeats, in this manifest (`links[0]`, its seeds `by_path`), another
    shard of its batch or an earlier batch, if it is exactly what `duplicate_of` names and holds
    the same bytes; else None."""
    duplicate = seed["duplicate_of"]
    if main_ref(seed)["type"] != "revisit" or duplicate is None:
        return None
    newest = links[0]
    if duplicate["batch"] != newest.batch_id:
        original = _find_seed(links, duplicate, seed["sha256"])
    elif all(entry["name"] != duplicate["warc_file"] for entry in newest.document["warc_files"]):
        original = _find_seed(links[1:], duplicate, seed["sha256"])  # another shard's
    else:
        same = by_path.get(duplicate["path"])
        original = Original.of(same, newest) if same is not None else None
    if original is None or original.path != duplicate["path"]:
        return None
    if (original.record_id, original.warc_file) != (duplicate["record_id"],
                                                    duplicate["warc_file"]):
        return None
    if (original.sha256, original.bytes) != (seed["sha256"], seed["bytes"]):
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
    entry = original.seed if original is not None else None
    if original is not None and entry is None:
        entry = _entry_in_shard(original)
    if original is None or entry is None:
        raise DamageError(f"{seed['path']}: revisit does not resolve to a seed with the same bytes")
    return main_ref(entry), original.folder


def _find_seed(links: list[Link], duplicate: Duplicate, sha256: str) -> Original | None:
    """The copy `duplicate` names in batch `duplicate["batch"]`: by its main record's id in a
    one-file manifest, by the payload's `sha256` in a sharded batch's digest index."""
    for link in links:
        if link.batch_id != duplicate["batch"]:
            continue
        if is_root(link.document):
            found = stored_in(link, sha256)
            if found is not None and found.record_id == duplicate["record_id"]:
                return found
            continue
        for seed in link.document["seeds"]:
            if main_ref(seed)["id"] == duplicate["record_id"]:
                return Original.of(seed, link)
    return None


def _entry_in_shard(original: Original) -> SeedEntry | None:
    """The entry of a copy found in a digest index, from the shard manifest the root lists for
    its WARC (read only if its bytes are the ones the root records)."""
    for shard in original.link.document["shards"]:  # type: ignore[typeddict-item]
        if shard["warc_file"] == original.warc_file:
            path = original.link.path.with_name(shard["manifest"])
            return _shard_entries(str(path), shard["sha256"]).get(original.path)
    return None


@lru_cache(maxsize=2)  # revisits of one batch mostly point into a few shards, one at a time
def _shard_entries(path: str, sha256: str) -> dict[str, SeedEntry]:
    try:
        loaded = load_manifest(Path(path), sidecar=Sidecar.TRUST_DIGEST)
    except ArchiverError:
        return {}
    if loaded.sha256 != sha256:
        return {}
    return {seed["path"]: seed for seed in loaded.document["seeds"]}
