"""The shard plan: the sorted seeds cut into runs of at most `bytes` seed bytes or `seeds` seeds,
as even in count as those limits allow (100,000 seeds at 65,536 a shard are two of 50,000, not
65,536 and 34,464: on two cores, the longer shard alone had set the pack's time).

Cut from the sizes the folder listing gives, before anything is read or compressed, so the plan
depends on the seeds and the limits alone: never on the executor or the number of workers. It is
written as a small JSON file with its own digest (`BATCH-STAMP.plan.json`), which the root
manifest names and every shard manifest repeats; a run that finds a plan file with other bytes
refuses to mix its shards with that one's. Each shard's seeds are also listed in the work folder
(`.BATCH-STAMP.work/`), where tasks on any machine sharing the output folder read them. A batch
within both limits is one shard: today's one-file snapshot, packed on this machine's pool.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from archiver.errors import InputError
from archiver.seeds.types import Row, SeedFile

DEFAULT_SHARD_BYTES = 1 << 30  # 1 GiB, the web-archive convention for one WARC file
DEFAULT_SHARD_SEEDS = 65_536


@dataclass(frozen=True)
class Limits:
    bytes: int = DEFAULT_SHARD_BYTES
    seeds: int = DEFAULT_SHARD_SEEDS

    def one_shard(self, count: int, total: int) -> bool:
        return count <= 1 or (count <= self.seeds and total <= self.bytes)


@dataclass(frozen=True)
class Shard:
    """Seeds `start` to `start + seeds - 1` of the sorted batch."""

    index: int
    start: int
    seeds: int
    bytes: int
    first: str
    last: str


def even_cut(seeds: Callable[[], Iterable[tuple[str, int]]], limits: Limits) -> list[Shard]:
    """`cut` with the seed limit lowered to an even share: as many shards as `cut` makes, but
    their counts differ by at most one where only the seed limit cuts. `seeds` gives the seeds
    afresh for each of the two passes (nothing is held between them)."""
    shards = cut(seeds(), limits)
    if len(shards) <= 1:
        return shards
    total = sum(shard.seeds for shard in shards)
    share = -(-total // len(shards))  # ceiling: never more shards for the seed limit
    return cut(seeds(), Limits(limits.bytes, min(limits.seeds, share)))


def cut(seeds: Iterable[tuple[str, int]], limits: Limits) -> list[Shard]:
    """Consecutive shards; a seed larger than `limits.bytes` is a shard of its own."""
    shards: list[Shard] = []
    start = count = size = 0
    first = last = ""
    for position, (path, seed_bytes) in enumerate(seeds):
        if count and (count >= limits.seeds or size + seed_bytes > limits.bytes):
            shards.append(Shard(len(shards), start, count, size, first, last))
            start, count, size = position, 0, 0
        if not count:
            first = path
        count += 1
        size += seed_bytes
        last = path
    if count:
        shards.append(Shard(len(shards), start, count, size, first, last))
    return shards


def plan_document(*, batch_id: str, packaged: str, limits: Limits, compression: str,
                  previous: dict[str, str] | None, shards: list[Shard],
                  digits: int) -> dict[str, Any]:
    return {
        "batch": batch_id, "packaged": packaged, "compression": compression,
        "limits": {"bytes": limits.bytes, "seeds": limits.seeds}, "index_digits": digits,
        "previous": previous, "seeds": sum(s.seeds for s in shards),
        "bytes": sum(s.bytes for s in shards),
        "shards": [{"index": s.index, "seeds": s.seeds, "bytes": s.bytes, "first": s.first,
                    "last": s.last} for s in shards],
    }


# --- a shard's seeds, listed for its tasks -------------------------------------------------------

def write_seed_lists(paths: list[Path], shards: list[Shard],
                     seeds: Iterator[tuple[int, int, str, str]]) -> None:
    """Each shard's seeds into its file, one line a seed: size, INDEX.md line number, path, the
    row's line (no name holds a tab or newline: control characters are refused in names and
    cells). `seeds` is every seed in order, read once."""
    for path, shard in zip(paths, shards):
        with open(path, "w", encoding="utf-8", newline="\n") as stream:
            for size, line, name, text in itertools.islice(seeds, shard.seeds):
                stream.write(f"{size}\t{line}\t{name}\t{text}\n")
            stream.flush()
            os.fsync(stream.fileno())


def read_seed_list(path: Path, folder: str, parse: Any) -> Iterator[tuple[SeedFile, Row]]:
    """The seeds `write_seed_list` listed, each row parsed again by `parse(text, line)`."""
    with open(path, encoding="utf-8", newline="\n") as stream:
        for line in stream:
            size, number, name, text = line.rstrip("\n").split("\t", 3)
            row = parse(text, int(number))
            yield SeedFile(path=row.path, folder=folder, size=int(size)), row


def parse_size(text: str, option: str = "--shard-size") -> int:
    """`1GiB`, `512MiB`, `64k`, `1000000` → bytes (binary units; `B` optional); the error names
    `option`."""
    units = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
    body = text.strip().lower().removesuffix("b").removesuffix("i")
    number, unit = (body[:-1], body[-1]) if body[-1:] in units else (body, "")
    if not number.isdigit() or int(number) < 1:
        raise InputError(f"{option} {text!r}: give a size such as 1GiB, 512MiB or 1000000")
    return int(number) * units[unit]
