"""The event log beside a snapshot: pack starts it, verify --record appends, show prints it,
verify checks its chain, and a damaged log is reported and never repaired."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

import archiver
from archiver.base.digests import sha256_hex
from archiver.manifest.events import Event, append_event, log_path, read_log
from conftest import DATE, make_seeds, pack, run

PACKAGED = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)  # conftest's DATE


@pytest.fixture
def packed(tmp_path: Path) -> Path:
    """A packed snapshot, packed in this process (the CLI's pack is tested below)."""
    seeds = make_seeds(tmp_path / "seeds", {"a.txt": b"alpha\n", "b.txt": b"beta\n"})
    return archiver.pack(seeds, out_dir=tmp_path / "out", packaged=PACKAGED, jobs=1).manifest_path


def checked(manifest: Path, number: int, outcome: str = "success") -> None:
    """Append a fixity check made in this process, as `verify --record` would."""
    append_event(log_path(manifest), Event(
        "fixity check", f"2025-01-0{number}T00:00:00Z", manifest.name, manifest_sha256(manifest),
        "sha256:x", outcome=outcome), manifest_sha256=manifest_sha256(manifest))


def lines(manifest: Path) -> list[bytes]:
    return log_path(manifest).read_bytes().splitlines(keepends=True)


def events(manifest: Path) -> list[dict]:
    return [json.loads(line) for line in lines(manifest)]


def manifest_sha256(manifest: Path) -> str:
    return sha256_hex(manifest.read_bytes())


def record(manifest: Path, *extra: str) -> subprocess.CompletedProcess:
    return run("verify", manifest, "--record", *extra)


def test_pack_writes_the_packing_event(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds", {"a.txt": b"alpha\n", "b.txt": b"beta\n"})
    packed = pack(seeds, tmp_path / "out")
    assert log_path(packed).name == "test-batch.events.jsonl"
    (event,) = events(packed)
    assert event["seq"] == 1 and event["prev"] is None
    assert (event["type"], event["outcome"], event["date"]) == ("packing", "success", DATE)
    assert event["type_uri"] == "http://id.loc.gov/vocabulary/preservation/eventType/pac"
    assert event["object"] == {"manifest": packed.name, "sha256": manifest_sha256(packed),
                               "snapshot_id": json.loads(packed.read_text())["snapshot_id"]}
    assert event["agent"]["name"] == "archiver" and event["agent"]["version"]
    assert log_path(packed).name not in packed.read_text()  # never part of the manifest


def test_repack_leaves_the_log_alone_and_the_snapshot_byte_identical(packed: Path) -> None:
    before = {path.name: path.read_bytes() for path in packed.parent.iterdir()}
    checked(packed, 1)
    log = log_path(packed).read_bytes()
    seeds = packed.parent.parent / "seeds"
    result = run("pack", seeds, "--out", packed.parent, "--date", DATE, "--quiet")
    assert result.returncode == 0, result.stderr
    after = {path.name: path.read_bytes() for path in packed.parent.iterdir()}
    assert log_path(packed).read_bytes() == log and len(log.splitlines()) == 2
    assert {k: v for k, v in after.items() if k != log_path(packed).name} == \
        {k: v for k, v in before.items() if k != log_path(packed).name}


def test_verify_record_appends_a_chained_fixity_check(packed: Path) -> None:
    result = record(packed)
    assert result.returncode == 0, result.stderr
    first, second = lines(packed)
    event = json.loads(second)
    assert event["seq"] == 2 and event["prev"] == "sha256:" + sha256_hex(first)
    assert (event["type"], event["outcome"], event["problems"]) == ("fixity check", "success", [])
    assert "full" in event["detail"]
    assert record(packed, "--fast").returncode == 0
    assert events(packed)[-1]["type"] == "validation"  # --fast checks no fixity: not a fixity check


def test_a_failed_check_is_recorded_with_its_problem_codes(packed: Path) -> None:
    warc = packed.with_name("test-batch.warc.gz")
    data = bytearray(warc.read_bytes())
    data[-40] ^= 1
    warc.write_bytes(bytes(data))
    result = record(packed)
    assert result.returncode == 1
    event = events(packed)[-1]
    assert event["outcome"] == "failure" and "warc-sha256" in event["problems"]


def test_verify_without_record_writes_nothing(packed: Path) -> None:
    before = log_path(packed).read_bytes()
    assert run("verify", packed).returncode == 0
    assert log_path(packed).read_bytes() == before


def damage(manifest: Path, how: str) -> None:
    for number in range(1, 4):
        checked(manifest, number)
    rows = lines(manifest)
    if how == "edited":
        rows[1] = rows[1].replace(b'"success"', b'"failure"')
    elif how == "removed":
        del rows[1]
    elif how == "reordered":
        rows[1], rows[2] = rows[2], rows[1]
    elif how == "first-removed":
        del rows[0]
    elif how == "torn":
        rows[-1] = rows[-1][:-10]
    elif how == "not-json":
        rows[2] = b"{oops\n"
    log_path(manifest).write_bytes(b"".join(rows))


@pytest.mark.parametrize("how,code,line", [
    ("edited", "events-chain", 3), ("removed", "events-chain", 2),
    ("reordered", "events-chain", 2), ("first-removed", "events-chain", 1),
    ("torn", "events-malformed", 4), ("not-json", "events-malformed", 3),
])
def test_verify_names_the_line_where_the_chain_breaks(packed: Path, how: str, code: str,
                                                      line: int) -> None:
    damage(packed, how)
    history = read_log(log_path(packed), manifest_sha256=manifest_sha256(packed))
    assert history is not None and not history.ok
    assert (history.damage[0].code, history.damage[0].line) == (code, line), history.damage
    if how == "removed":  # and as a user sees it
        result = run("verify", packed, "--fast")
        assert result.returncode == 1
        assert f"{log_path(packed)}:{line}: FAILED {code}: prev is" in result.stdout
        problems = json.loads(run("verify", packed, "--fast", "--json").stdout)["problems"]
        assert [(p["code"], p["where"]) for p in problems] == [(code, f"{log_path(packed)}:{line}")]


def test_a_damaged_log_is_never_appended_to_or_repaired(packed: Path) -> None:
    damage(packed, "removed")
    before = log_path(packed).read_bytes()
    result = record(packed, "--fast")
    assert result.returncode == 1
    assert "events-chain" in result.stdout  # the report says what is wrong ...
    assert "nothing was appended" in result.stderr and "Traceback" not in result.stderr
    assert log_path(packed).read_bytes() == before  # ... and the log is left as it was
    assert run("pack", packed.parent.parent / "seeds", "--out", packed.parent, "--date", DATE,
               "--quiet").returncode == 0
    assert log_path(packed).read_bytes() == before


def test_a_log_beside_another_snapshot_is_reported_and_not_replaced(packed: Path,
                                                                    tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "other", {"c.txt": b"gamma\n"})
    other = archiver.pack(seeds, out_dir=tmp_path / "o2", packaged=PACKAGED, jobs=1).manifest_path
    foreign = log_path(other).read_bytes()
    log_path(packed).write_bytes(foreign)
    problems = json.loads(run("verify", packed, "--fast", "--json").stdout)["problems"]
    assert [p["code"] for p in problems] == ["events-manifest"]
    for name in ("test-batch.warc.gz", packed.name, packed.name + ".sha256"):
        (packed.parent / name).unlink()  # the snapshot is gone; its old log is not
    again = run("pack", packed.parent.parent / "seeds", "--out", packed.parent, "--date", DATE,
                "--quiet")
    assert again.returncode == 2 and "--force" in again.stderr
    assert log_path(packed).read_bytes() == foreign
    forced = run("pack", packed.parent.parent / "seeds", "--out", packed.parent, "--date", DATE,
                 "--quiet", "--force")
    assert forced.returncode == 0, forced.stderr
    assert [event["type"] for event in events(packed)] == ["packing"]


def _append_many(args: tuple[str, str, int]) -> None:
    path, sha256, count = args
    for number in range(count):
        append_event(Path(path), Event("fixity check", f"2025-01-01T00:00:{number:02d}Z", "m.json",
                                 sha256, "sha256:x", detail=f"{path} {number}"),
               manifest_sha256=sha256)


def test_concurrent_appends_all_land_on_one_chain(packed: Path) -> None:
    sha256 = manifest_sha256(packed)
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        pool.map(_append_many, [(str(log_path(packed)), sha256, 25)] * 4)
    history = read_log(log_path(packed), manifest_sha256=sha256)
    assert history is not None and history.ok, history.damage
    assert [event["seq"] for event in history.events] == list(range(1, 102))


def test_concurrent_verify_record_from_the_command_line(packed: Path) -> None:
    runs = [subprocess.Popen([sys.executable, "-m", "archiver", "verify", str(packed), "--record",
                              "--fast"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(4)]
    outputs = [process.communicate(timeout=300) for process in runs]
    assert [process.returncode for process in runs] == [0] * 4, outputs
    assert [event["seq"] for event in events(packed)] == list(range(1, 6))
    assert run("verify", packed, "--fast").returncode == 0


def test_show_prints_the_history(packed: Path) -> None:
    assert record(packed).returncode == 0
    packed.with_name("test-batch.warc.gz").write_bytes(b"gone")
    assert record(packed).returncode == 1
    shown = run("show", packed)
    assert shown.returncode == 0, shown.stderr
    rows = shown.stdout.split("events (", 1)[1].splitlines()
    assert "packing" in rows[1] and DATE in rows[1] and "success" in rows[1]
    assert "fixity check" in rows[2] and "success" in rows[2]
    assert "fixity check" in rows[3] and "failure" in rows[3] and "warc-size" in rows[3]
    head = "sha256:" + sha256_hex(lines(packed)[-1])
    assert head in shown.stdout  # the newest line's digest, which pins the whole log


def test_sign_export_and_a_signed_check_are_recorded(packed: Path, tmp_path: Path) -> None:
    from test_share import PRINCIPAL, keygen

    key, signers = keygen(tmp_path, "id_ed25519")
    assert run("sign", packed, "--key", key, "--record").returncode == 0
    wacz = tmp_path / "s.wacz"
    assert run("export", packed, "--wacz", wacz, "--record").returncode == 0
    result = run("verify", packed, "--record", "--signature", f"{packed}.sig",
                 "--allowed-signers", signers, "--seeds", packed.parent.parent / "seeds")
    assert result.returncode == 0, result.stdout + result.stderr
    kinds = [(event["type"], event["detail"]) for event in events(packed)[1:]]
    assert kinds[0] == ("digital signature generation",
                        f"SSH signature {packed.name}.sig, namespace archiver")
    assert kinds[1] == ("exporting", "wrote s.wacz")
    assert kinds[2][0] == "fixity check" and f"signature by {PRINCIPAL} checked" in kinds[2][1]
    assert "seeds folder" in kinds[2][1]
    assert events(packed)[2]["type_uri"].endswith("/exp")
