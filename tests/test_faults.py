"""Damage is always caught, and named: fault injection on packed snapshots.

Single-byte changes run in process on a copy (`verify()` per change), exhaustively over every byte
of a small snapshot's WARC, manifest and sidecar, and at seeded random positions in a larger one.
Structural damage (truncation, deleted, duplicated, reordered or appended records, a re-compressed
or swapped WARC) is checked the same way; a handful of cases go through the real CLI.
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
import zlib
from pathlib import Path

import pytest
from faultlib import (
    Snapshot,
    assert_one_line_error,
    flipped,
    make_seeds,
    pack_snapshot,
    run_cli,
    small_snapshot,
)

from archiver.base.digests import sha256_hex
from archiver.formats.canonical_json import pretty
from archiver.manifest.files import sidecar_text
from archiver.verification.checker import Report


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    return small_snapshot(tmp_path_factory.mktemp("small"))


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    rng = random.Random(6)
    files = {f"doc{n:02}.txt": ("word " * rng.randint(100, 3000) + str(n)).encode()
             for n in range(12)}
    files["noise.bin"] = rng.randbytes(300_000)
    files["same.bin"] = files["noise.bin"]
    root = tmp_path_factory.mktemp("large")
    return pack_snapshot(make_seeds(root / "seeds", files), root / "out")


@pytest.fixture
def work(small: Snapshot, tmp_path: Path) -> Snapshot:
    return small.copy_to(tmp_path / "work")


def owner(snapshot: Snapshot, position: int) -> tuple[int, str | None]:
    """The offset and seed (None: warcinfo) of the record holding byte `position`."""
    for offset, length, seed in snapshot.placements():
        if offset <= position < offset + length:
            return offset, seed
    raise AssertionError(f"no record holds byte {position}")


def names_record(report: Report, offset: int, seed: str | None) -> bool:
    """The report blames the record at `offset`: through its seed, or (warcinfo) its position."""
    if seed is not None:
        return any(problem.seed == seed for problem in report.problems)
    return any(problem.where.endswith(f"@{offset}") or problem.code == "warcinfo-mismatch"
               for problem in report.problems)


def check_warc_flips(snapshot: Snapshot, target: Snapshot, positions: list[int]) -> int:
    data = snapshot.warc.read_bytes()
    for position in positions:
        target.warc.write_bytes(flipped(data, position))
        report = target.verify()
        offset, seed = owner(snapshot, position)
        assert not report.ok, f"WARC byte {position} changed, verify passed"
        assert names_record(report, offset, seed), (position, seed, report.problems)
    return len(positions)


def check_file_flips(data: bytes, path: Path, target: Snapshot, positions: list[int],
                     masks: tuple[int, ...] = (0xFF,)) -> int:
    """Every change to the manifest or sidecar is caught, and the sidecar check names it."""
    tried = 0
    for position in positions:
        for mask in masks:
            path.write_bytes(flipped(data, position, mask))
            report = target.verify()
            assert any(p.code == "sidecar-mismatch" for p in report.problems), (position, mask)
            tried += 1
    path.write_bytes(data)
    return tried


# -- every byte of a small snapshot --------------------------------------------------------------

def test_every_warc_byte_flip_is_caught_and_names_its_record(small: Snapshot, work: Snapshot):
    size = small.warc.stat().st_size
    assert check_warc_flips(small, work, list(range(size))) == size > 3000


def test_every_manifest_byte_flip_is_caught(small: Snapshot, work: Snapshot):
    data = small.manifest.read_bytes()
    assert check_file_flips(data, work.manifest, work, list(range(len(data)))) == len(data)


def test_every_sidecar_byte_change_is_caught(small: Snapshot, work: Snapshot):
    data = small.sidecar.read_bytes()
    masks = (0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xFF, 0x07)  # incl. LF -> CR, VT, FF
    tried = check_file_flips(data, work.sidecar, work, list(range(len(data))), masks)
    assert tried == len(data) * len(masks)


def test_warcinfo_flip_is_named_by_position(small: Snapshot, work: Snapshot):
    work.warc.write_bytes(flipped(small.warc.read_bytes(), 100))
    report = work.verify()
    assert any(p.where == f"{work.warc.name}@0" for p in report.problems), report.problems


@pytest.mark.parametrize("field", range(4, 10))  # MTIME (4 bytes), XFL, OS: zlib ignores them
def test_gzip_header_bytes_that_zlib_ignores_name_the_record(small: Snapshot, work: Snapshot,
                                                              field: int):
    data = small.warc.read_bytes()
    for offset, _, seed in small.placements():
        work.warc.write_bytes(flipped(data, offset + field, 0x01))
        report = work.verify()
        codes = {(p.code, p.seed) for p in report.problems}
        assert ("record-member", seed) in codes, codes


# -- seeded random positions in a larger snapshot ------------------------------------------------

def test_random_warc_flips_in_a_larger_snapshot(large: Snapshot, tmp_path: Path):
    rng = random.Random(1)
    size = large.warc.stat().st_size
    positions = sorted(rng.sample(range(size), 300)) + [size - 1]
    assert check_warc_flips(large, large.copy_to(tmp_path), positions) == 301


def test_random_manifest_flips_in_a_larger_snapshot(large: Snapshot, tmp_path: Path):
    target = large.copy_to(tmp_path)
    data = large.manifest.read_bytes()
    positions = random.Random(2).sample(range(len(data)), 100)
    assert check_file_flips(data, target.manifest, target, positions) == 100


# -- structural damage ---------------------------------------------------------------------------

def members(snapshot: Snapshot) -> list[bytes]:
    data = snapshot.warc.read_bytes()
    return [data[offset:offset + length] for offset, length, _ in snapshot.placements()]


def record_seeds(snapshot: Snapshot) -> list[str | None]:
    return [seed for _, _, seed in snapshot.placements()]


def cut_points(snapshot: Snapshot) -> list[int]:
    points = []
    for offset, length, _ in snapshot.placements():
        points += [offset, offset + 1, offset + 10, offset + length // 2, offset + length - 1]
    return sorted(set(points) - {0})


def test_truncation_at_and_between_record_boundaries(small: Snapshot, work: Snapshot):
    data = small.warc.read_bytes()
    for cut in [0] + cut_points(small):
        work.warc.write_bytes(data[:cut])
        report = work.verify()
        assert not report.ok, cut
        lost = [(o, s) for o, length, s in small.placements() if o + length > cut]
        for offset, seed in lost:
            assert names_record(report, offset, seed), (cut, seed, report.problems)


@pytest.mark.parametrize("index", range(7))
def test_deleted_record_is_named(small: Snapshot, work: Snapshot, index: int):
    parts = members(small)
    work.warc.write_bytes(b"".join(parts[:index] + parts[index + 1:]))
    report = work.verify()
    offset, _, seed = small.placements()[index]
    assert names_record(report, offset, seed), report.problems


@pytest.mark.parametrize("index", range(7))
def test_duplicated_record_is_named(small: Snapshot, work: Snapshot, index: int):
    parts = members(small)
    work.warc.write_bytes(b"".join(parts[:index + 1] + parts[index:]))
    report = work.verify()
    seed = record_seeds(small)[index]
    assert any(p.code in ("record-duplicate", "record-misplaced") and p.seed == seed
               for p in report.problems), report.problems


@pytest.mark.parametrize("index", range(6))
def test_swapped_neighbour_records_are_named(small: Snapshot, work: Snapshot, index: int):
    parts = members(small)
    parts[index], parts[index + 1] = parts[index + 1], parts[index]
    work.warc.write_bytes(b"".join(parts))
    report = work.verify()
    for offset, _, seed in small.placements()[index:index + 2]:
        if seed is not None:
            assert any(p.code == "record-misplaced" and p.seed == seed for p in report.problems)
    assert not report.ok


APPENDED = {
    "one zero byte": b"\0",
    "zero padding": b"\0" * 512,
    "text": b"hello\n",
    "an empty gzip member": gzip.compress(b"", mtime=0),
    "a gzip member holding junk": gzip.compress(b"WARC/1.1\r\n", mtime=0),
}


@pytest.mark.parametrize("label", sorted(APPENDED))
def test_appended_bytes_are_caught(small: Snapshot, work: Snapshot, label: str):
    work.warc.write_bytes(small.warc.read_bytes() + APPENDED[label])
    report = work.verify()
    assert {"warc-trailing", "warc-size"} <= {p.code for p in report.problems}, report.problems


def test_appended_copy_of_a_record_is_caught(small: Snapshot, work: Snapshot):
    work.warc.write_bytes(small.warc.read_bytes() + members(small)[1])
    report = work.verify()
    assert any(p.code == "record-duplicate" and p.seed == "a.txt" for p in report.problems)


def recompress(member: bytes, level: int) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    return compressor.compress(gzip.decompress(member)) + compressor.flush()


@pytest.mark.parametrize("level", [1, 6])
def test_recompressed_warc_is_caught_and_each_record_named(small: Snapshot, work: Snapshot,
                                                           level: int):
    work.warc.write_bytes(b"".join(recompress(part, level) for part in members(small)))
    report = work.verify()
    for seed in {s for s in record_seeds(small) if s}:
        assert any(p.seed == seed for p in report.problems), (seed, report.problems)


def test_warc_recompressed_as_one_member_is_caught(small: Snapshot, work: Snapshot):
    work.warc.write_bytes(gzip.compress(gzip.decompress(small.warc.read_bytes()), mtime=0))
    assert not work.verify().ok


def test_warc_swapped_for_another_snapshots_is_caught(small: Snapshot, work: Snapshot,
                                                      tmp_path: Path):
    other = small_snapshot(tmp_path / "other", {"a.txt": b"other bytes\n", "b.bin": b"b"})
    shutil.copyfile(other.warc, work.warc)
    report = work.verify()
    assert not report.ok
    assert {p.seed for p in report.problems} >= {"a.txt", "b.bin", "c.txt"}


# -- a manifest edited into another valid manifest -----------------------------------------------

def edit(document: dict, change: str) -> None:
    seed = document["seeds"][1]  # b.bin
    if change == "title":
        seed["title"] += " (edited)"
    elif change == "sha256":
        seed["sha256"] = "0" * 64
    elif change == "bytes":
        seed["bytes"] += 1
    elif change == "media_type":
        seed["media_type"] = "text/plain"
    elif change == "offset":
        seed["records"][0]["offset"] += 1
    elif change == "member-sha256":
        seed["records"][1]["sha256"] = "0" * 64
    elif change == "captured":
        seed["captured"]["value"] = "2021-03-19"
    elif change == "captured-invalid":
        seed["captured"]["value"] = "2021-03-18x"
    elif change == "title-with-newline":
        seed["title"] = "injected\r\nWARC-Type: resource"
    elif change == "duplicate_of":
        seed["duplicate_of"] = dict(document["seeds"][2]["duplicate_of"])


EDITS = ["title", "sha256", "bytes", "media_type", "offset", "member-sha256", "captured",
         "captured-invalid", "title-with-newline", "duplicate_of"]


@pytest.mark.parametrize("resign", [True, False], ids=["sidecar-remade", "sidecar-kept"])
@pytest.mark.parametrize("change", EDITS)
def test_valid_but_edited_manifest_names_the_seed(work: Snapshot, change: str, resign: bool):
    document = work.document
    edit(document, change)
    data = pretty(document)
    work.manifest.write_bytes(data)
    if resign:
        work.sidecar.write_text(sidecar_text(work.manifest.name, sha256_hex(data)))
    report = work.verify()
    assert any(p.seed == "b.bin" for p in report.problems), report.problems
    assert resign or any(p.code == "sidecar-mismatch" for p in report.problems)


# -- no false alarms -----------------------------------------------------------------------------

def test_intact_snapshot_verifies_everywhere(small: Snapshot, tmp_path: Path):
    assert small.verify().ok
    moved = tmp_path / "elsewhere" / "deeper"
    moved.parent.mkdir()
    shutil.copytree(small.folder, moved)
    relocated = Snapshot(moved, moved / small.manifest.name, moved / small.sidecar.name,
                         moved / small.warc.name)
    assert relocated.verify().ok
    apart = tmp_path / "warcs"
    apart.mkdir()
    shutil.move(relocated.warc, apart / relocated.warc.name)
    assert relocated.verify(warc=apart).ok
    assert relocated.verify(warc=apart / relocated.warc.name).ok
    result = run_cli("verify", relocated.manifest, "--warc", apart, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_large_intact_snapshot_verifies(large: Snapshot):
    report = large.verify()
    assert report.ok and report.records_checked == 29


# -- the real CLI: exit 1 and the damaged thing named --------------------------------------------

@pytest.mark.parametrize("what", ["warc-byte", "gzip-mtime", "zero-padding", "manifest-byte",
                                  "sidecar-byte", "truncated"])
def test_cli_reports_damage_with_exit_1(small: Snapshot, work: Snapshot, what: str):
    warc, offset_b = small.warc.read_bytes(), small.placements()[3][0]
    if what == "warc-byte":
        work.warc.write_bytes(flipped(warc, offset_b + 200))
    elif what == "gzip-mtime":
        work.warc.write_bytes(flipped(warc, offset_b + 5))
    elif what == "zero-padding":
        work.warc.write_bytes(warc + b"\0" * 100)
    elif what == "manifest-byte":
        work.manifest.write_bytes(flipped(small.manifest.read_bytes(), 300))
    elif what == "sidecar-byte":
        work.sidecar.write_bytes(flipped(small.sidecar.read_bytes(), 10))
    else:
        work.warc.write_bytes(warc[:offset_b + 100])
    result = run_cli("verify", work.manifest)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stderr == ""
    if what in ("warc-byte", "gzip-mtime", "truncated"):
        assert "b.bin: FAILED" in result.stdout
    verdict = result.stdout.splitlines()[-1]
    assert "FAILED" in verdict
    as_json = json.loads(run_cli("verify", work.manifest, "--json").stdout)
    assert as_json["ok"] is False and as_json["problems"]


def test_cli_extract_refuses_a_damaged_record(small: Snapshot, work: Snapshot, tmp_path: Path):
    offset_b = small.placements()[3][0]
    work.warc.write_bytes(flipped(small.warc.read_bytes(), offset_b + 200))
    result = run_cli("extract", work.manifest, "--to", tmp_path / "restored", "b.bin")
    assert "b.bin" in assert_one_line_error(result, 1)
    assert not (tmp_path / "restored" / "b.bin").exists()
    assert not [p for p in (tmp_path / "restored").iterdir()]
