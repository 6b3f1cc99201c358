"""No orphans (issue 16 item 5): `kill -9` of a running pack or verify leaves none of its worker
processes alive. Before, forked workers outlived the parent for good (parent 1, blocked reading a
queue whose write end they held themselves); now each ends with the process that started it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import DATE, make_seeds, pack

WAIT = 60.0  # a bound on waiting for what must happen, never an ordering


def started(command: list[str | Path], *, workers: int) -> tuple[subprocess.Popen, list]:
    """Run `command` until it has `workers` worker processes; return it and them."""
    child = subprocess.Popen([sys.executable, "-m", "archiver", *map(str, command)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + WAIT
    found: list[psutil.Process] = []
    while len(found) < workers:
        assert child.poll() is None, f"ended before its workers started: {child.stderr.read()}"
        assert time.monotonic() < deadline, "its workers never started"
        found = psutil.Process(child.pid).children(recursive=True)
        time.sleep(0.01)
    return child, found


def assert_killed_without_survivors(child: subprocess.Popen, workers: list) -> None:
    """SIGKILL the run's own process only (never its group), then every process it started must
    end by itself."""
    try:
        child.kill()
        child.wait(timeout=WAIT)
        _, alive = psutil.wait_procs(workers, timeout=WAIT)
        assert alive == [], f"still running after their parent was killed: {alive}"
    finally:
        child.stderr.close()
        for worker in workers:  # what the test left behind if it failed, by pid
            try:
                worker.kill()
            except psutil.NoSuchProcess:
                pass


@pytest.fixture(scope="module")
def many_seeds(tmp_path_factory) -> Path:
    """Twelve seeds of 16 MiB of random bytes: long enough to pack and verify on two workers."""
    return make_seeds(tmp_path_factory.mktemp("orphans") / "seeds",
                      {f"part-{n:02d}.bin": os.urandom(16 << 20) for n in range(12)})


def test_kill_9_of_a_pack_leaves_no_worker_alive(tmp_path: Path, many_seeds: Path):
    child, workers = started(["pack", many_seeds, "--out", tmp_path / "out", "-q", "--date", DATE,
                              "--jobs", "2", "--compression", "zlib-9"], workers=2)
    assert_killed_without_survivors(child, workers)


@pytest.mark.parametrize("executor", ["local", "dask"])
def test_kill_9_of_a_sharded_pack_leaves_no_worker_alive(tmp_path: Path, many_seeds: Path,
                                                         executor: str):
    out = tmp_path / "out"
    child, workers = started(["pack", many_seeds, "--out", out, "-q", "--date", DATE, "--jobs",
                              "2", "--compression", "zlib-9", "--shard-seeds", "2", "--executor",
                              executor], workers=2)
    deadline = time.monotonic() + WAIT
    while not (out.exists() and any(p.name.endswith(".partial") for p in out.iterdir())):
        assert child.poll() is None and time.monotonic() < deadline, "no shard was started"
        time.sleep(0.01)
    workers = psutil.Process(child.pid).children(recursive=True)  # Dask's nannies start late
    assert_killed_without_survivors(child, workers)


def test_kill_9_of_a_verify_leaves_no_worker_alive(tmp_path: Path, many_seeds: Path):
    manifest = pack(many_seeds, tmp_path / "out", "--compression", "isal-0")
    child, workers = started(["verify", manifest, "--jobs", "2", "--seeds", many_seeds],
                             workers=2)
    assert_killed_without_survivors(child, workers)


def test_a_worker_whose_parent_is_already_gone_ends_at_once():
    """The parent may die between the fork and the worker asking to be told: the parent id it
    was started by no longer matches, and the worker ends before taking a task."""
    code = ("import os; from archiver.base.pool import end_with_parent; "
            "end_with_parent(os.getppid() + 1); print('went on')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=WAIT, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", "")


API_ADD_THEN_PACK = """
import sys
from datetime import datetime, timezone
from pathlib import Path

import archiver

if __name__ == "__main__":
    seeds, out = Path(sys.argv[1]), Path(sys.argv[2])
    archiver.add(seeds, source="https://example.org/{path}", captured="2026-12-02", jobs=1)
    result = archiver.pack(seeds, out_dir=out, jobs=2,
                           packaged=datetime(2026, 12, 2, tzinfo=timezone.utc))
    print(result.manifest_path)
"""


def test_a_pool_started_after_identification_in_this_process_does_not_hang(tmp_path: Path):
    """`add`, then a pack in the same process that starts workers: when `add` identified
    formats in this process (Siegfried, in Go's runtime), forked workers inherited Go's runtime
    without its threads and deadlocked on their first identification, for ever. Siegfried has
    its own process now, and `add` asks it for nothing (a row names no format)."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name in ("README.gz", "copyright", "changelog.Debian.gz"):
        (seeds / name).write_bytes((Path("/usr/share/doc/bash") / name).read_bytes())
    for n in range(6):  # enough seeds for two workers
        (seeds / f"note-{n}.txt").write_text(f"Note {n}: a plain English sentence or two.\n")
    script = tmp_path / "add_then_pack.py"
    script.write_text(API_ADD_THEN_PACK)
    done = subprocess.run([sys.executable, script, seeds, tmp_path / "out"], capture_output=True,
                          text=True, timeout=WAIT * 3)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out").is_dir() and list((tmp_path / "out").glob("*.manifest.json"))
