"""The plan of a pack: the seed files of a folder matched with the rows of its INDEX.md, in order.

Every file needs a row and every row a file; a mismatch is refused before anything is read."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from archiver.base.memory import collector_paused
from archiver.errors import (
    IndexFileError,
)
from archiver.seeds.folder import find_seeds, name_collisions
from archiver.seeds.index_file import INDEX_NAME, open_index, read_index
from archiver.seeds.shards import Limits
from archiver.seeds.table import SeedTable
from archiver.seeds.types import Batch, Index, Row, SeedFile


@dataclass
class Plan:
    """What will be packed: the index and, in order, each seed file with its row."""

    index: Index
    seeds: list[tuple[SeedFile, Row]]
    warnings: list[str]

    @property
    def total_bytes(self) -> int:
        return sum(file.size for file, _ in self.seeds)

    @property
    def batch(self) -> Batch:
        return self.index.batch

    def close(self) -> None:
        """Nothing to release (a `SeedTable`, the other kind of prepared work, has a file)."""


def prepare(seeds_dir: Path, limits: Limits | None = None, *,
            skip_bad_links: bool = False) -> "Plan | SeedTable":
    """What `pack` will pack: a `Plan` in memory when the batch is one shard (today's one-file
    snapshot), else a `SeedTable` on disk for a sharded one (close it when done). A bad link
    (outside the folder, dangling, looping) is refused, or with `skip_bad_links` left out with
    a warning (a row naming it is then ignored)."""
    limits = limits or Limits()
    if _index_lines(seeds_dir / INDEX_NAME) <= limits.seeds:
        work = plan(seeds_dir, skip_bad_links=skip_bad_links)
        if limits.one_shard(len(work.seeds), work.total_bytes):
            return work
    table = SeedTable(seeds_dir, skip_bad_links=skip_bad_links)
    if not limits.one_shard(table.count, table.total_bytes):
        return table
    try:
        return Plan(Index(table.batch, (), table.head.columns), list(table.seeds()),
                    table.warnings)
    finally:
        table.close()


def _index_lines(path: Path) -> int:
    """How many lines INDEX.md has (rows are fewer), without parsing it; 0 if unreadable (the
    parser then says why)."""
    try:  # never a plain open: a FIFO would block (the parser then refuses it)
        with open_index(path) as stream:
            return sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b""))
    except OSError:
        return 0


def plan(seeds_dir: Path, *, skip_bad_links: bool = False) -> Plan:
    """Match the files in `seeds_dir` with the rows of its INDEX.md; refuse any mismatch."""
    with collector_paused():  # a row and a file a seed, no cycle among them (see `base.memory`)
        return _plan(seeds_dir, skip_bad_links)


def _plan(seeds_dir: Path, skip_bad_links: bool) -> Plan:
    index_path = seeds_dir / INDEX_NAME
    index = read_index(index_path)
    skipped: dict[str, str] | None = {} if skip_bad_links else None
    files = {file.path: file for file in find_seeds(seeds_dir, skipped=skipped)}
    rows = {row.path: row for row in index.rows if row.path not in (skipped or {})}
    for row in rows.values():
        if row.path not in files:
            target = seeds_dir / row.path
            problem = "is not a regular file" if target.is_dir() else "no such file in the seeds folder"
            raise IndexFileError(f"{index_path}:{row.line}: row names {row.path!r}: {problem}")
    for path in files:
        if path not in rows:
            raise IndexFileError(f"{seeds_dir / path}: seed has no row in {index_path}")
    warnings = [*(skipped or {}).values()] + [
        f"{seeds_dir / a} and {seeds_dir / b}: names equal under Unicode normalization or case "
        "folding; both are kept, but some filesystems cannot hold both"
        for a, b in name_collisions(sorted(files))
    ]
    # Each seed's file and row hold one string for its path, not two equal ones.
    return Plan(index, [(dataclasses.replace(files[path], path=rows[path].path), rows[path])
                        for path in sorted(files)], warnings)
