"""`--warc` means one thing to verify, extract and export (review L10): a folder holds WARC files
by name, for every batch of a chain and every shard (one not there is found beside its
manifest); a file stands for the given manifest's one WARC file, and the chain's other WARC
files stay beside their manifests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import DATE, assert_one_line_error, make_seeds, pack, run

ONE = {"old.txt": b"archived in batch one\n", "other.txt": b"another one\n"}
TWO = {"new.txt": b"new in batch two\n", "again.txt": b"archived in batch one\n"}


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    """Batch two's manifest; its `again.txt` revisits batch one's `old.txt`."""
    out = tmp_path / "out"
    first = pack(make_seeds(tmp_path / "one", ONE), out)
    second = make_seeds(tmp_path / "two", TWO, fields="- batch: batch-two\n")
    result = run("pack", second, "--out", out, "--date", DATE, "--quiet", "--previous", first)
    assert result.returncode == 0, result.stderr
    return out / "batch-two.manifest.json"


def _restores_and_exports(manifest: Path, warc: Path, tmp_path: Path) -> None:
    restored = run("extract", manifest, "--to", tmp_path / "restored", "--warc", warc)
    assert restored.returncode == 0, restored.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "restored").iterdir()} == TWO
    lines = tmp_path / "seeds.jsonl"
    exported = run("export", manifest, "--jsonl", lines, "--wacz", tmp_path / "s.wacz",
                   "--warc", warc)
    assert exported.returncode == 0, exported.stderr
    texts = {row["path"]: row["text"] for row in map(json.loads, lines.read_text().splitlines())}
    assert texts["again.txt"] == "archived in batch one\n"


def test_warc_file_stands_for_this_batch_only_in_every_command(chain, tmp_path):
    moved = tmp_path / "elsewhere.warc.gz"
    shutil.move(chain.with_name("batch-two.warc.gz"), moved)
    verified = run("verify", chain, "--warc", moved)
    assert verified.returncode == 0, verified.stdout
    _restores_and_exports(chain, moved, tmp_path)  # the revisit read from batch one's own WARC


def test_warc_folder_holds_every_batch_of_the_chain(chain, tmp_path):
    folder = tmp_path / "w"
    folder.mkdir()
    for name in ("test-batch.warc.gz", "batch-two.warc.gz"):
        shutil.move(chain.with_name(name), folder / name)
    verified = run("verify", chain, "--warc", folder)
    assert verified.returncode == 0, verified.stdout
    _restores_and_exports(chain, folder, tmp_path)


def test_warc_folder_may_hold_only_this_batch(chain, tmp_path):
    folder = tmp_path / "w"
    folder.mkdir()
    shutil.move(chain.with_name("batch-two.warc.gz"), folder / "batch-two.warc.gz")
    verified = run("verify", chain, "--warc", folder)
    assert verified.returncode == 0, verified.stdout
    _restores_and_exports(chain, folder, tmp_path)


@pytest.fixture
def sharded(tmp_path: Path) -> Path:
    files = {f"f{i}.txt": f"seed number {i}\n".encode() for i in range(3)}
    out = tmp_path / "out"
    result = run("pack", make_seeds(tmp_path / "seeds", files), "--out", out, "--date", DATE,
                 "--quiet", "--shard-seeds", "1")
    assert result.returncode == 0, result.stderr
    return out / "test-batch.manifest.json"


def test_warc_folder_holds_every_shard(sharded, tmp_path):
    folder = tmp_path / "w"
    folder.mkdir()
    for warc in sharded.parent.glob("*.warc.gz"):
        shutil.move(warc, folder / warc.name)
    verified = run("verify", sharded, "--warc", folder)
    assert verified.returncode == 0, verified.stdout
    restored = run("extract", sharded, "--to", tmp_path / "r", "--warc", folder)
    assert restored.returncode == 0, restored.stderr
    assert len(list((tmp_path / "r").iterdir())) == 3


@pytest.mark.parametrize("command", ["verify", "extract"])
def test_warc_file_for_a_sharded_root_is_refused(sharded, tmp_path, command):
    warc = next(sharded.parent.glob("*.warc.gz"))
    extra = ["--to", str(tmp_path / "r")] if command == "extract" else []
    result = run(command, sharded, "--warc", warc, *extra)
    assert_one_line_error(result, 2, "--warc", "give the folder")
    assert not (tmp_path / "r").exists()
