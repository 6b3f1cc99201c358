"""The first stored copy of each payload, which later seeds with the same bytes revisit.

One `StoredCopy` is kept per distinct payload for the whole pack, keyed by the payload's raw
sha256 (`payload_key`); a sharded earlier batch's copies are looked up in its digest index when
first asked for (`Seen`), never loaded whole.
"""

from __future__ import annotations

from typing import NamedTuple

from archiver.base.uris import target_uri
from archiver.manifest.chain import Original, stored_in
from archiver.manifest.implied import RevisitTarget
from archiver.manifest.loader import Link
from archiver.manifest.types import Duplicate


class StoredCopy(NamedTuple):
    """The first stored copy of a payload: what a revisit record of the same bytes names.

    A tuple, not the entry: one is kept per distinct payload for the whole pack, keyed by the
    payload's raw sha256 (`payload_key`). A seed of this batch leaves its target URI to be
    derived from its path (`id` None); an earlier batch's seed keeps the one its manifest has."""

    path: str
    record_id: str
    warc_file: str
    batch: str
    warc_date: str
    id: str | None = None

    @classmethod
    def of(cls, original: Original) -> "StoredCopy":
        """An earlier batch's copy, as the chain finds it."""
        return cls(original.path, original.record_id, original.warc_file, original.link.batch_id,
                   original.warc_date, original.uri)

    def target(self) -> RevisitTarget:
        uri = self.id if self.id is not None else target_uri(self.batch, self.path)
        return RevisitTarget(self.record_id, uri, self.warc_date)

    def duplicate(self) -> Duplicate:
        """The `duplicate_of` of a seed that repeats these bytes."""
        return {"path": self.path, "record_id": self.record_id, "warc_file": self.warc_file,
                "batch": self.batch}


def payload_key(sha256: str) -> bytes:
    return bytes.fromhex(sha256)


class Seen(dict[bytes, StoredCopy]):
    """Payloads stored so far, by `payload_key`; one a sharded earlier batch stored is looked up
    in its digest index when first asked for, never loaded whole."""

    def __init__(self, known: dict[bytes, StoredCopy], roots: list[Link]) -> None:
        super().__init__(known)
        self._roots = roots

    def get(self, key: bytes, default: StoredCopy | None = None) -> StoredCopy | None:
        found = super().get(key)
        if found is None and self._roots:
            for link in reversed(self._roots):  # oldest first
                original = stored_in(link, key.hex())
                if original is not None:
                    self[key] = found = StoredCopy.of(original)
                    break
        return default if found is None else found
