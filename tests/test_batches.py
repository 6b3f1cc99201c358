"""A later batch follows an earlier one without rewriting it; the chain verifies as a whole."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import DATE, make_seeds, pack, run


@pytest.fixture
def chain(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    out = tmp_path / "out"
    first_seeds = make_seeds(tmp_path / "one", {"old.txt": b"archived in batch one\n",
                                                "other.txt": b"another one\n"})
    first = pack(first_seeds, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    second_seeds = make_seeds(tmp_path / "two", {"new.txt": b"new in batch two\n",
                                                 "again.txt": b"archived in batch one\n"},
                              fields="- batch: batch-two\n")
    result = run("pack", second_seeds, "--out", out, "--date", DATE, "--quiet",
                 "--previous", first)
    assert result.returncode == 0, result.stderr
    return first, out / "batch-two.manifest.json", before


def test_second_batch_leaves_the_first_untouched(chain):
    first, second, before = chain
    for name, data in before.items():
        assert (first.parent / name).read_bytes() == data
    document = json.loads(second.read_text())
    assert document["previous"] == {
        "manifest": first.name, "sha256": hashlib.sha256(first.read_bytes()).hexdigest(),
        "snapshot_id": json.loads(first.read_text())["snapshot_id"]}
    again = next(s for s in document["seeds"] if s["path"] == "again.txt")
    assert again["records"][0]["type"] == "revisit"
    assert again["duplicate_of"]["batch"] == "test-batch"
    assert again["duplicate_of"]["warc_file"] == "test-batch.warc.gz"
    assert document["dependencies"] == [{"batch": "test-batch", "manifest": first.name,
                                         "warc_file": "test-batch.warc.gz"}]


def test_chain_verifies_and_extracts_across_batches(chain, tmp_path):
    _, second, _ = chain
    result = run("verify", second)
    assert result.returncode == 0, result.stdout
    restored = run("extract", second, "--to", tmp_path / "restored")
    assert restored.returncode == 0, restored.stderr
    assert (tmp_path / "restored" / "again.txt").read_bytes() == b"archived in batch one\n"
    assert (tmp_path / "restored" / "new.txt").read_bytes() == b"new in batch two\n"


def test_damage_in_the_first_batch_fails_the_second(chain):
    first, second, _ = chain
    warc = first.with_name("test-batch.warc.gz")
    data = bytearray(warc.read_bytes())
    data[len(data) // 3] ^= 0x20
    warc.write_bytes(bytes(data))
    result = run("verify", second)
    assert result.returncode == 1
    assert "earlier batch test-batch" in result.stdout
    assert "test-batch.warc.gz" in result.stdout


def test_revisit_into_a_damaged_record_fails_its_seed(chain):
    first, second, _ = chain
    document = json.loads(first.read_text())
    old = next(s for s in document["seeds"] if s["path"] == "old.txt")["records"][0]
    warc = first.with_name("test-batch.warc.gz")
    data = bytearray(warc.read_bytes())
    data[old["offset"] + old["length"] // 2] ^= 0x01
    warc.write_bytes(bytes(data))
    result = run("verify", second)
    assert result.returncode == 1
    assert "again.txt: FAILED" in result.stdout and "revisit-unresolved" in result.stdout
    assert "new.txt: OK" in result.stdout


def test_a_changed_earlier_manifest_breaks_the_chain(chain):
    first, second, _ = chain
    first.write_text(first.read_text().replace('"title": "Title of old.txt"',
                                               '"title": "Title of old.txT"'))
    result = run("verify", second)
    assert result.returncode == 1
    assert "chain-broken" in result.stdout and first.name in result.stdout


def test_show_lists_the_history(chain):
    _, second, _ = chain
    result = run("show", second)
    assert result.returncode == 0, result.stderr
    assert "history (newest first):" in result.stdout
    lines = result.stdout.splitlines()
    start = lines.index("history (newest first):")
    assert lines[start + 1].startswith("  batch-two:") and lines[start + 2].startswith("  test-batch:")
    assert "same bytes as old.txt in batch test-batch" in result.stdout


def test_same_batch_id_twice_is_refused(tmp_path):
    out = tmp_path / "out"
    first = pack(make_seeds(tmp_path / "one", {"a.txt": b"a\n"}), out)
    seeds = make_seeds(tmp_path / "two", {"b.txt": b"b\n"})
    result = run("pack", seeds, "--out", out, "--previous", first, "--date", DATE)
    assert result.returncode == 2
    assert "already in this chain" in result.stderr
