"""Sharded snapshots on Dask (issue 13): an embedded cluster in this process, real worker processes.

What a user checks: the same bytes from `--executor dask` as from `--executor local`, revisits
that reach into other shards and earlier batches, a worker killed mid-shard or a whole run killed
and re-run leaving a snapshot that verifies with nothing duplicated or lost, and damage named
with its shard. Dask is installed by the README's test command (the `cluster` extra); without it
these tests fail, never skip.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from conftest import DATE, REPO, make_seeds, run

DOCS = Path("/usr/share/doc")
WAIT = 60  # seconds: every wait below is bounded by this


def _doc_files(count: int) -> dict[str, bytes]:
    """Real text nobody here wrote: the first `count` copyright files of the installed packages
    (Debian packages from one source often ship identical ones: revisits of their own)."""
    found = {}
    for path in sorted(DOCS.glob("*/copyright")):
        if path.is_file() and not path.is_symlink() and path.stat().st_size < 64_000:
            found[f"{path.parent.name}.txt"] = path.read_bytes()
        if len(found) == count:
            return found
    raise AssertionError(f"{DOCS}: fewer than {count} copyright files to test with")


@pytest.fixture(scope="module")
def docs() -> dict[str, bytes]:
    files = _doc_files(40)
    first = sorted(files)[0]
    files["zz-copy-of-first.txt"] = files[first]  # the last shard repeats the first one's payload
    return files


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes on 127.0.0.1, started and stopped here (bounded waits)."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=50, timeout=WAIT) as local, \
            Client(local, timeout=WAIT) as client:
        yield local, client


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _pack(seeds: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    result = run("pack", seeds, "--out", out, "--date", DATE, "--quiet", *extra)
    assert result.returncode == 0, result.stderr
    return result


def _verify(manifest: Path, *extra: str) -> dict:
    result = run("verify", manifest, "--json", *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_dask_makes_the_bytes_local_makes_for_every_shard_size(tmp_path, docs, cluster):
    seeds = make_seeds(tmp_path / "seeds", docs)
    address = cluster[0].scheduler_address
    for size in ("7", "1000"):
        local, dask = tmp_path / f"local-{size}", tmp_path / f"dask-{size}"
        _pack(seeds, local, "--shard-seeds", size)
        _pack(seeds, dask, "--shard-seeds", size, "--executor", "dask", "--scheduler", address)
        assert _files(local) == _files(dask), size
    manifest = tmp_path / "local-7" / "test-batch.manifest.json"
    assert _verify(manifest) == _verify(manifest, "--executor", "dask", "--scheduler", address)
    assert len(list((tmp_path / "local-7").glob("*.warc.gz"))) == 6
    assert sorted(_files(tmp_path / "local-1000")) == [  # one shard: the one-file layout
        "test-batch.manifest.json", "test-batch.manifest.json.sha256", "test-batch.warc.gz"]


def test_an_embedded_cluster_and_the_byte_limit(tmp_path, docs):
    seeds = make_seeds(tmp_path / "seeds", docs)
    _pack(seeds, tmp_path / "local", "--shard-size", "64KiB")
    _pack(seeds, tmp_path / "dask", "--shard-size", "64KiB", "--executor", "dask", "--jobs", "2")
    assert _files(tmp_path / "local") == _files(tmp_path / "dask")
    plan = json.loads(next((tmp_path / "local").glob("*.plan.json")).read_text())
    assert all(shard["bytes"] <= 64 << 10 or shard["seeds"] == 1 for shard in plan["shards"])
    assert len(plan["shards"]) > 2


def test_the_committed_snapshot_stays_one_file(tmp_path):
    _pack(REPO / "seeds", tmp_path, "--shard-seeds", "2", "--date",
          json.loads((REPO / "manifests/cac-voice-social-2021.manifest.json").read_text())[
              "packaged"])
    assert _files(tmp_path) == _files(REPO / "manifests")


def _revisits(manifest: Path) -> list[dict]:
    root = json.loads(manifest.read_text())
    found = []
    for shard in root["shards"]:
        entry = json.loads(manifest.with_name(shard["manifest"]).read_text())
        found += [{**seed["duplicate_of"], "in": shard["warc_file"]} for seed in entry["seeds"]
                  if seed["duplicate_of"]]
    return found


def test_revisits_inside_and_across_shards_and_batches(tmp_path, docs, cluster):
    address = cluster[0].scheduler_address
    names = sorted(docs)
    first = make_seeds(tmp_path / "one", docs, fields="- batch: one\n")
    later = {f"later-{name}": docs[name] for name in names[::5]}
    later |= {"later-new.txt": b"not in the first batch\n", "later-new-2.txt": b"not in the first batch\n"}
    second = make_seeds(tmp_path / "two", later, fields="- batch: two\n")
    third = make_seeds(tmp_path / "three", {"again.txt": docs[names[3]]}, fields="- batch: three\n")
    outs = {}
    for how in ("local", "dask"):
        out = outs[how] = tmp_path / how
        extra = ("--executor", "dask", "--scheduler", address) if how == "dask" else ()
        _pack(first, out, "--shard-seeds", "8", *extra)
        _pack(second, out, "--shard-seeds", "3", "--previous", out / "one.manifest.json", *extra)
        _pack(third, out, "--previous", out / "two.manifest.json", *extra)
    assert _files(outs["local"]) == _files(outs["dask"])
    out = outs["local"]
    within = _revisits(out / "one.manifest.json")
    assert any(r["batch"] == "one" and r["warc_file"] != r["in"] for r in within)  # across shards
    between = _revisits(out / "two.manifest.json")
    assert sum(r["batch"] == "one" for r in between) == len(names[::5])  # across batches
    assert any(r["batch"] == "two" and r["path"] == "later-new-2.txt" for r in between)
    root = json.loads((out / "two.manifest.json").read_text())
    assert {d["batch"] for d in root["dependencies"]} == {"one"}
    last = json.loads((out / "three.manifest.json").read_text())  # one file after two sharded
    assert last["seeds"][0]["duplicate_of"]["batch"] == "one"
    assert last["dependencies"][0]["manifest"] == "one.manifest.json"
    report = _verify(out / "three.manifest.json")
    assert report["ok"] and report["seeds"] == [{"path": "again.txt", "ok": True}]


def _worker_pids(client: Client) -> dict[str, int]:
    return client.run(os.getpid)


def test_a_worker_killed_mid_shard(tmp_path, docs, cluster):
    local, client = cluster
    big = {f"big-{n}.txt": (docs[sorted(docs)[n]] * 4000)[: 12 << 20] for n in range(3)}
    seeds = make_seeds(tmp_path / "seeds", {**docs, **big})
    out = tmp_path / "dask"
    command = [sys.executable, "-m", "archiver", "pack", str(seeds), "--out", str(out), "--date",
               DATE, "-q", "--shard-seeds", "8", "--compression", "zlib-9", "--executor",
               "dask", "--scheduler", local.scheduler_address]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    killed = None
    try:
        deadline = time.monotonic() + WAIT
        while killed is None and time.monotonic() < deadline and process.poll() is None:
            busy = {worker: keys for worker, keys in client.processing().items()
                    if any("pack-" in str(key) for key in keys)}
            if busy and list(out.glob(".*.warc.gz.*.partial")):
                worker = sorted(busy)[0]
                killed = _worker_pids(client)[worker]
                os.kill(killed, signal.SIGKILL)
            time.sleep(0.02)
        stderr = process.communicate(timeout=WAIT)[1]
    finally:
        if process.poll() is None:
            process.kill()
    assert killed is not None, "no shard was ever caught half-written"
    assert process.returncode == 0, stderr
    reference = tmp_path / "local"
    _pack(seeds, reference, "--shard-seeds", "8", "--compression", "zlib-9")
    assert _files(out) == _files(reference)  # nothing duplicated, lost or left half-written
    assert _verify(out / "test-batch.manifest.json")["ok"]


def test_a_whole_run_killed_and_run_again(tmp_path, docs):
    seeds = make_seeds(tmp_path / "seeds", docs)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "archiver", "pack", str(seeds), "--out", str(out), "--date",
               DATE, "-q", "--shard-seeds", "4", "--jobs", "1", "--compression", "zlib-9"]
    process = subprocess.Popen(command, start_new_session=True, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and not list(out.glob("*-00001.manifest.json.sha256")):
            time.sleep(0.005)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the run and anything it started, by its id
        process.wait(timeout=WAIT)
    assert not (out / "test-batch.manifest.json").exists()
    committed = {path.name: (path.stat().st_ino, path.stat().st_mtime_ns)
                 for path in out.glob("*-0000[01].*")}
    assert len(committed) == 6
    _pack(seeds, out, "--shard-seeds", "4", "--compression", "zlib-9")
    assert {name: (out / name).stat().st_ino for name in committed} == {
        name: ino for name, (ino, _) in committed.items()}  # kept, not packed again
    reference = tmp_path / "reference"
    _pack(seeds, reference, "--shard-seeds", "4", "--compression", "zlib-9")
    assert _files(out) == _files(reference)
    assert _verify(out / "test-batch.manifest.json")["ok"]


@pytest.fixture(scope="module")
def sharded(tmp_path_factory, docs) -> Path:
    out = tmp_path_factory.mktemp("sharded")
    _pack(make_seeds(out / "seeds", docs), out / "snap", "--shard-seeds", "10")
    return out / "snap"


def _damaged(sharded: Path, tmp_path: Path, names: list[str], offset: int) -> list[str]:
    copy = tmp_path / "copy"
    shutil.copytree(sharded, copy)
    for name in names:
        target = sorted(copy.glob(name))[0]
        data = bytearray(target.read_bytes())
        data[offset % len(data)] ^= 0x01
        target.write_bytes(bytes(data))
    result = run("verify", copy / "test-batch.manifest.json")
    assert result.returncode == 1, result.stdout
    return result.stdout.splitlines()


def test_damage_in_any_shard_is_named_with_its_shard(sharded, tmp_path):
    lines = _damaged(sharded, tmp_path, ["*-00000.warc.gz", "*-00002.manifest.json",
                                         "*-00003.manifest.json.sha256", "*-00004.warc.gz"], 900)
    failed = sorted(line.split(".manifest.json:")[0][-5:] for line in lines
                    if line.endswith("seeds FAILED"))
    assert failed == ["00000", "00002", "00003", "00004"], lines
    problems = [line for line in lines
                if "FAILED" in line and not line.endswith("FAILED") and " seeds in " not in line]
    assert problems and all(any(f"-{shard}." in line for shard in failed) for line in problems)


def test_damage_outside_the_shards_is_named(sharded, tmp_path):
    lines = "\n".join(_damaged(sharded, tmp_path, ["*.digests-*.tsv", "*.plan.json",
                                                   "test-batch.manifest.json.sha256"], 40))
    for code in ("index-bucket", "plan-mismatch", "sidecar-mismatch"):
        assert code in lines, lines
    assert "seeds FAILED" not in lines  # every shard itself is intact


def test_shards_made_by_other_software_are_refused(tmp_path, docs):
    seeds = make_seeds(tmp_path / "seeds", docs)
    out = tmp_path / "out"
    _pack(seeds, out, "--shard-seeds", "10")
    shard = out / "test-batch-20240501t120000z-00002.manifest.json"
    document = json.loads(shard.read_text())
    document["shard"]["software"]["python"] = "CPython 3.0.0"
    shard.write_text(json.dumps(document))  # as if made elsewhere, committed by its own sidecar
    sidecar = shard.with_name(shard.name + ".sha256")
    lines = sidecar.read_text().splitlines()
    digest = subprocess.run(["sha256sum", shard], capture_output=True, text=True).stdout.split()[0]
    sidecar.write_text(f"{digest}  {shard.name}\n{lines[1]}\n")
    (out / "test-batch.manifest.json").unlink()
    result = run("pack", seeds, "--out", out, "--date", DATE, "-q", "--shard-seeds", "10")
    assert result.returncode == 2 and "other software" in result.stderr, result.stderr
    assert shard.name in result.stderr and not (out / "test-batch.manifest.json").exists()


def test_a_shard_that_comes_out_different_is_an_error(tmp_path, docs):
    seeds = make_seeds(tmp_path / "seeds", docs)
    out = tmp_path / "out"
    _pack(seeds, out, "--shard-seeds", "10")
    warc = out / "test-batch-20240501t120000z-00001.warc.gz"
    (out / "test-batch.manifest.json").unlink()
    warc.with_name(warc.name.replace(".warc.gz", ".manifest.json.sha256")).unlink()
    data = bytearray(warc.read_bytes())
    data[-1] ^= 0x01
    warc.write_bytes(bytes(data))  # not committed, and not what we make
    result = run("pack", seeds, "--out", out, "--date", DATE, "-q", "--shard-seeds", "10")
    assert result.returncode == 2 and "non-deterministic" in result.stderr, result.stderr
    assert not (out / "test-batch.manifest.json").exists()
