"""The sharded section: one corpus packed and verified as a sharded snapshot on each executor.

`--executor local` (this machine's pool, --jobs workers) against `--executor dask` with an
embedded cluster of one and of two workers (its start included: that is what a user waits for),
in alternating rounds. Each command runs in `driver.py`, which reports the peak RSS of the
process that drives the run alone (its workers are other processes), so the 10,000- and
100,000-seed corpora show whether the driver's memory grows with the seeds.
"""

from __future__ import annotations

import json
import shlex
import statistics
import subprocess
import sys
from pathlib import Path

from sections import Context, Goal

HERE = Path(__file__).parent
SHARD_SEEDS = 2_048  # full corpora: c10k in 5 shards, c100k in 49
QUICK_SHARD_SEEDS = 512
EXECUTORS = {"local": ("--executor", "local", "--jobs", "{jobs}"),
             "dask, 1 worker": ("--executor", "dask", "--jobs", "1"),
             "dask, 2 workers": ("--executor", "dask", "--jobs", "2")}
DRIVERS: dict[str, dict[str, float]] = {}  # corpus -> {"pack"/"verify": peak driver RSS MiB}


def sharded(ctx: Context, name: str, tag: str) -> list[Goal]:
    if name not in ("c10k", "c100k"):
        return []
    seeds = ctx.root / tag
    shard_seeds = QUICK_SHARD_SEEDS if ctx.quick else SHARD_SEEDS
    runs: dict[tuple[str, str], list[dict]] = {}
    for _ in range(ctx.repeat):
        for label, options in EXECUTORS.items():
            out = ctx.root / f"sharded-{tag}-{label.replace(', ', '-').replace(' ', '')}"
            extra = [option.format(jobs=ctx.jobs) for option in options]
            subprocess.run(["rm", "-rf", str(out)], check=True)
            runs.setdefault((label, "pack"), []).append(_driver(
                "pack", str(seeds), "--out", str(out), "-q", "--shard-seeds", str(shard_seeds),
                *extra))
            root = out / f"bench-{tag}.manifest.json"
            runs.setdefault((label, "verify"), []).append(_driver("verify", str(root), *extra))
    shards = len(json.loads(root.read_text())["shards"])
    print(f"\n### {name} sharded: --shard-seeds {shard_seeds}, {shards} shards\n\n"
          "| executor | pack s | verify s | pack driver RSS MiB | verify driver RSS MiB | "
          "pack driver CPU s |\n|---|---|---|---|---|---|")
    rows = {}
    for label in EXECUTORS:
        row = rows[label] = {side: (statistics.median(r["wall"] for r in runs[label, side]),
                                    max(r["rss_mib"] for r in runs[label, side]))
                             for side in ("pack", "verify")}
        cpu = statistics.median(r["cpu"] for r in runs[label, "pack"])
        print(f"| {label} | {row['pack'][0]:.2f} | {row['verify'][0]:.2f} | "
              f"{row['pack'][1]:.0f} | {row['verify'][1]:.0f} | {cpu:.2f} |")
    DRIVERS[name] = {side: max(row[side][1] for row in rows.values())
                     for side in ("pack", "verify")}
    goals = [Goal(f"{name} sharded: {side} on 2 Dask workers / on 1", rows["dask, 2 workers"][
        side][0] / rows["dask, 1 worker"][side][0], 1.0, strict=True) for side in ("pack", "verify")]
    if "c10k" in DRIVERS and name == "c100k":
        more = ctx.counts["c100k"] - ctx.counts["c10k"]
        goals += [Goal(f"sharded {side}: driver RSS growth per seed (c10k→c100k)",
                       (DRIVERS["c100k"][side] - DRIVERS["c10k"][side]) * 1024 / more, 0.05,
                       " KiB") for side in ("pack", "verify")]
    return goals


def _driver(*args: str) -> dict:
    command = [sys.executable, str(HERE / "driver.py"), *args]
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"failed ({out.returncode}): {shlex.join(command)}\n{out.stderr[-2000:]}")
    return json.loads(out.stderr.strip().splitlines()[-1])
