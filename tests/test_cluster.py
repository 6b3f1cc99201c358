"""Sharded snapshots on Dask (issue 13): an embedded cluster in this process, real worker processes.

What a user checks: the same bytes from `--executor dask` as from `--executor local`, revisits
that reach into other shards and earlier batches, a worker killed mid-shard or a whole run killed
and re-run leaving a snapshot that verifies with nothing duplicated or lost, and damage named
with its shard, in the same report on either executor. Dask is installed by the README's test
command (the `cluster` extra); without it these tests fail, never skip.

Most packs run in this process through the Python API on one core (`jobs=1`: no fork from a
process that runs a cluster's threads); the CLI runs where its options, exit codes and messages
are what is checked, and where a run is killed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster

import archiver
from archiver.base.cluster import START_SECONDS
from archiver.base.executors import Deferred
from conftest import DATE, REPO, doc_files, make_seeds, run

WAIT = 120  # seconds: every wait below is bounded by this, none is an ordering
PACKAGED = datetime.fromisoformat(DATE)
BIG = 8 << 20  # one seed this large, at zlib-9, keeps its shard busy for a second or more
SHARD = "test-batch-20240501t120000z-{:05d}"


@pytest.fixture(scope="module")
def docs() -> dict[str, bytes]:
    files = doc_files(30)
    files["zz-copy-of-first.txt"] = files[sorted(files)[0]]  # the last shard repeats the first's
    return files


@pytest.fixture(scope="module")
def seeds(tmp_path_factory, docs) -> Path:
    """The documents and one large seed: 32 seeds, four shards of 8, the large one in the last."""
    text = b"".join(docs[name] for name in sorted(docs))
    big = (text * (BIG // len(text) + 1))[:BIG]
    return make_seeds(tmp_path_factory.mktemp("big") / "seeds", {**docs, "zz-big.txt": big})


def _pack(seeds: Path, out: Path, **options) -> archiver.PackResult:
    """The Python API's pack on one core, as `--executor local --jobs 1`."""
    return archiver.pack(seeds, out_dir=out, packaged=PACKAGED, jobs=1, **options)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, seeds) -> Path:
    """`seeds` packed by the local executor: what every other run must reproduce byte for byte."""
    out = tmp_path_factory.mktemp("reference") / "out"
    _pack(seeds, out, shard_seeds=8, compression="zlib-9")
    return out


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two worker processes on 127.0.0.1, started and stopped here, as the CLI starts its own:
    a scratch folder of the cluster's own (not the one every Dask process of the machine locks
    in turn; each nanny keeps the setting for the worker it restarts), each worker's start
    bounded (`death_timeout`), both workers registered before any test runs."""
    scratch = tmp_path_factory.mktemp("dask-scratch")
    with dask.config.set({"temporary-directory": str(scratch)}):
        local = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                             dashboard_address=None, silence_logs=50,
                             death_timeout=START_SECONDS)
    with local, Client(local, timeout=WAIT) as client:
        client.wait_for_workers(2, timeout=WAIT)
        yield local, client


def _files(folder: Path) -> dict[str, bytes]:
    """Every file of the folder, dot files (a temporary left behind) included."""
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _cli_pack(seeds: Path, out: Path, *extra: str) -> None:
    result = run("pack", seeds, "--out", out, "--date", DATE, "--quiet", *extra)
    assert result.returncode == 0, result.stderr


def _report(manifest: Path, **options) -> dict:
    return archiver.verify(manifest, jobs=1, **options).to_json()


def test_dask_makes_the_bytes_local_makes(tmp_path, seeds, reference, cluster):
    address = cluster[0].scheduler_address
    out = tmp_path / "dask"
    _cli_pack(seeds, out, "--shard-seeds", "8", "--compression", "zlib-9", "--executor", "dask",
              "--scheduler", address)
    assert _files(out) == _files(reference)
    assert len(list(reference.glob("*.warc.gz"))) == 4
    root = reference / "test-batch.manifest.json"
    local = _report(root)
    assert local["ok"] and local["seed_total"] == 32 and len(local["shards"]) == 4
    result = run("verify", root, "--json", "--executor", "dask", "--scheduler", address)
    assert result.returncode == 0 and json.loads(result.stdout) == local


def test_an_embedded_cluster_and_the_byte_limit(tmp_path, docs):
    seeds = make_seeds(tmp_path / "seeds", docs)
    _pack(seeds, tmp_path / "local", shard_bytes=64 << 10)
    _cli_pack(seeds, tmp_path / "dask", "--shard-size", "64KiB", "--executor", "dask",
              "--jobs", "2")  # no --scheduler: the CLI starts a cluster of two and stops it
    assert _files(tmp_path / "local") == _files(tmp_path / "dask")
    plan = json.loads(next((tmp_path / "local").glob("*.plan.json")).read_text())
    assert len(plan["shards"]) > 2
    assert all(shard["bytes"] <= 64 << 10 or shard["seeds"] == 1 for shard in plan["shards"])


def test_a_one_shard_batch_is_todays_one_file_snapshot(tmp_path, cluster):
    committed = json.loads((REPO / "manifests/cac-voice-social-2021.manifest.json").read_text())
    archiver.pack(REPO / "seeds", out_dir=tmp_path, jobs=1, shard_seeds=2,
                  packaged=datetime.fromisoformat(committed["packaged"]), executor="dask",
                  scheduler=cluster[0].scheduler_address)  # on the local pool all the same
    assert _files(tmp_path) == _files(REPO / "manifests")


def _revisits(root: Path) -> list[dict]:
    found = []
    for shard in json.loads(root.read_text())["shards"]:
        entry = json.loads(root.with_name(shard["manifest"]).read_text())
        found += [{**seed["duplicate_of"], "in": shard["warc_file"]} for seed in entry["seeds"]
                  if seed["duplicate_of"]]
    return found


def test_revisits_inside_and_across_shards_and_batches(tmp_path, docs, cluster):
    names = sorted(docs)
    again = {f"{names[1]}.again": docs[names[1]]}  # right after its original: the same shard
    first = make_seeds(tmp_path / "one", docs | again, fields="- batch: one\n")
    later = {f"later-{name}": docs[name] for name in names[::5]}
    later |= {"later-new.txt": b"not in the first batch\n",
              "later-new-2.txt": b"not in the first batch\n"}
    second = make_seeds(tmp_path / "two", later, fields="- batch: two\n")
    third = make_seeds(tmp_path / "three", {"again.txt": docs[names[3]]}, fields="- batch: three\n")
    outs = {}
    for how in ("local", "dask"):
        out = outs[how] = tmp_path / how
        on = {"executor": "dask", "scheduler": cluster[0].scheduler_address} if how == "dask" else {}
        _pack(first, out, shard_seeds=8, **on)
        _pack(second, out, shard_seeds=3, previous=out / "one.manifest.json", **on)
        _pack(third, out, previous=out / "two.manifest.json", **on)
    assert _files(outs["local"]) == _files(outs["dask"])
    out = outs["local"]
    within = _revisits(out / "one.manifest.json")
    assert any(r["batch"] == "one" and r["warc_file"] != r["in"] for r in within)  # across shards
    assert names[1] in [r["path"] for r in within if r["warc_file"] == r["in"]]  # inside one
    between = _revisits(out / "two.manifest.json")
    assert sum(r["batch"] == "one" for r in between) == len(names[::5])  # across batches
    assert any(r["batch"] == "two" and r["path"] == "later-new-2.txt" for r in between)
    root = json.loads((out / "two.manifest.json").read_text())
    assert {d["batch"] for d in root["dependencies"]} == {"one"}
    last = json.loads((out / "three.manifest.json").read_text())  # one file after two sharded
    assert last["seeds"][0]["duplicate_of"]["batch"] == "one"
    assert last["dependencies"][0]["manifest"] == "one.manifest.json"
    report = _report(out / "three.manifest.json")
    assert report["ok"] and report["seeds"] == [{"path": "again.txt", "ok": True}]


def test_a_worker_killed_mid_shard(tmp_path, seeds, reference, cluster):
    local, client = cluster
    out = tmp_path / "dask"
    command = [sys.executable, "-m", "archiver", "pack", str(seeds), "--out", str(out), "--date",
               DATE, "-q", "--shard-seeds", "8", "--compression", "zlib-9", "--executor",
               "dask", "--scheduler", local.scheduler_address]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    big_shard = f"{SHARD.format(3)}.warc.gz"
    killed = None
    try:
        deadline = time.monotonic() + WAIT
        while killed is None and time.monotonic() < deadline and process.poll() is None:
            busy = [worker for worker, keys in client.processing().items()
                    if any(str(key).startswith("archiver-pack-") and str(key).endswith("-3")
                           for key in keys)]
            if busy and list(out.glob(f".{big_shard}.*.partial")):
                killed = client.run(os.getpid, workers=busy)[busy[0]]
                os.kill(killed, signal.SIGKILL)
            time.sleep(0.02)
        stderr = process.communicate(timeout=WAIT)[1]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=WAIT)
    assert killed is not None, "the large shard was never caught half-written"
    assert process.returncode == 0, stderr
    assert _files(out) == _files(reference)  # nothing duplicated, lost or left half-written
    assert _report(out / "test-batch.manifest.json")["ok"]


def test_a_whole_run_killed_and_run_again(tmp_path, seeds, reference):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "archiver", "pack", str(seeds), "--out", str(out), "--date",
               DATE, "-q", "--shard-seeds", "8", "--jobs", "1", "--compression", "zlib-9"]
    process = subprocess.Popen(command, start_new_session=True, stderr=subprocess.DEVNULL)
    try:  # shards are packed in order: after the second is committed, the large one is left
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and process.poll() is None and \
                not (out / f"{SHARD.format(1)}.manifest.json.sha256").exists():
            time.sleep(0.005)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the run and anything it started, by its id
        process.wait(timeout=WAIT)
    assert not (out / "test-batch.manifest.json").exists()
    committed = {path.name: path.stat().st_ino for path in out.glob("*-0000[01].*")}
    assert len(committed) == 6
    _pack(seeds, out, shard_seeds=8, compression="zlib-9")
    assert {name: (out / name).stat().st_ino for name in committed} == committed  # kept as is
    assert _files(out) == _files(reference)
    assert _report(out / "test-batch.manifest.json")["ok"]


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset % len(data)] ^= 0x01
    path.write_bytes(bytes(data))


def test_damage_is_named_with_its_shard_on_either_executor(tmp_path, reference, cluster):
    copy = tmp_path / "copy"
    shutil.copytree(reference, copy)
    _flip(copy / f"{SHARD.format(0)}.warc.gz", 900)
    _flip(copy / f"{SHARD.format(2)}.manifest.json", 900)
    for name in ("test-batch-20240501t120000z.digests-0.tsv",
                 "test-batch-20240501t120000z.plan.json", "test-batch.manifest.json.sha256"):
        _flip(copy / name, 40)  # the shards themselves stay intact
    root = copy / "test-batch.manifest.json"
    result = run("verify", root)
    assert result.returncode == 1, result.stdout
    lines = result.stdout.splitlines()
    failed = [line.split(".manifest.json:")[0][-5:] for line in lines
              if line.endswith("seeds FAILED")]
    assert failed == ["00000", "00002"], lines
    for code in ("index-bucket", "plan-mismatch", "sidecar-mismatch"):
        assert code in result.stdout, result.stdout
    outside = (".digests-", ".plan.json", "test-batch.manifest.json.sha256")
    problems = [line for line in lines if line.startswith("  ") or ": FAILED " in line
                and " seeds in 4 shards" not in line]
    in_shards = [line for line in problems if not any(name in line for name in outside)]
    assert in_shards and all(f"{SHARD.format(0)}." in line or f"{SHARD.format(2)}." in line
                             for line in in_shards), problems
    with Deferred("dask", scheduler=cluster[0].scheduler_address) as tasks:
        assert _report(root) == _report(root, executor=tasks)


@pytest.mark.parametrize("part, other", [("python", "CPython 3.0.0"),
                                         ("format_identifier", "pygfried 2.1.0"),
                                         ("document_readers", "selectolax 0.3.1, pypdfium2 4.0")])
def test_shards_made_by_other_software_are_refused(tmp_path, seeds, reference, part, other):
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    shard = out / f"{SHARD.format(2)}.manifest.json"
    document = json.loads(shard.read_text())
    made_with = document["shard"]["software"]
    assert made_with["format_identifier"].startswith("pygfried ")  # Siegfried and its signatures
    assert "selectolax " in made_with["document_readers"] and "pypdfium2 " in made_with["document_readers"]
    made_with[part] = other
    shard.write_text(json.dumps(document))  # as if made elsewhere, committed by its own sidecar
    sidecar = shard.with_name(shard.name + ".sha256")
    lines = sidecar.read_text().splitlines()
    digest = subprocess.run(["sha256sum", shard], capture_output=True, text=True).stdout.split()[0]
    sidecar.write_text(f"{digest}  {shard.name}\n{lines[1]}\n")
    (out / "test-batch.manifest.json").unlink()
    result = run("pack", seeds, "--out", out, "--date", DATE, "-q", "--shard-seeds", "8",
                 "--compression", "zlib-9")
    assert result.returncode == 2 and "other software" in result.stderr, result.stderr
    assert shard.name in result.stderr and not (out / "test-batch.manifest.json").exists()


def test_a_shard_that_comes_out_different_is_an_error(tmp_path, seeds, reference):
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    warc = out / f"{SHARD.format(1)}.warc.gz"
    (out / "test-batch.manifest.json").unlink()
    (out / f"{SHARD.format(1)}.manifest.json.sha256").unlink()
    _flip(warc, -1)  # not committed, and not what we make
    result = run("pack", seeds, "--out", out, "--date", DATE, "-q", "--shard-seeds", "8",
                 "--compression", "zlib-9")
    assert result.returncode == 2 and "non-deterministic" in result.stderr, result.stderr
    assert not (out / "test-batch.manifest.json").exists()
