"""Benchmark archiver pack/verify against reference tools, side by side, alternating runs.

Setup (once):  apt-get install -y pigz && pip install -e '.[test]'   (the test extra has FastWARC)
Run:           python bench/run.py --root /tmp/archiver-bench [--quick]

Corpora are generated deterministically under --root (never in the repo): c10k (10,000 files of
2-20 KB), c100k (100,000 files of 300 B), big (one 1 GiB seed and four of 100 MiB). Each timed
command runs as a child process; medians of wall time, and the peak RSS of the largest process
of the run (getrusage RUSAGE_CHILDREN, measured per run in a fresh helper process).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import make_corpus  # noqa: E402

BIN = Path(sys.executable).parent
ARCHIVER = str(BIN / "archiver")
CORPORA = {
    "c10k": dict(count=10_000, min_size=2_000, max_size=20_000),
    "c100k": dict(count=100_000, min_size=300, max_size=300),
    "big": dict(count=0, min_size=0, max_size=0, big=(1 << 30,) + (100 << 20,) * 4),
}
QUICK = {"c10k": dict(count=2_000, min_size=2_000, max_size=20_000),
         "c100k": dict(count=20_000, min_size=300, max_size=300),
         "big": dict(count=0, min_size=0, max_size=0, big=(128 << 20,))}
FASTWARC_VERIFY = r'''
import hashlib, json, sys
from fastwarc.warc import ArchiveIterator
doc = json.load(open(sys.argv[1]))
want = {s["records"][0]["id"]: s["sha256"] for s in doc["seeds"] if not s["duplicate_of"]}
whole = hashlib.sha256()
with open(sys.argv[2], "rb") as f:
    while block := f.read(1 << 20):
        whole.update(block)
bad = 0
with open(sys.argv[2], "rb") as f:
    for record in ArchiveIterator(f, parse_http=False):
        rid = record.headers.get("WARC-Record-ID")
        body = record.reader.read()
        if rid in want and hashlib.sha256(body).hexdigest() != want[rid]:
            bad += 1
sys.exit(1 if bad or whole.hexdigest() != doc["warc_files"][0]["sha256"] else 0)
'''
# What pack's schema checks cost: every entry through the compiled validator (as workers do while
# packing), then the document without its seeds (as the packer does at the end). One core.
SCHEMA_SHARE = r'''
import json, sys, time
from archiver.schema import schema_errors, seed_errors
doc = json.load(open(sys.argv[1]))
start = time.perf_counter()
for entry in doc["seeds"]:
    assert not seed_errors(entry)
assert not schema_errors({**doc, "seeds": []})
print(time.perf_counter() - start)
'''
MEASURE = r'''
import resource, subprocess, sys, time, json
start = time.perf_counter()
code = subprocess.run(sys.argv[1], shell=True).returncode
wall = time.perf_counter() - start
print(json.dumps({"wall": wall, "rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "code": code}))
'''


def timed(command: str) -> dict:
    """Run `command` via a fresh helper so RUSAGE_CHILDREN covers only this run."""
    out = subprocess.run([sys.executable, "-c", MEASURE, command], capture_output=True, text=True,
                         check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["code"] != 0:
        raise SystemExit(f"failed ({result['code']}): {command}")
    return result


def commands(name: str, seeds: Path, work: Path, jobs: int) -> dict[str, str]:
    out = work / f"out-{name}"
    manifest = out / f"bench-{name}.manifest.json"
    warc = out / f"bench-{name}.warc.gz"
    return {
        "archiver pack": f"rm -rf {out} && {ARCHIVER} pack {seeds} --out {out} -q --jobs {jobs}",
        "tar | pigz -6 -p2": f"tar -C {seeds} -cf - . | pigz -6 -p{jobs} > {work}/{name}.tar.gz",
        "tar | gzip -6": f"tar -C {seeds} -cf - . | gzip -6 > {work}/{name}.1.tar.gz",
        "sha256sum": f"cd {seeds} && find . -type f -print0 | xargs -0 sha256sum > /dev/null",
        "archiver verify": f"{ARCHIVER} verify {manifest} --jobs {jobs} > /dev/null",
        "fastwarc verify": f"{sys.executable} {work}/fastwarc_verify.py {manifest} {warc}",
        "zcat": f"zcat {warc} > /dev/null",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/archiver-bench"))
    parser.add_argument("--corpora", default="c10k,c100k,big")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller corpora, 3 repeats")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()
    sizes = QUICK if args.quick else CORPORA
    repeat = 3 if args.quick else args.repeat
    args.root.mkdir(parents=True, exist_ok=True)
    (args.root / "fastwarc_verify.py").write_text(FASTWARC_VERIFY)
    tables = {}
    for name in args.corpora.split(","):
        tag = f"{name}-quick" if args.quick else name
        seeds = args.root / tag
        if not (seeds / "INDEX.md").exists():
            print(f"generating {seeds} …", flush=True)
            make_corpus(seeds, **sizes[name])
        cmds = commands(tag, seeds, args.root, args.jobs)
        if name == "big":  # only memory and throughput matter here
            cmds = {k: v for k, v in cmds.items() if k in ("archiver pack", "archiver verify",
                                                             "tar | pigz -6 -p2")}
        runs: dict[str, list[dict]] = {key: [] for key in cmds}
        # warm-up, makes the WARC (its warnings are the synthetic text's: gibberish in no language)
        subprocess.run(cmds["archiver pack"], shell=True, check=True, stderr=subprocess.DEVNULL)
        for _ in range(repeat):
            for key, command in cmds.items():  # alternate: one of each per round
                runs[key].append(timed(command))
        tables[name] = _table(name, runs, args.root, tag)
        if name != "big":
            tables[name]["schema"] = _schema_seconds(args.root, tag, repeat)
    _goals(tables, sizes["c100k"]["count"] - sizes["c10k"]["count"])


def _schema_seconds(root: Path, tag: str, repeat: int) -> float:
    manifest = root / f"out-{tag}" / f"bench-{tag}.manifest.json"
    times = [float(subprocess.run([sys.executable, "-c", SCHEMA_SHARE, str(manifest)], check=True,
                                  capture_output=True, text=True).stdout) for _ in range(repeat)]
    seconds = statistics.median(times)
    print(f"\nschema checks as pack makes them (one core): {seconds:.2f} s")
    return seconds


def _table(name: str, runs: dict[str, list[dict]], root: Path, tag: str) -> dict:
    print(f"\n## {name}\n\n| command | median s | peak RSS MiB |\n|---|---|---|")
    rows = {}
    for key, results in runs.items():
        wall = statistics.median(r["wall"] for r in results)
        rss = max(r["rss"] for r in results) / 1024
        rows[key] = {"wall": wall, "rss": rss}
        print(f"| {_cell(key)} | {wall:.2f} | {rss:.0f} |")
    warc = root / f"out-{tag}" / f"bench-{tag}.warc.gz"
    tgz = root / f"{tag}.tar.gz"
    if warc.exists() and tgz.exists():
        rows["size"] = {"warc": warc.stat().st_size, "tgz": tgz.stat().st_size}
        print(f"\nWARC {warc.stat().st_size:,} bytes; tar|pigz -6 {tgz.stat().st_size:,} bytes")
    return rows


def _goals(tables: dict, more_seeds: int) -> None:
    print("\n## Goals\n\n| goal | measured | met |\n|---|---|---|")

    def goal(label: str, value: float, limit: float, unit: str = "×") -> None:
        print(f"| {_cell(label)} ≤ {limit:g}{unit} | {value:.2f}{unit} | {'met' if value <= limit else 'NOT met'} |")

    for name, limit in (("c10k", 1.15), ("c100k", 4.0)):
        if name in tables:
            t = tables[name]
            goal(f"{name} pack / tar|pigz", t["archiver pack"]["wall"] / t["tar | pigz -6 -p2"]["wall"], limit)
            goal(f"{name} verify / fastwarc verify",
                 t["archiver verify"]["wall"] / t["fastwarc verify"]["wall"], 1.0)
            if "size" in t:
                goal(f"{name} WARC size / tar|pigz size", t["size"]["warc"] / t["size"]["tgz"], 1.0)
            if "schema" in t:
                goal(f"{name} schema checks / pack time", t["schema"] / t["archiver pack"]["wall"],
                     0.10)
    if "big" in tables:
        for key in ("archiver pack", "archiver verify"):
            goal(f"big: {key} peak RSS", tables["big"][key]["rss"], 64, " MiB")
    if "c10k" in tables and "c100k" in tables:
        for key in ("archiver pack", "archiver verify"):
            grow = (tables["c100k"][key]["rss"] - tables["c10k"][key]["rss"]) * 1024 / more_seeds
            goal(f"{key} RSS growth per seed (c10k→c100k)", grow, 1.0, " KiB")


def _cell(text: str) -> str:
    """A Markdown table cell: a pipe inside it is escaped."""
    return text.replace("|", "\|")


if __name__ == "__main__":
    main()
