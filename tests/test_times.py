"""Every valid capture time: any precision ISO 8601 and WARC 1.1 allow, fractions of a second
included, kept as written in the manifest and the metadata record; WARC-Date carries the fraction.
The peer tools (warcio, FastWARC, cdxj-indexer, the WACZ validator) read such a snapshot in
tests/test_interop.py, which packs this module's `fractional` snapshot among its others."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO, make_seeds, pack, run
from warcio.archiveiterator import ArchiveIterator

from archiver.base.dates import parse_capture

TIMES = {
    "crawl/ms.html": "2021-03-18T09:30:00.125Z",
    "crawl/ns.txt": "2021-03-18T09:30:00.123456789Z",
    "crawl/tenth.txt": "2021-03-18T09:30:01.5+00:00",
    "crawl/comma.txt": "2021-03-18T09:30:02,25Z",
    "hour.txt": "2021-03-18T09Z",
    "minute.txt": "2021-03-18T09:30Z",
    "second.txt": "2021-03-18T09:30:00Z",
}
# Kept exactly as written, but for a +00:00 zone, which is written Z as before.
KEPT = {**TIMES, "crawl/tenth.txt": "2021-03-18T09:30:01.5Z"}
WARC_DATES = {
    "crawl/ms.html": "2021-03-18T09:30:00.125Z",
    "crawl/ns.txt": "2021-03-18T09:30:00.123456789Z",
    "crawl/tenth.txt": "2021-03-18T09:30:01.5Z",
    "crawl/comma.txt": "2021-03-18T09:30:02.25Z",  # W3C-ISO8601 writes the fraction with a dot
    "hour.txt": "2021-03-18T09:00:00Z",
    "minute.txt": "2021-03-18T09:30:00Z",
    "second.txt": "2021-03-18T09:30:00Z",
}
PRECISIONS = {"crawl/ms.html": "subsecond", "crawl/ns.txt": "subsecond",
              "crawl/tenth.txt": "subsecond", "crawl/comma.txt": "subsecond", "hour.txt": "hour",
              "minute.txt": "minute", "second.txt": "second"}


def fractional_seeds(root: Path) -> Path:
    files = {name: f"<title>{name}</title> captured at {TIMES[name]}\n".encode()
             for name in TIMES}
    files["crawl/same.txt"] = files["hour.txt"]  # hour.txt a revisit of it: WARC-Refers-To-Date
    rows = [(name, "", f"https://example.org/{name}", "en",
             TIMES.get(name, "2021-03-18T10:00:00.000Z"), "") for name in sorted(files)]
    return make_seeds(root, files, rows=rows)


@pytest.fixture
def fractional(tmp_path: Path) -> Path:
    """A snapshot whose capture times have fractions of a second (and every other precision)."""
    return pack(fractional_seeds(tmp_path / "seeds"), tmp_path / "out")


def _records(manifest: Path) -> list:
    with open(manifest.with_name("test-batch.warc.gz"), "rb") as stream:
        return [(r.rec_type, dict(r.rec_headers.headers), r.content_stream().read())
                for r in ArchiveIterator(stream)]


def test_times_are_kept_as_written_and_warc_date_carries_the_fraction(fractional: Path) -> None:
    document = json.loads(fractional.read_text())
    assert document["schema_version"] == "1.1"
    captured = {seed["path"]: seed["captured"] for seed in document["seeds"]}
    for name in TIMES:
        assert captured[name] == {"value": KEPT[name], "precision": PRECISIONS[name]}
    assert captured["crawl/same.txt"] == {"value": "2021-03-18T10:00:00.000Z",
                                          "precision": "subsecond"}
    dates, metadata = {}, {}
    for kind, headers, body in _records(fractional):
        name = headers.get("WARC-Target-URI", "").rpartition(":")[2].replace("%2F", "/")
        if kind in ("resource", "revisit"):
            dates[name] = headers["WARC-Date"]
        if kind == "revisit":
            assert headers["WARC-Refers-To-Date"] == "2021-03-18T10:00:00.000Z"
        if kind == "metadata":
            metadata[name] = body.decode()
    assert {name: dates[name] for name in TIMES} == WARC_DATES
    assert dates["crawl/same.txt"] == "2021-03-18T10:00:00.000Z"
    for name in TIMES:
        assert f"date-captured: {KEPT[name]}\r\n" in metadata[name]
        assert f"date-captured-precision: {PRECISIONS[name]}\r\n" in metadata[name]


def test_fractional_snapshot_verifies_extracts_exports_and_shows(fractional: Path,
                                                                 tmp_path: Path) -> None:
    verified = run("verify", fractional, "--seeds", tmp_path / "seeds")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    restored = run("extract", fractional, "--to", tmp_path / "back", "--quiet")
    assert restored.returncode == 0, restored.stderr
    for name in TIMES:
        assert (tmp_path / "back" / name).read_bytes() == (tmp_path / "seeds" / name).read_bytes()
    out = tmp_path / "export"
    out.mkdir()
    exported = run("export", fractional, "--jsonl", out / "s.jsonl", "--cdxj", out / "s.cdxj")
    assert exported.returncode == 0, exported.stderr
    lines = {row["path"]: row for row in map(json.loads, (out / "s.jsonl").read_text().splitlines())}
    assert {name: lines[name]["captured"] for name in TIMES} == KEPT
    cdxj = (out / "s.cdxj").read_text()
    assert " 20210318093000 " in cdxj  # the key's timestamp: 14 digits, the fraction cut
    assert "captured: 2021-03-18T09:30:00.125Z" in run("show", fractional).stdout


def test_a_changed_fraction_is_a_metadata_mismatch(fractional: Path) -> None:
    """The fraction is part of what verify checks, not decoration."""
    document = json.loads(fractional.read_text())
    for seed in document["seeds"]:
        if seed["path"] == "crawl/ms.html":
            seed["captured"]["value"] = "2021-03-18T09:30:00.126Z"
    fractional.write_text(json.dumps(document, indent=2))
    result = run("verify", fractional)
    assert result.returncode != 0


@pytest.mark.parametrize("text", ["2021-03-18T09:30:00.Z", "2021-03-18T09:30.5Z",
                                  "2021-03-18T09:30:00.5", "2021-03-18T09:30:00.5+02:00",
                                  "2021-03-18T24Z", "2021-03-18T09:60Z", "2021-03-18T"])
def test_times_iso_8601_does_not_allow_are_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(ValueError, match="invalid date"):
        parse_capture(text)
    seeds = make_seeds(tmp_path / "s", {"a.txt": b"a\n"},
                       rows=[("a.txt", "", "https://example.org/a", "en", text, "")])
    result = run("pack", seeds, "--out", tmp_path / "out", "--quiet")
    assert result.returncode == 2 and "invalid date" in result.stderr and "a.txt" in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_1_0_manifest_still_verifies(tmp_path: Path) -> None:
    """The snapshot committed before schema 1.1, kept as a fixture with its seeds."""
    fixture = REPO / "tests" / "fixtures" / "snapshot-1.0"
    shutil.copytree(fixture, tmp_path / "s")
    manifest = tmp_path / "s" / "cac-voice-social-2021.manifest.json"
    assert json.loads(manifest.read_text())["schema_version"] == "1.0"
    result = run("verify", manifest, "--seeds", tmp_path / "s" / "seeds")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_1_0_manifest_may_not_use_1_1_precisions(tmp_path: Path) -> None:
    fixture = REPO / "tests" / "fixtures" / "snapshot-1.0"
    shutil.copytree(fixture, tmp_path / "s")
    manifest = tmp_path / "s" / "cac-voice-social-2021.manifest.json"
    document = json.loads(manifest.read_text())
    document["seeds"][0]["captured"]["precision"] = "subsecond"
    manifest.write_text(json.dumps(document, indent=2))
    result = run("verify", manifest)
    assert result.returncode != 0 and "manifest-schema" in result.stdout + result.stderr
