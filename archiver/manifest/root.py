"""The root manifest of a sharded snapshot: every shard manifest by sha256, the plan, the index.

It is small (a line or two a shard) and it is what a person signs, cites and checks: its sidecar
lists the root and every file of the snapshot in `sha256sum` format, so `sha256sum -c` on it
checks all of them without archiver, and a signature over the root covers every byte. Every name
of a sharded snapshot follows from the batch, the packaging time and the shard index (`Names`):
never from a host, a process, a worker or a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archiver.formats.canonical_json import digest_label
from archiver.manifest.digest_index import bucket_name, bucket_prefixes
from archiver.manifest.schema import ROOT_SCHEMA_FILE, errors_against


def is_root(document: Any) -> bool:
    return isinstance(document, dict) and "shards" in document


def root_snapshot_id(document: dict[str, Any]) -> str:
    """From content: the batch, packaging time, the previous snapshot and each shard's id."""
    previous = document["previous"]
    return digest_label({"batch": document["batch"], "packaged": document["packaged"],
                         "previous": previous and previous["snapshot_id"],
                         "shards": [shard["snapshot_id"] for shard in document["shards"]]})


def root_errors(document: Any) -> list[str]:
    """Every way `document` breaks the root schema, each as `at /json/pointer: message`."""
    return errors_against(ROOT_SCHEMA_FILE, document)


def stamp(packaged: str) -> str:
    """`2024-05-01T12:00:00Z` → `20240501t120000z`, for file names (lowercase, no colons)."""
    return packaged.replace("-", "").replace(":", "").lower()


@dataclass(frozen=True)
class Names:
    """Every file name of a sharded snapshot, from the batch, packaging time and shard index."""

    batch_id: str
    stem: str  # BATCH-STAMP
    shards: int
    digits: int

    @classmethod
    def of(cls, batch_id: str, packaged: str, shards: int, digits: int) -> "Names":
        return cls(batch_id, f"{batch_id}-{stamp(packaged)}", shards, digits)

    def shard(self, index: int) -> str:
        return f"{self.stem}-{index:0{max(5, len(str(self.shards - 1)))}d}"

    def warc(self, index: int) -> str:
        return self.shard(index) + ".warc.gz"

    def manifest(self, index: int) -> str:
        return self.shard(index) + ".manifest.json"

    @property
    def plan(self) -> str:
        return self.stem + ".plan.json"

    @property
    def work(self) -> str:
        return f".{self.stem}.work"

    def buckets(self) -> list[str]:
        return bucket_prefixes(self.digits)

    def bucket(self, prefix: str) -> str:
        return bucket_name(self.stem, prefix)
