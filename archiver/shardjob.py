"""What every task of a sharded pack shares, and where its files are: small and picklable."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import index as index_file
from .commit import NonDeterministicError
from .errors import DamageError
from .hashing import sha256_file, sha256_hex
from .model import Batch, Row, SeedFile
from .shardplan import Names, Shard, read_seed_list


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
    previous: dict[str, str] | None
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
        return self.out / self.names.warc(index), manifest, sidecar_of(manifest)


def sidecar_of(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def sidecar_lines(entries: list[tuple[str, str]]) -> bytes:
    """`sha256sum` lines, one a file: `sha256sum -c` checks every one."""
    return "".join(f"{sha256}  {name}\n" for name, sha256 in entries).encode()


def parse_sidecar_lines(text: str) -> dict[str, str]:
    found = {}
    for line in text.split("\n"):
        digest, _, name = line.partition("  ")
        if len(digest) == 64 and name:
            found[name.lstrip("*")] = digest
    return found


def committed(job: Job, index: int) -> dict[str, Any] | None:
    """The shard's manifest if its sidecar is there and every file it lists checks out and it was
    made from this plan; None if the shard was never committed. Unless --force, a shard that
    was committed from another plan or whose files no longer match its sidecar is an error."""
    warc, manifest, sidecar = job.shard_paths(index)
    if job.force or not sidecar.exists():
        return None
    listed = parse_sidecar_lines(sidecar.read_text("utf-8"))
    data = manifest.read_bytes() if manifest.exists() else b""
    if listed.get(manifest.name) != sha256_hex(data) or not warc.exists() or \
            listed.get(warc.name) != sha256_file(warc).sha256:
        raise DamageError(f"{sidecar}: shard {index} was committed, but its files no longer "
                          "match this sidecar; remove the shard's three files or pass --force")
    document = json.loads(data)
    made = document.get("shard", {}).get("plan", {}).get("sha256")
    if made != job.plan_sha256:
        raise NonDeterministicError(f"{manifest}: shard {index} was made from another plan; "
                                    "remove it or pass --force")
    return document
