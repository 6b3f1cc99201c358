"""Benchmark archiver pack and verify against its peers, side by side, in alternating rounds.

Setup (once):  apt-get install -y pigz && pip install -e .   (the peers' virtualenv is made from
               bench/peers.txt under --root on first run; PyPI must be reachable then)
Run:           python bench/run.py --root /tmp/archiver-bench [--quick] [--corpora c10k,doc]

Corpora are made under --root (never in the repo): c10k (10,000 files of 2-20 KB), c100k
(100,000 files of 300 B), big (one 1 GiB seed and four of 100 MiB), all synthetic and
deterministic, and doc (a copy of this machine's /usr/share/doc, made once). In each round every
command of a corpus runs once, in turn; the table gives median wall time, archiver's ratio to
each peer (pack to the packers, verify to the verifiers) and the peak RSS of the largest process.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import make_corpus  # noqa: E402
from doccorpus import copy_doc  # noqa: E402
from measure import Result, load, timed  # noqa: E402
from peers import commands, peer_bin  # noqa: E402
from sections import CORPUS_SECTIONS, SECTIONS, Context, Goal  # noqa: E402
from sharded import sharded  # noqa: E402

CORPORA = {
    "c10k": dict(count=10_000, min_size=2_000, max_size=20_000),
    "c100k": dict(count=100_000, min_size=300, max_size=300),
    "big": dict(count=0, min_size=0, max_size=0, big=(1 << 30,) + (100 << 20,) * 4),
    "doc": {},
}
QUICK = {"c10k": dict(count=2_000, min_size=2_000, max_size=20_000),
         "c100k": dict(count=20_000, min_size=300, max_size=300),
         "big": dict(count=0, min_size=0, max_size=0, big=(128 << 20,)),
         "doc": {}}
BIG_ROUNDS = 2  # minutes per round there (zlib 9 over 1.5 GiB); the ratios are far from 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/archiver-bench"))
    parser.add_argument("--corpora", default="c10k,c100k,big,doc")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller corpora, 3 rounds")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--no-sections", action="store_true", help="corpus tables only")
    parser.add_argument("--no-sharded", action="store_true",
                        help="every section but the sharded one (run it with --sharded-only)")
    parser.add_argument("--sharded-only", action="store_true",
                        help="only the sharded snapshots on each executor (c10k, c100k)")
    args = parser.parse_args()
    sizes = QUICK if args.quick else CORPORA
    ctx = Context(root=args.root, repeat=3 if args.quick else args.repeat, jobs=args.jobs,
                  quick=args.quick, counts={name: size.get("count", 0)
                                            for name, size in sizes.items()})
    args.root.mkdir(parents=True, exist_ok=True)
    peers = None if args.sharded_only else peer_bin(args.root / ".venv-peers")
    print(f"# archiver benchmark, {datetime.date.today()}, commit {_commit()}\n\n"
          f"    python bench/run.py {' '.join(sys.argv[1:])}\n")
    goals: list[Goal] = []
    for name in args.corpora.split(","):
        tag = f"{name}-quick" if args.quick and name != "doc" else name
        seeds = _corpus(args.root / tag, name, sizes[name])
        if args.sharded_only:
            print(f"\n## {name}: {_describe(seeds)}\n\n{load()} before")
            goals += sharded(ctx, name, tag)
            print(f"\n{load()} after")
            continue
        cmds = commands(tag, seeds, args.root, args.jobs, peers)
        rounds = min(ctx.repeat, BIG_ROUNDS) if name == "big" else ctx.repeat
        print(f"\n## {name}: {_describe(seeds)}\n\n{load()} before, ", end="", flush=True)
        # warm-up (the page cache; the WARC verify reads): its warnings are the corpus's own
        subprocess.run(cmds["archiver pack"].setup + " && " + cmds["archiver pack"].run,
                       shell=True, check=True, stderr=subprocess.DEVNULL)
        runs: dict[str, list[Result]] = {key: [] for key in cmds}
        for _ in range(rounds):
            for key, command in cmds.items():  # alternate: one of each per round
                runs[key].append(timed(command))
        print(f"{load()} after; {rounds} rounds")
        ctx.tables[name] = _table(runs, cmds)
        goals += _corpus_goals(name, ctx.tables[name], args.root, tag)
        if not args.no_sections:
            for section in (*CORPUS_SECTIONS, *(() if args.no_sharded else (sharded,))):
                goals += section(ctx, name, tag)
    goals += _growth(ctx.tables, sizes["c100k"].get("count", 0) - sizes["c10k"].get("count", 0))
    if not args.no_sections and not args.sharded_only:
        for section in SECTIONS:
            goals += section(ctx)
    _print_goals(goals)


def _corpus(seeds: Path, name: str, size: dict) -> Path:
    if not (seeds / "INDEX.md").exists():
        print(f"making {seeds} …", flush=True)
        if name == "doc":
            copy_doc(seeds)
        else:
            make_corpus(seeds, **size)
    return seeds


def _describe(seeds: Path) -> str:
    count = total = 0
    for folder, _, names in os.walk(seeds):
        for name in names:
            count += 1
            total += os.path.getsize(os.path.join(folder, name))
    return f"{count - 1:,} seeds, {total / (1 << 20):,.0f} MiB"


def _table(runs: dict[str, list[Result]], cmds: dict) -> dict:
    print("\n| command | median s | archiver / it | peak RSS MiB |\n|---|---|---|---|")
    rows = {key: {"wall": statistics.median(r.wall for r in results),
                  "rss": max(r.rss_kib for r in results) / 1024}
            for key, results in runs.items()}
    for key, row in rows.items():
        ours = rows[f"archiver {cmds[key].side}"]["wall"]
        ratio = "" if key.startswith("archiver") else f"{ours / row['wall']:.2f}×"
        print(f"| {_cell(key)} | {row['wall']:.2f} | {ratio} | {row['rss']:.0f} |")
    return rows


def _corpus_goals(name: str, t: dict, root: Path, tag: str) -> list[Goal]:
    pack, verify = t["archiver pack"]["wall"], t["archiver verify"]["wall"]
    pigz = next(row for key, row in t.items() if key.startswith("tar | pigz"))
    validate = next(row for key, row in t.items() if key.startswith("bagit.py --validate"))
    goals = [Goal(f"{name}: pack / warcit", pack / t["warcit"]["wall"], 1.0, strict=True),
             Goal(f"{name}: pack / warcio packer", pack / t["warcio packer"]["wall"], 1.0,
                  strict=True),
             Goal(f"{name}: verify / FastWARC verifier", verify / t["FastWARC verifier"]["wall"],
                  1.0),
             Goal(f"{name}: verify / bagit.py --validate", verify / validate["wall"], 1.0,
                  strict=True)]
    limit = {"c10k": 1.15, "c100k": 4.0}.get(name)
    if limit:
        goals.append(Goal(f"{name}: pack / tar|pigz", pack / pigz["wall"], limit))
    if name == "big":
        goals += [Goal(f"big: {key} peak RSS", t[key]["rss"], 64, " MiB")
                  for key in ("archiver pack", "archiver verify")]
    warcs = sorted((root / f"out-{tag}").glob("*.warc.gz"))  # a sharded snapshot's: several
    tgz = root / f"{tag}.tar.gz"
    print(f"\nWARC {sum(w.stat().st_size for w in warcs):,} bytes"
          f"{f' in {len(warcs)} shards' if len(warcs) > 1 else ''}; "
          f"tar|pigz -6 {tgz.stat().st_size:,} bytes")
    return goals


def _growth(tables: dict, more_seeds: int) -> list[Goal]:
    if "c10k" not in tables or "c100k" not in tables:
        return []
    return [Goal(f"{key} RSS growth per seed (c10k→c100k)",
                 (tables["c100k"][key]["rss"] - tables["c10k"][key]["rss"]) * 1024 / more_seeds,
                 1.0, " KiB") for key in ("archiver pack", "archiver verify")]


def _print_goals(goals: list[Goal]) -> None:
    print("\n## Goals\n\n| goal | measured | met |\n|---|---|---|")
    for goal in goals:
        sign = "<" if goal.strict else "≤"
        print(f"| {_cell(goal.label)} {sign} {goal.limit:g}{goal.unit} | "
              f"{goal.value:.2f}{goal.unit} | {'met' if goal.met else 'NOT met'} |")


def _commit() -> str:
    out = subprocess.run(["git", "-C", str(Path(__file__).parent), "describe", "--always",
                          "--dirty"], capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def _cell(text: str) -> str:
    """A Markdown table cell: a pipe inside it is escaped."""
    return text.replace("|", "\\|")


if __name__ == "__main__":
    main()
