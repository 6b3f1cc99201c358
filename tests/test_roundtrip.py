"""Pack → verify → extract gives back the same bytes under the same names; output is reproducible
and readable by warcio."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import DATE, REPO, make_seeds, pack, run
from warcio.archiveiterator import ArchiveIterator


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "INDEX.md"}


def test_round_trip_restores_identical_files_under_identical_names(sample_seeds, tmp_path):
    manifest = pack(sample_seeds, tmp_path / "out")
    verified = run("verify", manifest, "--seeds", sample_seeds)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    lines = verified.stdout.splitlines()
    assert [line for line in lines if line.endswith(".txt: OK")] == [
        f"{name}: OK" for name in sorted(tree(sample_seeds))]
    restored = run("extract", manifest, "--to", tmp_path / "restored")
    assert restored.returncode == 0, restored.stderr
    assert tree(tmp_path / "restored") == tree(sample_seeds)
    # NFC and NFD spellings of "café" stay two different files
    names = set(tree(tmp_path / "restored"))
    assert "café.txt" in names and "cafe\u0301-nfd.txt" in names


def test_extract_named_seed_only(sample_seeds, tmp_path):
    manifest = pack(sample_seeds, tmp_path / "out")
    result = run("extract", manifest, "b/copy-2.txt", "--to", tmp_path / "one")
    assert result.returncode == 0, result.stderr
    assert tree(tmp_path / "one") == {"b/copy-2.txt": b"identical bytes\n"}


def test_identical_seeds_become_a_revisit(sample_seeds, tmp_path):
    manifest = pack(sample_seeds, tmp_path / "out")
    document = json.loads(manifest.read_text())
    copy = next(s for s in document["seeds"] if s["path"] == "b/copy-2.txt")
    original = next(s for s in document["seeds"] if s["path"] == "a/copy-1.txt")
    assert copy["records"][0]["type"] == "revisit"
    assert copy["duplicate_of"]["path"] == "a/copy-1.txt"
    with open(manifest.with_name("test-batch.warc.gz"), "rb") as stream:
        records = {r.rec_headers.get_header("WARC-Record-ID"): r.rec_headers
                   for r in ArchiveIterator(stream)}
    revisit = records[copy["records"][0]["id"]]
    assert revisit.get_header("WARC-Profile") == (
        "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest")
    assert revisit.get_header("WARC-Refers-To") == original["records"][0]["id"]
    assert revisit.get_header("WARC-Refers-To-Target-URI") == original["id"]
    assert revisit.get_header("WARC-Refers-To-Date") == "2021-03-18T00:00:00Z"
    assert revisit.get_header("WARC-Payload-Digest") == "sha256:" + original["sha256"]
    assert revisit.get_header("Content-Type") is None
    assert revisit.get_header("Content-Length") == "0"


def test_two_packs_are_byte_identical_wherever_the_seeds_are(sample_seeds, tmp_path):
    first = pack(sample_seeds, tmp_path / "one")
    moved = shutil.copytree(sample_seeds, tmp_path / "elsewhere" / "other-name")
    second = pack(moved, tmp_path / "two")
    assert first.read_bytes() == second.read_bytes()
    for name in ("test-batch.warc.gz", "test-batch.manifest.json.sha256"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert str(tmp_path).encode() not in (tmp_path / "one" / "test-batch.warc.gz").read_bytes()


def test_source_date_epoch_sets_the_packaging_time(sample_seeds, tmp_path):
    result = run("pack", sample_seeds, "--out", tmp_path / "out", "--json",
                 env={"SOURCE_DATE_EPOCH": "1714564800"})
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    document = json.loads(Path(summary["manifest"]).read_text())
    assert document["packaged"] == DATE
    assert summary["warc_files"] == [str(tmp_path / "out" / "test-batch.warc.gz")]
    assert summary["seeds"] == 7 and summary["revisits"] == 1


def test_repacking_the_repo_seeds_reproduces_the_committed_snapshot(tmp_path):
    committed = sorted((REPO / "manifests").glob("*.manifest.json"))
    assert len(committed) == 1
    result = run("pack", REPO / "seeds", "--out", tmp_path, "--quiet")
    assert result.returncode == 0, result.stderr
    for path in (REPO / "manifests").iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_committed_snapshot_verifies():
    manifest = next((REPO / "manifests").glob("*.manifest.json"))
    result = run("verify", manifest, "--seeds", REPO / "seeds")
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[:2] == [
        "000_4c491e3ec5d4d681.txt: OK", "004_e08824d69c3ff16b.txt: OK"]


def test_sidecar_is_accepted_by_sha256sum(sample_seeds, tmp_path):
    manifest = pack(sample_seeds, tmp_path / "out")
    check = subprocess.run(["sha256sum", "-c", manifest.name + ".sha256"], cwd=manifest.parent,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_sha256sum_b_sidecar_is_read(sample_seeds, tmp_path):
    """`sha256sum -b` writes `HASH *NAME`; verify reads it as sha256sum -c does."""
    manifest = pack(sample_seeds, tmp_path / "out")
    sidecar = manifest.with_name(manifest.name + ".sha256")
    binary = subprocess.run(["sha256sum", "-b", manifest.name], cwd=manifest.parent,
                            capture_output=True, text=True, check=True).stdout
    assert binary == sidecar.read_text().replace("  ", " *", 1)
    sidecar.write_text(binary)
    result = run("verify", manifest)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sidecar-" not in result.stdout + result.stderr
    sidecar.write_text(binary.replace(" *", "  *", 1))  # text mode, the name `*NAME`: not listed
    result = run("verify", manifest)
    assert result.returncode == 1 and "sidecar-mismatch" in result.stdout + result.stderr
    check = subprocess.run(["sha256sum", "-c", sidecar.name], cwd=manifest.parent,
                           capture_output=True, text=True)
    assert check.returncode != 0  # sha256sum agrees: no file `*NAME`


def test_warcio_checks_and_reads_every_record(sample_seeds, tmp_path):
    manifest = pack(sample_seeds, tmp_path / "out")
    warc = manifest.with_name("test-batch.warc.gz")
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", str(warc)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("digest pass") == 14
    assert check.stdout.count("not checked (revisit)") == 1
    document = json.loads(manifest.read_text())
    expected = {r["id"]: (seed, r) for seed in document["seeds"] for r in seed["records"]}
    with open(warc, "rb") as stream:
        iterator = ArchiveIterator(stream, check_digests=True)
        seen = []
        for record in iterator:
            body = record.content_stream().read()
            headers = record.rec_headers
            assert headers.protocol == "WARC/1.1"
            assert headers.get_header("WARC-Block-Digest").startswith("sha256:")
            record_id = headers.get_header("WARC-Record-ID")
            seen.append(record_id)
            if record.rec_type == "warcinfo":
                assert record_id == document["warc_files"][0]["warcinfo"]["id"]
                continue
            assert headers.get_header("WARC-Warcinfo-ID") == document["warc_files"][0]["warcinfo"]["id"]
            seed, placed = expected[record_id]
            assert iterator.get_record_offset() == placed["offset"]
            assert headers.get_header("WARC-Target-URI") == seed["id"]
            if record.rec_type == "resource":
                assert headers.get_header("WARC-Payload-Digest") == "sha256:" + seed["sha256"]
                assert len(body) == seed["bytes"]
            if record.rec_type == "metadata":
                assert b"filename: " + seed["path"].encode() in body
    assert seen[0] == document["warc_files"][0]["warcinfo"]["id"]
    assert set(seen[1:]) == set(expected) and len(seen) == 15


def test_resource_records_hold_the_exact_seed_bytes(sample_seeds, tmp_path):
    manifest = pack(sample_seeds, tmp_path / "out")
    document = json.loads(manifest.read_text())
    by_id = {s["records"][0]["id"]: s["path"] for s in document["seeds"]}
    with open(manifest.with_name("test-batch.warc.gz"), "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "resource":
                path = by_id[record.rec_headers.get_header("WARC-Record-ID")]
                assert record.content_stream().read() == (sample_seeds / path).read_bytes()


def test_pack_refuses_to_replace_a_different_snapshot(sample_seeds, tmp_path):
    out = tmp_path / "out"
    manifest = pack(sample_seeds, out)
    before = manifest.read_bytes()
    again = run("pack", sample_seeds, "--out", out, "--date", DATE, "--quiet")
    assert again.returncode == 0, again.stderr  # the same snapshot: nothing to do
    (sample_seeds / "empty.txt").write_bytes(b"now with content\n")
    changed = run("pack", sample_seeds, "--out", out, "--date", DATE, "--quiet")
    assert changed.returncode == 2 and "--force" in changed.stderr
    assert manifest.read_bytes() == before
    assert not list(out.glob(".*partial"))
    forced = run("pack", sample_seeds, "--out", out, "--date", DATE, "--quiet", "--force")
    assert forced.returncode == 0, forced.stderr
    assert run("verify", manifest).returncode == 0


def test_show_lists_batch_and_seeds(sample_seeds, tmp_path):
    manifest = pack(sample_seeds, tmp_path / "out")
    result = run("show", manifest)
    assert result.returncode == 0, result.stderr
    assert "batch test-batch" in result.stdout
    assert "中文 名字.txt" in result.stdout and "captured: 2021-03-18" in result.stdout
    assert "same bytes as a/copy-1.txt" in result.stdout


def test_year_only_capture_keeps_its_precision(tmp_path):
    seeds = make_seeds(tmp_path / "seeds", {"a.txt": b"x\n", "b.txt": b"y\n"}, rows=[
        ("a.txt", "A", "somewhere", "en", "2023", ""),
        ("b.txt", "B", "somewhere", "en", "unknown", ""),
    ])
    manifest = pack(seeds, tmp_path / "out")
    document = json.loads(manifest.read_text())
    assert document["seeds"][0]["captured"] == {"value": "2023", "precision": "year"}
    assert document["seeds"][1]["captured"] == {"value": "unknown", "precision": "unknown"}
    with open(manifest.with_name("test-batch.warc.gz"), "rb") as stream:
        dates = {r.rec_headers.get_header("WARC-Target-URI"): r.rec_headers.get_header("WARC-Date")
                 for r in ArchiveIterator(stream) if r.rec_type == "resource"}
    assert dates == {"urn:x-archiver:test-batch:a.txt": "2023-01-01T00:00:00Z",
                     "urn:x-archiver:test-batch:b.txt": DATE}
    shown = run("show", manifest).stdout
    assert "captured: 2023\n" in shown and "captured: unknown" in shown
