"""extract adds up what it will write before it writes anything (review L7).

A revisit costs a few hundred bytes in the WARC and its seed's whole size on disk, so a small
snapshot that verifies OK can restore to far more than it holds: 8 copies of 4 MiB of zeros pack
into a few KiB here, as 1,000 copies of 4 GiB would into 6 MB. extract refuses, before anything
is written, seeds that hold more than `--max-bytes`, or need more than `--to`'s file system has
free."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import DATE, assert_one_line_error, make_seeds, pack, run
from craftlib import repack
from faultlib import Snapshot

import archiver

COPIES, SIZE = 8, 4 << 20


def amplifying(tmp_path: Path, *extra: str) -> Path:
    """COPIES seeds of SIZE zero bytes: one resource record and COPIES - 1 revisits."""
    files = {f"f{number}.bin": bytes(SIZE) for number in range(COPIES)}
    seeds, out = make_seeds(tmp_path / "seeds", files), tmp_path / "out"
    result = run("pack", seeds, "--out", out, "--date", DATE, "--quiet", *extra)
    assert result.returncode == 0, result.stderr
    return out / "test-batch.manifest.json"


@pytest.mark.parametrize("sharded", [False, True], ids=["one file", "sharded"])
def test_extract_refuses_more_than_max_bytes_before_writing(tmp_path, sharded):
    manifest = amplifying(tmp_path, *(["--shard-seeds", "3"] if sharded else []))
    stored = sum(path.stat().st_size for path in manifest.parent.glob("*.warc.gz"))
    assert stored < SIZE // 8  # the WARC holds the zeros once, compressed
    target = tmp_path / "restored"
    result = run("extract", manifest, "--to", target, "--max-bytes", "16MiB")
    assert_one_line_error(result, 2, f"{COPIES * SIZE:,} bytes", "--max-bytes 16,777,216",
                          "nothing written")
    assert not target.exists()

    result = run("extract", manifest, "--to", target, "--max-bytes", "32MiB")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"{target}: {COPIES} seeds, {COPIES * SIZE} bytes"
    assert sorted(p.stat().st_size for p in target.iterdir()) == [SIZE] * COPIES


def test_extract_refuses_what_the_file_system_cannot_hold(tmp_path):
    """A crafted manifest (consistent, so the loader takes it) whose revisit claims a petabyte:
    extract never reads a revisit's own record, only its original's, so no WARC change is
    needed; the sum is checked against the real free space of --to's file system."""
    manifest = amplifying(tmp_path)
    snap = Snapshot(manifest.parent, manifest, manifest.with_name(manifest.name + ".sha256"),
                    manifest.with_name("test-batch.warc.gz"))

    def claim(document: dict) -> None:
        document["seeds"][-1]["bytes"] = 10 ** 15

    repack(snap, claim)
    target = tmp_path / "not" / "yet" / "there"
    result = run("extract", manifest, "--to", target)
    free = shutil.disk_usage(tmp_path).free
    assert_one_line_error(result, 2, str(target), f"needs {10 ** 15 + (COPIES - 1) * SIZE:,} bytes",
                          "free", "nothing written")
    assert free < 10 ** 15 and not (tmp_path / "not").exists()
    with pytest.raises(archiver.ArchiverError, match="free; nothing written"):
        archiver.extract(manifest, to=target, only=["f0.bin", "f7.bin"])
    restored = archiver.extract(manifest, to=target, only=["f0.bin"])  # within the budget
    assert [item.size for item in restored] == [SIZE]


def test_a_bad_max_bytes_is_refused_in_one_line(tmp_path):
    manifest = pack(make_seeds(tmp_path / "seeds", {"a.txt": b"a\n"}), tmp_path / "out")
    result = run("extract", manifest, "--to", tmp_path / "r", "--max-bytes", "lots")
    assert_one_line_error(result, 2, "--max-bytes 'lots'")
    assert not (tmp_path / "r").exists()
