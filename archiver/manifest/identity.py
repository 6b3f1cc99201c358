"""The snapshot identifier: a digest of what a snapshot holds, not of how it is stored.

It covers the batch, the packaging time, the previous snapshot and each seed's content fields,
and none of the WARC bytes, offsets or compressor, so a recompressed snapshot keeps its id."""

from __future__ import annotations

from typing import Any

from archiver.base.digests import Hasher
from archiver.formats.canonical_json import compact, digest_label
from archiver.manifest.types import Manifest, SeedEntry

_SNAPSHOT_KEYS = ("id", "path", "bytes", "sha256", "media_type", "content_type", "encoding",
                  "language", "title", "source", "source_uri", "captured", "notes", "extra")


def snapshot_id(document: Manifest) -> str:
    """Derived from content alone: not from the WARC bytes, offsets or compressor."""
    return digest_label(snapshot_basis(document, [snapshot_seed(s) for s in document["seeds"]]))


def snapshot_basis(document: Manifest, seeds: list[Any]) -> dict[str, Any]:
    """What snapshot_id hashes, given each seed's `snapshot_seed` part."""
    previous = document["previous"]
    return {"batch": document["batch"], "packaged": document["packaged"],
            "previous": previous and previous["snapshot_id"], "seeds": seeds}


def snapshot_seed(seed: SeedEntry) -> dict[str, Any]:
    """The part of a seed's entry the snapshot identifier covers: content, not placement."""
    basis: dict[str, Any] = {key: seed[key] for key in _SNAPSHOT_KEYS}
    if "link" in seed:  # since 1.1, covered where present: entries without keep their ids
        basis["link"] = seed["link"]
    return basis


class SnapshotHasher:
    """`snapshot_id` computed seed by seed, for manifests too large to hold whole twice.

    `compact` of the basis is `{"batch":…,"packaged":…,"previous":…,"seeds":[…]}` with "seeds"
    the last key, and of an array the items' own bytes joined by commas, so the hash can take
    the part before the seeds, each seed in order, then `]}`.
    """

    def __init__(self, document: Manifest) -> None:
        text = compact(snapshot_basis(document, []))
        assert text.endswith(b'"seeds":[]}')
        self._hasher = Hasher()
        self._hasher.update(text[:-2])
        self.count = 0

    def add_bytes(self, seed_bytes: bytes) -> None:
        """Add `compact(snapshot_seed(seed))`, already made (as pack's workers do)."""
        self._hasher.update(b"," + seed_bytes if self.count else seed_bytes)
        self.count += 1

    def add(self, seed: SeedEntry) -> None:
        self.add_bytes(compact(snapshot_seed(seed)))

    def label(self) -> str:
        """The snapshot id of the seeds added so far."""
        hasher = self._hasher.copy()
        hasher.update(b"]}")
        return "sha256:" + hasher.hexdigest()
