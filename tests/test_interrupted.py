"""Interrupted and failing runs never leave something that looks complete and is not."""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from faultlib import PACKAGED, assert_one_line_error, make_seeds, run_cli
from test_orphans import assert_killed_without_survivors, started

import archiver.base.digests
import archiver.seeds.reading
from archiver.errors import OutputExistsError, SeedError
from archiver.packing.packer import pack
from archiver.seeds.plan import plan

PACK = importlib.import_module("archiver.packing.packer")  # `archiver.pack` is also the function
FINAL = ("fault-batch.warc.gz", "fault-batch.manifest.json", "fault-batch.manifest.json.sha256",
         "fault-batch.events.jsonl")


def write_random(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        for _ in range(size >> 20):
            out.write(os.urandom(1 << 20))


def big_seeds(root: Path, size: int) -> Path:
    """A seeds folder with a small seed and `size` bytes of random data in big.bin."""
    seeds = make_seeds(root, {"a.txt": b"a" * 1000, "big.bin": b""})
    write_random(seeds / "big.bin", size)
    return seeds


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) \
        if folder.exists() else []


def test_kill_9_during_pack_leaves_no_manifest_and_a_rerun_succeeds(tmp_path: Path):
    seeds = big_seeds(tmp_path / "seeds", 200 << 20)
    out = tmp_path / "out"
    command = ["pack", seeds, "--out", out, "-q", "--date", "2024-01-01T00:00:00Z", "--jobs", "2"]
    child, workers = started(command, workers=2)
    deadline = time.monotonic() + 60
    while not (out.exists() and any(p.name.endswith(".partial") for p in out.iterdir())):
        assert child.poll() is None and time.monotonic() < deadline, "pack ended too soon"
        time.sleep(0.01)
    assert_killed_without_survivors(child, workers)  # its workers end with it
    assert child.returncode == -signal.SIGKILL
    assert visible(out) == [], visible(out)  # at most hidden .partial files
    assert all(p.name.endswith(".partial") for p in out.iterdir())
    rerun = run_cli(*command, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert visible(out) == sorted(FINAL)
    check = run_cli("verify", out / FINAL[1], "--seeds", seeds, timeout=120)
    assert check.returncode == 0, check.stdout


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("sharded", [False, True], ids=["one-file", "sharded"])
def test_a_pack_stopped_by_a_signal_cleans_up_and_says_so(tmp_path: Path, how: int,
                                                          sharded: bool):
    """`kill` (a scheduler's time limit) or Ctrl-C mid-pack: one line, 128 + the signal, and no
    .partial file left: a one-file pack leaves nothing, a sharded one its committed shards,
    which a re-run keeps. Before, SIGTERM ended the process at once and left its .partial
    files."""
    seeds = big_seeds(tmp_path / "seeds", 200 << 20)
    out = tmp_path / "out"
    command = ["pack", seeds, "--out", out, "-q", "--date", "2024-01-01T00:00:00Z", "--jobs",
               "2", *(["--shard-seeds", "1"] if sharded else [])]
    child, workers = started(command, workers=2)
    try:
        deadline = time.monotonic() + 60
        while not (out.exists() and any(p.name.endswith(".partial") for p in out.iterdir())):
            assert child.poll() is None and time.monotonic() < deadline, "pack ended too soon"
            time.sleep(0.01)
        child.send_signal(how)
        _, stderr = child.communicate(timeout=120)
    finally:
        assert_killed_without_survivors(child, workers)
    word = "terminated" if how == signal.SIGTERM else "interrupted"
    assert stderr.decode().splitlines() == [f"archiver: {word}; nothing was left half-written"]
    assert child.returncode == 128 + how
    left = sorted(p.name for p in out.iterdir())
    assert not [name for name in left if name.endswith(".partial")], left
    if not sharded:
        assert left == []
        return
    # A sharded pack resumes: the shards it committed stay, and there is no root until a re-run
    assert "fault-batch.manifest.json" not in left
    assert run_cli(*command, timeout=120).returncode == 0
    check = run_cli("verify", out / "fault-batch.manifest.json", "--seeds", seeds, timeout=120)
    assert check.returncode == 0, check.stdout
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def limited(size: int):
    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return preexec


@pytest.mark.parametrize("limit", [0, 4 << 10, 200 << 10, 3 << 20])
def test_full_disk_gives_one_clear_line_and_no_partial_output(tmp_path: Path, limit: int):
    seeds = big_seeds(tmp_path / "seeds", 10 << 20)  # past the in-memory spool
    out = tmp_path / "out"
    result = run_cli("pack", seeds, "--out", out, "-q", preexec_fn=limited(limit))
    line = assert_one_line_error(result, 2)
    assert "cannot write" in line and "File too large" in line, line
    assert list(out.iterdir()) == []


class ChangesWhileRead:
    """Wrap iter_blocks so the seed file is changed on disk after its first block was read."""

    def __init__(self, target: Path, change: str) -> None:
        self.target, self.change = target, change
        self.real = archiver.base.digests.iter_blocks

    def __call__(self, stream, size=archiver.base.digests.BLOCK):
        for number, block in enumerate(self.real(stream, size)):
            if number == 1:  # only a seed of more than one block gets here: big.bin
                self.mutate()
            yield block

    def mutate(self) -> None:
        if self.change == "grows":
            with open(self.target, "ab") as out:
                out.write(b"more")
        elif self.change == "shrinks":
            os.truncate(self.target, 10)
        else:  # same size, other bytes: only the change time tells
            with open(self.target, "r+b") as out:
                out.write(b"\xff" * 16)


@pytest.mark.parametrize("change", ["grows", "shrinks", "rewritten in place"])
def test_seed_changing_while_packed_is_refused(tmp_path: Path, monkeypatch, change: str):
    seeds = make_seeds(tmp_path / "seeds", {"a.txt": b"a", "big.bin": os.urandom(3 << 20)})
    monkeypatch.setattr(archiver.seeds.reading, "iter_blocks",
                        ChangesWhileRead(seeds / "big.bin", change))
    out = tmp_path / "out"
    with pytest.raises(SeedError, match="changed while being archived"):
        # In this process (jobs=1), where the patched reader is: a worker started where Python
        # spawns rather than forks would read with the real one.
        pack(seeds, out_dir=out, packaged=PACKAGED, jobs=1)
    assert list(out.iterdir()) == []


def test_seed_changed_between_listing_and_reading_is_refused(tmp_path: Path):
    seeds = make_seeds(tmp_path / "seeds", {"a.txt": b"a", "b.txt": b"b"})
    work = plan(seeds)
    (seeds / "b.txt").write_bytes(b"bigger now")
    with pytest.raises(SeedError, match="changed while being archived"):
        pack(seeds, out_dir=tmp_path / "out", packaged=PACKAGED, prepared=work)
    assert list((tmp_path / "out").iterdir()) == []


def test_seed_grown_by_another_process_during_cli_pack_is_refused(tmp_path: Path):
    seeds = big_seeds(tmp_path / "seeds", 100 << 20)
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-m", "archiver", "pack", seeds, "--out", out,
                              "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300  # a bound for a machine that hangs, not an ordering
    while child.poll() is None and time.monotonic() < deadline:
        with open(seeds / "big.bin", "ab") as grow:  # keeps growing until the pack ends
            grow.write(b"x")
        time.sleep(0.005)
    stdout, stderr = child.communicate(timeout=60)
    result = subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)
    assert "changed while being archived" in assert_one_line_error(result, 2)
    assert list(out.iterdir()) == []


def test_two_packs_into_one_folder_do_not_interleave(tmp_path: Path, monkeypatch):
    """B publishes while A is between renaming its WARC and its manifest: without a lock the
    folder would end with B's WARC under A's manifest. Ordered by events alone (issue 16 item 6):
    B starts once A's WARC is renamed, and A renames its manifest only once B has either found
    the folder locked or (without a lock) published and finished."""
    seeds_a = make_seeds(tmp_path / "a", {"x.txt": b"from A"})
    seeds_b = make_seeds(tmp_path / "b", {"x.txt": b"from B, longer"})
    out = tmp_path / "out"
    warc_renamed, b_stopped = threading.Event(), threading.Event()
    real_publish, real_lock = PACK.publish, PACK.folder_lock

    def publish(pairs):
        if threading.current_thread().name == "A":
            real_publish(pairs[:1])
            warc_renamed.set()
            assert b_stopped.wait(timeout=120), "B neither waited for the lock nor finished"
            real_publish(pairs[1:])
        else:
            real_publish(pairs)

    @contextlib.contextmanager
    def folder_lock(folder: Path):
        if threading.current_thread().name == "B" and _locked(folder):
            b_stopped.set()  # B is about to wait for A's lock
        with real_lock(folder):
            yield

    monkeypatch.setattr(PACK, "publish", publish)
    monkeypatch.setattr(PACK, "folder_lock", folder_lock)
    outcome: dict[str, object] = {}

    def run(name: str, seeds: Path) -> None:
        try:
            outcome[name] = pack(seeds, out_dir=out, packaged=PACKAGED)
        except Exception as err:  # noqa: BLE001 - recorded and checked below
            outcome[name] = err
        finally:
            if name == "B":
                b_stopped.set()

    first = threading.Thread(target=run, args=("A", seeds_a), name="A")
    second = threading.Thread(target=run, args=("B", seeds_b), name="B")
    first.start()
    if warc_renamed.wait(timeout=120):
        second.start()
        second.join()
    first.join()
    assert warc_renamed.is_set(), outcome
    assert isinstance(outcome["B"], OutputExistsError), outcome
    result = run_cli("verify", out / FINAL[1], "--seeds", seeds_a)
    assert result.returncode == 0, result.stdout


def _locked(folder: Path) -> bool:
    """Whether another holder has `folder`'s lock now (asked without waiting)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_concurrent_cli_packs_of_the_same_seeds(tmp_path: Path):
    seeds = make_seeds(tmp_path / "seeds", {"a.txt": b"a", "b.bin": os.urandom(2 << 20)})
    out = tmp_path / "out"
    command = [sys.executable, "-m", "archiver", "pack", seeds, "--out", out, "-q",
               "--date", "2024-01-01T00:00:00Z"]
    children = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for child in children:
        _, stderr = child.communicate(timeout=60)
        assert child.returncode == 0, stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(FINAL)
    assert run_cli("verify", out / FINAL[1], "--seeds", seeds).returncode == 0
