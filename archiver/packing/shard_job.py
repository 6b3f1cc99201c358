"""What every task of a sharded pack shares, and where its files are: small and picklable."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archiver.base.digests import sha256_file, sha256_hex
from archiver.errors import DamageError
from archiver.manifest.files import parse_manifest, sidecar_entries
from archiver.manifest.loader import sidecar_path
from archiver.manifest.root import Names
from archiver.manifest.types import Manifest, Previous
from archiver.packing.commit import NonDeterministicError
from archiver.seeds import index_file
from archiver.seeds.shards import Shard, read_seed_list
from archiver.seeds.types import Batch, Row, SeedFile


@dataclass(frozen=True)
class Earlier:
    """An earlier batch of the chain: its index buckets (sharded) or its one manifest."""

    batch_id: str
    manifest: str
    digits: int  # 0: a one-file snapshot, indexed into the work folder first
    stem: str = ""


@dataclass(frozen=True)
class Job:
    seeds_dir: str
    out_dir: str
    columns: tuple[str, ...]
    batch: Batch
    packaged: str
    names: Names
    shards: tuple[Shard, ...]
    compression: str
    plan_sha256: str
    previous: Previous | None
    earlier: tuple[Earlier, ...]  # oldest first
    force: bool = False

    @property
    def batch_id(self) -> str:
        return self.batch.batch_id

    @property
    def out(self) -> Path:
        return Path(self.out_dir)

    @property
    def work(self) -> Path:
        return self.out / self.names.work

    def work_file(self, kind: str, key: int | str) -> Path:
        return self.work / (f"{kind}-{key:06d}.tsv" if isinstance(key, int) else
                            f"{kind}-{key}.tsv")

    def seeds(self, index: int) -> list[tuple[SeedFile, Row]]:
        index_path = Path(self.seeds_dir) / index_file.INDEX_NAME
        columns = list(self.columns)

        def parse(text: str, line: int) -> Row:
            return index_file._row(text, columns, index_path, line, [], {})

        return list(read_seed_list(self.work_file("seeds", index), self.seeds_dir, parse))

    def shard_paths(self, index: int) -> tuple[Path, Path, Path]:
        manifest = self.out / self.names.manifest(index)
        return self.out / self.names.warc(index), manifest, sidecar_path(manifest)


def committed(job: Job, index: int) -> Manifest | None:
    """The shard's manifest if its sidecar is there and every file it lists checks out and it was
    made from this plan; None if the shard was never committed. Unless --force, a shard that
    was committed from another plan or whose files no longer match its sidecar is an error."""
    warc, manifest, sidecar = job.shard_paths(index)
    if job.force or not sidecar.exists():
        return None
    listed = sidecar_entries(sidecar.read_text("utf-8"))
    data = manifest.read_bytes() if manifest.exists() else b""
    if listed.get(manifest.name) != sha256_hex(data) or not warc.exists() or \
            listed.get(warc.name) != sha256_file(warc).sha256:
        raise DamageError(f"{sidecar}: shard {index} was committed, but its files no longer "
                          "match this sidecar; remove the shard's three files or pass --force")
    document: Manifest = parse_manifest(data)  # type: ignore[assignment]
    made = document.get("shard", {}).get("plan", {}).get("sha256")
    if made != job.plan_sha256:
        raise NonDeterministicError(f"{manifest}: shard {index} was made from another plan; "
                                    "remove it or pass --force")
    return document
