"""Small sections of the benchmark beside the corpus tables; each returns goals for the summary.

A section is a function (Context) -> list[Goal] that prints its own Markdown. Add one by
appending it to SECTIONS (corpus-wide) or CORPUS_SECTIONS (called once per corpus, after its
table).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from indexmd import INDEX_SHAPES, write_shape


@dataclass(frozen=True)
class Goal:
    label: str
    value: float
    limit: float
    unit: str = "×"
    strict: bool = False  # "<" rather than "≤"

    @property
    def met(self) -> bool:
        return self.value < self.limit if self.strict else self.value <= self.limit


@dataclass
class Context:
    root: Path
    repeat: int
    jobs: int
    quick: bool = False
    counts: dict = field(default_factory=dict)  # corpus name -> its number of seeds
    tables: dict = field(default_factory=dict)  # corpus name -> {command: row}


# What pack's schema checks cost: every entry through the compiled validator (as workers do while
# packing), then the document without its seeds (as the packer does at the end). One core.
_SCHEMA_SHARE = r'''
import json, os, sys, time
from archiver.manifest.schema import schema_errors, seed_errors
doc = json.load(open(sys.argv[1]))  # a sharded snapshot's root: each shard's manifest
docs = [json.load(open(os.path.join(os.path.dirname(sys.argv[1]), shard["manifest"])))
        for shard in doc["shards"]] if "shards" in doc else [doc]
start = time.perf_counter()
for doc in docs:
    for entry in doc["seeds"]:
        assert not seed_errors(entry)
    assert not schema_errors({**doc, "seeds": []})
print(time.perf_counter() - start)
'''

# INDEX.md parse time, in a fresh process (issue 16: linear parsing, 1 MB under a second).
_INDEX_PARSE = r'''
import sys, time
from pathlib import Path
from archiver.seeds.index_file import read_index
start = time.perf_counter()
try:
    read_index(Path(sys.argv[1]), require_filled=False)
except Exception as err:  # a shape the parser refuses still took this long to refuse
    print(type(err).__name__, file=sys.stderr)
print(time.perf_counter() - start)
'''
_INDEX_TIMEOUT = 30.0


def schema_share(ctx: Context, name: str, tag: str) -> list[Goal]:
    if name == "big" or name not in ctx.tables:
        return []
    manifest = ctx.root / f"out-{tag}" / f"bench-{tag}.manifest.json"
    seconds = statistics.median(
        float(_python(_SCHEMA_SHARE, str(manifest))) for _ in range(ctx.repeat))
    print(f"\nschema checks as pack makes them (one core): {seconds:.2f} s")
    return [Goal(f"{name} schema checks / pack time", seconds /
                 ctx.tables[name]["archiver pack"]["wall"], 0.10)]


def index_parse(ctx: Context) -> list[Goal]:
    print("\n## INDEX.md parse time (1 MB, one process)\n\n| shape | median s |\n|---|---|")
    goals = []
    for shape, description in INDEX_SHAPES.items():
        path = write_shape(ctx.root / "index-md", shape)
        times = []
        for _ in range(ctx.repeat):
            try:
                times.append(float(_python(_INDEX_PARSE, str(path), timeout=_INDEX_TIMEOUT)))
            except subprocess.TimeoutExpired:
                times = [float("inf")]
                break
        seconds = statistics.median(times)
        shown = f"> {_INDEX_TIMEOUT:g} (stopped)" if seconds == float("inf") else f"{seconds:.3f}"
        print(f"| {description} | {shown} |")
        goals.append(Goal(f"INDEX.md parse, {shape}", seconds, 1.0, " s", strict=True))
    return goals


def _python(code: str, *args: str, timeout: float | None = None) -> str:
    return subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True,
                          text=True, timeout=timeout).stdout


SECTIONS = [index_parse]
CORPUS_SECTIONS = [schema_share]
