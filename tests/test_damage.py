"""verify exits 1 and names the damage; extract refuses damaged seeds."""

from __future__ import annotations

import gzip
import json
import shutil
import zlib
from pathlib import Path

import pytest
from conftest import make_seeds, pack, run

WARC = "test-batch.warc.gz"


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    seeds = make_seeds(tmp_path / "seeds", {
        "alpha.txt": b"alpha " * 200 + b"\n",
        "beta.txt": "beta βήτα\n".encode() * 50,
        "gamma.txt": b"gamma\n",
    })
    return pack(seeds, tmp_path / "out")


def members(manifest: Path) -> list[tuple[int, int, str | None]]:
    """(offset, length, seed path) of every record, in file order."""
    document = json.loads(manifest.read_text())
    info = document["warc_files"][0]["warcinfo"]
    found = [(info["offset"], info["length"], None)]
    for seed in document["seeds"]:
        found += [(r["offset"], r["length"], seed["path"]) for r in seed["records"]]
    return sorted(found)


def rewrite_member(warc: Path, offset: int, length: int, change) -> None:
    """Decompress one member, change its bytes, recompress it in place (a 'clean' forgery)."""
    data = warc.read_bytes()
    record = change(gzip.decompress(data[offset:offset + length]))
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = compressor.compress(record) + compressor.flush()
    warc.write_bytes(data[:offset] + member + data[offset + length:])


def verify_fails(manifest: Path, *needles: str) -> str:
    result = run("verify", manifest)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stdout, (needle, result.stdout)
    return result.stdout


def test_intact_snapshot_verifies_also_after_moving(snapshot, tmp_path):
    assert run("verify", snapshot).returncode == 0
    moved = shutil.copytree(snapshot.parent, tmp_path / "moved" / "elsewhere")
    result = run("verify", moved / snapshot.name)
    assert result.returncode == 0, result.stdout
    assert run("verify", moved / snapshot.name, "--fast").returncode == 0


def test_flipped_byte_in_a_payload_is_named(snapshot):
    offset, length, seed = members(snapshot)[3]  # beta.txt's resource record
    assert seed == "beta.txt"
    rewrite_member(snapshot.with_name(WARC), offset, length,
                   lambda record: record.replace("βήτα".encode(), "βήτα".encode()[:-1] + b"X", 1))
    out = verify_fails(snapshot, "beta.txt: FAILED", "seed-digest", "alpha.txt: OK", "warc-sha256")
    # gamma's records are intact but now sit at other offsets: reported as moved, not as damaged
    assert "seed-digest" not in out.split("gamma.txt")[1]


def test_flipped_byte_in_a_warc_header_is_named(snapshot):
    offset, length, seed = members(snapshot)[1]
    rewrite_member(snapshot.with_name(WARC), offset, length,
                   lambda record: record.replace(b"WARC-Date: 2021", b"WARC-Date: 2022", 1))
    verify_fails(snapshot, f"{seed}: FAILED", "record-header", "WARC-Date")


def test_raw_flipped_byte_in_the_compressed_warc_is_caught(snapshot):
    warc = snapshot.with_name(WARC)
    offset, length, seed = members(snapshot)[1]
    data = bytearray(warc.read_bytes())
    data[offset + length // 2] ^= 0x01
    warc.write_bytes(bytes(data))
    verify_fails(snapshot, f"{seed}: FAILED", "warc-sha256")


def test_flipped_byte_in_the_manifest_is_caught(snapshot):
    data = bytearray(snapshot.read_bytes())
    data[data.index(b'"gamma.txt"') + 2] ^= 0x01
    snapshot.write_bytes(bytes(data))
    verify_fails(snapshot, "sidecar-mismatch")


def test_deleted_record_is_named(snapshot):
    warc = snapshot.with_name(WARC)
    offset, length, seed = members(snapshot)[4]  # beta.txt's metadata record
    data = warc.read_bytes()
    warc.write_bytes(data[:offset] + data[offset + length:])
    verify_fails(snapshot, "beta.txt: FAILED", "record-missing", "metadata record")


def test_swapped_records_are_named(snapshot):
    warc = snapshot.with_name(WARC)
    (o1, l1, s1), (o2, l2, s2) = members(snapshot)[1], members(snapshot)[3]
    data = warc.read_bytes()
    first, second = data[o1:o1 + l1], data[o2:o2 + l2]
    middle = data[o1 + l1:o2]
    warc.write_bytes(data[:o1] + second + middle + first + data[o2 + l2:])
    verify_fails(snapshot, f"{s1}: FAILED", f"{s2}: FAILED", "record-misplaced")


@pytest.mark.parametrize("where", ["boundary", "inside"])
def test_truncated_warc_is_caught(snapshot, where):
    warc = snapshot.with_name(WARC)
    offset, length, seed = members(snapshot)[-1]
    cut = offset if where == "boundary" else offset + length // 2
    warc.write_bytes(warc.read_bytes()[:cut])
    verify_fails(snapshot, f"{seed}: FAILED", "warc-size")


@pytest.mark.parametrize("extra", [b"garbage", b"\0" * 512, gzip.compress(b"WARC/1.1\r\n\r\n")])
def test_appended_bytes_are_caught(snapshot, extra):
    warc = snapshot.with_name(WARC)
    warc.write_bytes(warc.read_bytes() + extra)
    verify_fails(snapshot, "warc-size", "warc-sha256")


def test_missing_warc_is_reported(snapshot):
    snapshot.with_name(WARC).unlink()
    verify_fails(snapshot, "warc-missing", "alpha.txt: FAILED")


def test_fast_mode_says_it_checks_no_fixity(snapshot):
    result = run("verify", snapshot, "--fast")
    assert result.returncode == 0
    assert "no fixity check" in result.stdout


def test_json_report_lists_problems_with_codes(snapshot):
    warc = snapshot.with_name(WARC)
    warc.write_bytes(warc.read_bytes() + b"x")
    result = run("verify", snapshot, "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert {"warc-size", "warc-sha256"} <= {p["code"] for p in report["problems"]}


def test_changed_original_seed_is_named(snapshot, tmp_path):
    (tmp_path / "seeds" / "gamma.txt").write_bytes(b"gamma!\n")
    result = run("verify", snapshot, "--seeds", tmp_path / "seeds")
    assert result.returncode == 1
    assert "gamma.txt: FAILED" in result.stdout and "seeds-differs" in result.stdout


def test_extract_refuses_a_damaged_seed_and_writes_nothing(snapshot, tmp_path):
    offset, length, seed = members(snapshot)[1]
    rewrite_member(snapshot.with_name(WARC), offset, length, lambda r: r[:-10] + b"XXXXXX\r\n\r\n")
    result = run("extract", snapshot, seed, "--to", tmp_path / "restored")
    assert result.returncode == 1, result.stderr
    assert seed in result.stderr and "Traceback" not in result.stderr
    assert not any(p.is_file() for p in (tmp_path / "restored").rglob("*"))


def test_unusable_manifest_path_exits_2(tmp_path):
    result = run("verify", tmp_path / "nope.manifest.json")
    assert result.returncode == 2
    assert "nope.manifest.json" in result.stderr and "Traceback" not in result.stderr


def test_control_characters_in_a_crafted_manifest_never_reach_the_terminal(snapshot):
    import hashlib

    text = snapshot.read_text().replace('"Title of gamma.txt"', '"\\u001b]0;pwned\\u0007 gamma"')
    snapshot.write_text(text)
    digest = hashlib.sha256(snapshot.read_bytes()).hexdigest()
    snapshot.with_name(snapshot.name + ".sha256").write_text(f"{digest}  {snapshot.name}\n")
    for command in ("show", "verify"):
        result = run(command, snapshot)
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    shown = run("show", snapshot)  # its metadata record's id no longer follows: refused (L9)
    assert shown.returncode == 1 and "disagrees with itself" in shown.stderr
