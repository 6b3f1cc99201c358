"""Parallel packing and verifying give the same bytes and reports; the compiled schema check
agrees with jsonschema; the streamed manifest equals canonical.pretty of the document."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import subprocess
import sys
import tracemalloc
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import make_seeds
from jsonschema import Draft202012Validator

from archiver.base.uris import check_header_values
from archiver.errors import DamageError
from archiver.formats.canonical_json import indented, pretty
from archiver.manifest import schema, streamed
from archiver.manifest.identity import snapshot_id
from archiver.manifest.loader import Link, load_manifest
from archiver.manifest.streamed import ManifestFile, scan
from archiver.manifest.writer import records_text
from archiver.packing.packer import pack
from archiver.verification import checker
from archiver.verification import parallel as parallelcheck
from archiver.verification.checker import verify
from archiver.verification.expected import warcinfo_expected
from archiver.verification.parallel import check_in_parallel
from archiver.verification.report import Report
from archiver.warc.records import NAMESPACE, record_id

PACKAGED = datetime(2024, 1, 1, tzinfo=UTC)
HEADER = ("- batch: perf-test\n\n| file | title | source | language | captured |\n"
          "|---|---|---|---|---|\n")


def _seeds(folder: Path, *, big: int = 0) -> Path:
    rows = []
    for number in range(40):
        text = (f"seed {number % 30} " * (50 + number % 30 * 37)).encode()  # some repeat: revisits
        name = f"d{number % 3}/s{number:02d}.txt"
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(text)
        rows.append(f"| {name} | Seed {number} | test | en | 2023-05-0{1 + number % 9} |")
    if big:
        (folder / "big.bin").write_bytes(bytes(range(256)) * (big // 256))
        rows.append("| big.bin | Big | test | und | unknown |")
    (folder / "INDEX.md").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _seeds(tmp_path_factory.mktemp("seeds"), big=9 << 20)


@pytest.fixture(scope="module")
def packed(seeds: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    outs = {}
    for jobs in (1, 2, 3, None):
        out = tmp_path_factory.mktemp(f"out{jobs}")
        pack(seeds, out_dir=out, packaged=PACKAGED, jobs=jobs)
        outs[str(jobs)] = out
    return outs


@pytest.mark.parametrize("name", ["perf-test.warc.gz", "perf-test.manifest.json",
                                  "perf-test.manifest.json.sha256"])
def test_every_jobs_gives_the_same_bytes(packed: dict[str, Path], name: str) -> None:
    first = (packed["1"] / name).read_bytes()
    for jobs in ("2", "3", "None"):  # 3: more workers than this machine's two cores
        assert (packed[jobs] / name).read_bytes() == first, jobs


def test_streamed_manifest_is_canonical(packed: dict[str, Path]) -> None:
    data = (packed["1"] / "perf-test.manifest.json").read_bytes()
    document = json.loads(data)
    assert pretty(document) == data
    assert snapshot_id(document) == document["snapshot_id"]
    assert not list(Draft202012Validator(schema.manifest_schema()).iter_errors(document))
    assert any(seed["duplicate_of"] for seed in document["seeds"])


def test_compression_changes_no_digest(seeds: Path, packed: dict[str, Path],
                                       tmp_path: Path) -> None:
    pack(seeds, out_dir=tmp_path, packaged=PACKAGED, jobs=2, compression="zlib-6")
    ours = json.loads((tmp_path / "perf-test.manifest.json").read_bytes())
    theirs = json.loads((packed["1"] / "perf-test.manifest.json").read_bytes())
    assert ours["snapshot_id"] == theirs["snapshot_id"]
    assert [s["sha256"] for s in ours["seeds"]] == [s["sha256"] for s in theirs["seeds"]]
    assert "zlib" in ours["warc_files"][0]["compression"]
    assert verify(tmp_path / "perf-test.manifest.json", jobs=2).ok


@pytest.mark.parametrize("jobs", [1, 2])
def test_verify_in_parallel(packed: dict[str, Path], jobs: int) -> None:
    report = verify(packed["1"] / "perf-test.manifest.json", jobs=jobs)
    assert report.ok, report.problems
    assert report.records_checked == 1 + 2 * 41


# What `archiver verify` never needs: the packer's detectors, INDEX.md's language tags, SSH.
PACK_ONLY = ("archiver.packing.packer", "archiver.detect.findings", "langcodes",
             "hanzidentifier", "charset_normalizer", "pygfried", "archiver.seeds.index_file",
             "cryptography")


def test_verify_loads_none_of_the_packers_modules(packed: dict[str, Path]) -> None:
    """`archiver verify` (as `python -m archiver` runs it) checks a snapshot without importing
    what only pack, add and --signature use; `pack` through the API still finds them."""
    manifest = packed["1"] / "perf-test.manifest.json"
    probe = ("import runpy, sys\n"
             f"sys.argv = ['archiver', 'verify', {str(manifest)!r}, '--jobs', '2']\n"
             "try:\n    runpy.run_module('archiver', run_name='__main__')\n"
             "except SystemExit as end:\n    code = end.code\n"
             f"print(code, sorted(set({PACK_ONLY!r}) & set(sys.modules)), file=sys.stderr)\n"
             "import archiver\nprint(archiver.pack.__module__, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stderr.splitlines()[-2:] == ["0 []", "archiver.packing.packer"], done.stderr
    assert "perf-test.manifest.json: 41 seeds, 83 records read: OK" in done.stdout


def _prove(manifest: Path, warc: Path, jobs: int, between: Any = None) -> Any:
    """The streamed proof as verify runs it (`between` runs after the first read)."""
    with ManifestFile(manifest) as opened:
        plan = parallelcheck.Plan()
        scanned = scan(opened, plan.add)
        if between is not None:
            between()
        links = [Link(manifest, scanned.digest.sha256, scanned.top)]  # type: ignore[arg-type]
        warcinfo = warcinfo_expected(scanned.top, Report("", False))  # type: ignore[arg-type]
        return check_in_parallel(opened, scanned, plan, links, warc, warcinfo, jobs,
                                 pooled=jobs > 1)


@pytest.mark.parametrize("chunk_seeds", [1, 7, 500])
@pytest.mark.parametrize("jobs", [1, 2])
def test_workers_prove_an_intact_warc_whole_and_nothing_else(
        packed: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        chunk_seeds: int, jobs: int) -> None:
    """The streamed proof answers for intact files (in chunks of any size, in workers or in
    this process), None at any damage, and None if the manifest changes between its reads."""
    monkeypatch.setattr(parallelcheck, "CHUNK_SEEDS", chunk_seeds)
    manifest = packed["1"] / "perf-test.manifest.json"
    document = json.loads(manifest.read_text(encoding="utf-8"))
    entry = document["warc_files"][0]
    found = _prove(manifest, packed["1"] / entry["name"], jobs)
    assert found is not None
    assert (found[0], found[1].sha256, found[2]) == (1 + 2 * 41, entry["sha256"],
                                                     document["snapshot_id"])
    data = bytearray((packed["1"] / entry["name"]).read_bytes())
    for offset in (0, len(data) // 3, len(data) - 1):
        damaged = tmp_path / f"at{offset}.warc.gz"
        damaged.write_bytes(bytes(data[:offset]) + bytes([data[offset] ^ 1]) + bytes(data[offset + 1:]))
        assert _prove(manifest, damaged, jobs) is None
    copy = tmp_path / "copy.manifest.json"
    copy.write_bytes(text := manifest.read_bytes())
    at = text.rindex(b'"title": "') + len(b'"title": "')

    def rewrite_in_place() -> None:  # the same length, the same entries, another title
        with open(copy, "r+b") as stream:
            stream.seek(at)
            stream.write(bytes([text[at] ^ 1]))

    assert _prove(copy, packed["1"] / entry["name"], jobs) is not None
    assert _prove(copy, packed["1"] / entry["name"], jobs, rewrite_in_place) is None


def by_path(document: dict) -> dict[str, dict]:
    return {seed["path"]: seed for seed in document["seeds"]}


def _flip_warc_byte(folder: Path) -> None:
    warc = folder / "perf-test.warc.gz"
    data = bytearray(warc.read_bytes())
    data[len(data) // 2] ^= 0xFF
    warc.write_bytes(bytes(data))


def _edit_last_seed(change: Any) -> Any:
    def edit(folder: Path) -> None:
        path = folder / "perf-test.manifest.json"
        document = json.loads(path.read_text(encoding="utf-8"))
        change(document["seeds"][-1], document)
        path.write_bytes(pretty(document))
    return edit


@pytest.mark.parametrize("damage", [
    _flip_warc_byte,
    _edit_last_seed(lambda seed, _: seed.update(title="retitled")),  # snapshot id, metadata
    _edit_last_seed(lambda seed, _: seed.update(bytes=-1)),  # breaks the schema
    _edit_last_seed(lambda seed, doc: seed.update(path=doc["seeds"][0]["path"])),  # listed twice
    _edit_last_seed(lambda seed, _: seed["records"][1].update(offset=0)),  # out of place
    _edit_last_seed(lambda seed, _: seed.pop("path")),  # the schema, before any worker
    _edit_last_seed(lambda seed, _: seed.update(duplicate_of=5)),
], ids=["warc-byte", "title", "schema", "duplicate-path", "offset", "no-path", "duplicate-int"])
def test_damage_is_reported_the_same_for_every_jobs(packed: dict[str, Path], tmp_path: Path,
                                                    damage: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """On several cores the workers check even this small WARC (as they would a large one);
    an entry that breaks the schema is named as one core names it, never a traceback."""
    monkeypatch.setattr(checker, "worth_workers", lambda plan: True)
    for name in ("perf-test.warc.gz", "perf-test.manifest.json", "perf-test.manifest.json.sha256"):
        (tmp_path / name).write_bytes((packed["1"] / name).read_bytes())
    damage(tmp_path)
    reports = [verify(tmp_path / "perf-test.manifest.json", jobs=jobs) for jobs in (1, 2)]
    assert not reports[0].ok
    assert reports[0].problems == reports[1].problems
    assert reports[0].to_json() == reports[1].to_json()


def test_a_number_with_a_fraction_is_named_not_a_traceback(
        packed: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`"bytes": 4850.0` meets the schema (JSON Schema counts it an integer), but no snapshot id
    can be derived over it: verify names it on every core count, and no command acts on it."""
    monkeypatch.setattr(checker, "worth_workers", lambda plan: True)
    (tmp_path / "perf-test.warc.gz").write_bytes((packed["1"] / "perf-test.warc.gz").read_bytes())
    text = (packed["1"] / "perf-test.manifest.json").read_text(encoding="utf-8")
    size = json.loads(text)["seeds"][-1]["bytes"]
    at = text.rindex(f'"bytes": {size},')
    data = (text[:at] + f'"bytes": {size}.0,' + text[at + len(f'"bytes": {size},'):]).encode()
    manifest = tmp_path / "perf-test.manifest.json"
    manifest.write_bytes(data)
    (tmp_path / "perf-test.manifest.json.sha256").write_text(
        f"{hashlib.sha256(data).hexdigest()}  perf-test.manifest.json\n")
    reports = [verify(manifest, jobs=jobs).to_json() for jobs in (1, 2)]
    assert reports[0] == reports[1]
    assert [(p["code"], p["message"]) for p in reports[0]["problems"]] == [
        ("manifest-unreadable", f"not a manifest (the number {size}.0 has a fraction or an "
                                "exponent: a manifest's numbers are integers)")]
    with pytest.raises(DamageError, match="has a fraction"):
        load_manifest(manifest)


def test_warcio_reads_the_output(packed: dict[str, Path]) -> None:
    result = subprocess.run([sys.executable, "-m", "warcio.cli", "check",
                             str(packed["1"] / "perf-test.warc.gz")], capture_output=True)
    assert result.returncode == 0, result.stdout


def test_records_text_matches_the_generic_form() -> None:
    records = [{"type": "resource", "id": "<urn:uuid:x>", "warc_file": "a.warc.gz", "offset": 0,
                "length": 10, "sha256": "0" * 64},
               {"type": "metadata", "id": "<urn:uuid:y>", "warc_file": "a.warc.gz",
                "offset": 10, "length": 5, "sha256": "f" * 64}]
    assert records_text(records) == indented(records, 3)


def _broken(document: dict) -> list[dict]:
    variants = []
    for change in (
        lambda d: d.pop("snapshot_id"),
        lambda d: d.update(schema_version="2.0"),
        lambda d: d["seeds"][0].update(sha256="XYZ"),
        lambda d: d["seeds"][0].update(bytes=-1),
        lambda d: d["seeds"][0].update(media_type="text/pl$ain"),
        lambda d: d["seeds"][0]["records"].append(d["seeds"][0]["records"][0]),
        lambda d: d["seeds"][0]["records"][1].update(type="resource"),
        lambda d: d["seeds"][0]["records"][0].update(type="metadata"),
        lambda d: d["seeds"][0].update(extra_field=1),
        lambda d: d["warc_files"][0].update(compression=""),
        lambda d: d["warc_files"][0]["warcinfo"].update(id="<urn:uuid:nope>"),
        lambda d: d["batch"].update(id="Bad Id"),
        lambda d: d.update(packaged="2024-01-01"),
        # `const`s, which the compiled check words as one-value `enum`s
        lambda d: d["generator"].update(name="warcit"),
        lambda d: d["seeds"][0].update(title_source="index"),
        lambda d: d["seeds"][0].update(title_source=None),
    ):
        variant = copy.deepcopy(document)
        change(variant)
        variants.append(variant)
    return variants


def test_compiled_validator_agrees_with_jsonschema(packed: dict[str, Path]) -> None:
    document = json.loads((packed["1"] / "perf-test.manifest.json").read_bytes())
    reference = Draft202012Validator(schema.manifest_schema())
    whole = schema.manifest_schema()
    seed_reference = Draft202012Validator({"$schema": whole["$schema"], "$defs": whole["$defs"],
                                           "$ref": "#/$defs/seed"})
    for variant in [document, *_broken(document)]:
        assert schema.is_valid(variant) == reference.is_valid(variant), variant
        # the seed check is the whole check's own function for a seed entry
        seed = variant["seeds"][0]
        assert schema.is_valid_seed(seed) == seed_reference.is_valid(seed), seed
    broken = _broken(document)
    assert sum(not schema.is_valid(variant) for variant in broken) >= len(broken) - 1
    assert schema.seed_errors(document["seeds"][0]) == []
    assert schema.seed_errors({**document["seeds"][0], "bytes": "x"})


@pytest.mark.parametrize("parts", [("resource", "b", "urn:x-archiver:b:a.txt", "sha256:" + "0" * 64),
                                   ("metadata", "b", "urn:x-archiver:b:%C3%A9\u00e9\U0001f600", ""),
                                   ("warcinfo",)])
def test_record_id_is_uuid5(parts: tuple[str, ...]) -> None:
    assert record_id(*parts) == f"<urn:uuid:{uuid.uuid5(NAMESPACE, chr(10).join(parts))}>"


def test_header_values_are_checked_one_by_one_on_failure() -> None:
    check_header_values(["a", "b c", "\u00e9"])
    with pytest.raises(ValueError, match=re.escape("control character in 'b\\nc'")):
        check_header_values(["a", "b\nc", "d\x00"])


def _many_seeds_packed(root: Path, count: int) -> Path:
    files = {f"d{i // 400:02d}/s{i:05d}.txt":  # 3 KB that deflate halves: a WARC over 1 MiB
             " ".join(hashlib.sha256(f"{i}.{j}".encode()).hexdigest() for j in range(45)).encode()
             for i in range(count)}
    out = root / f"out{count}"
    pack(make_seeds(root / f"seeds{count}", files), out_dir=out, packaged=PACKAGED, jobs=2)
    return out / "test-batch.manifest.json"


def _verify_peak(manifest: Path) -> int:
    """The most memory Python held at once while verifying (one core: all in this process)."""
    tracemalloc.start()
    try:
        report = verify(manifest, jobs=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.ok, report.problems
    assert report.records_checked == 1 + 2 * len(report.seeds)
    return peak


def test_verify_holds_no_seed_entry_so_memory_does_not_grow_with_the_manifest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15's goal: verify's memory grows by at most 1 KiB a seed. The manifest is read as a
    stream (its entries a chunk at a time), so 1,800 more seeds cost a few hundred bytes each
    (every seed's path, where its entry lies); the manifest held whole cost 7 KiB a seed. The
    chunks and blocks are made small, so that what one chunk or block holds does not hide the
    growth."""
    monkeypatch.setattr(parallelcheck, "CHUNK_SEEDS", 50)
    monkeypatch.setattr(streamed, "BLOCK", 64 << 10)  # so that the smaller manifest fills it too
    small, large = (_many_seeds_packed(tmp_path, count) for count in (600, 2_400))
    schema.compile_now()  # once a process, whatever the manifest: not growth
    peaks = [_verify_peak(manifest) for manifest in (small, large)]
    growth = (peaks[1] - peaks[0]) / 1_800
    print(f"verify memory growth: {growth:.0f} bytes a seed")
    assert growth < 1024, f"{growth:.0f} bytes a seed"
    assert large.stat().st_size > 1_800 * 1024  # the entries alone would exceed the bound
