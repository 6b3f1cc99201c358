"""Fuzzing mutated archives (seeded, bounded in count and time): verify, extract and show find
only "damaged" (exit 1) or "unusable" (exit 2), never a crash, and never restore wrong bytes."""

from __future__ import annotations

import gzip
import json
import os
import random
import time
import zlib
from pathlib import Path
from typing import Callable

import pytest
from faultlib import SMALL_SEEDS, Snapshot, run_cli, small_snapshot

from archiver.base.digests import sha256_hex
from archiver.errors import ArchiverError
from archiver.extraction.restore import extract
from archiver.formats.canonical_json import pretty
from archiver.manifest.files import sidecar_text
from archiver.manifest.loader import load_manifest as load_checked

CASES = int(os.environ.get("FAULTS_FUZZ_CASES", "2000"))  # more for a longer hunt
# Seconds: the count is the bound in practice, the time a guard on a slow machine.
BUDGET = float(os.environ.get("FAULTS_FUZZ_SECONDS", "40"))
CLI_SAMPLE = 8


def splice_members(data: bytes, rng: random.Random, edit: Callable[[bytes], bytes]) -> bytes:
    """Decompress one gzip member, edit the record inside, compress it again."""
    starts = [i for i in range(len(data) - 2) if data[i:i + 3] == b"\x1f\x8b\x08"]
    start = rng.choice(starts)
    inflater = zlib.decompressobj(31)
    try:
        record = inflater.decompress(data[start:])
    except zlib.error:
        return data
    end = len(data) - len(inflater.unused_data)
    return data[:start] + gzip.compress(edit(record), mtime=0) + data[end:]


def record_edits(rng: random.Random) -> list[Callable[[bytes], bytes]]:
    def change_length(record: bytes) -> bytes:
        claim = str(rng.choice([0, 9, 99999999999])).encode()
        return record.replace(b"Content-Length: ", b"Content-Length: " + claim, 1)

    def drop_line(record: bytes) -> bytes:
        lines = record.split(b"\r\n")
        del lines[rng.randrange(1, min(8, len(lines)))]
        return b"\r\n".join(lines)

    def rename_header(record: bytes) -> bytes:
        return record.replace(rng.choice([b"WARC-Type", b"WARC-Record-ID", b"WARC-Block-Digest",
                                          b"WARC/1.1"]), rng.choice([b"X", b"WARC/1.0", b""]), 1)

    def flip_body(record: bytes) -> bytes:
        position = rng.randrange(len(record))
        return record[:position] + bytes([record[position] ^ 0x20]) + record[position + 1:]

    return [change_length, drop_line, rename_header, flip_body, lambda record: record + b"junk"]


def mutate_warc(data: bytes, other: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(8)
    position = rng.randrange(len(data))
    if kind == 0:  # a few random bytes
        data = bytearray(data)
        for _ in range(rng.randint(1, 5)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if kind == 1:
        return data[:position] + rng.randbytes(rng.randint(1, 64)) + data[position:]
    if kind == 2:
        return data[:position] + data[position + rng.randint(1, 500):]
    if kind == 3:
        return data[:position]
    if kind == 4:
        length = rng.randint(1, 800)
        return data[:position] + data[position:position + length] + data[position:]
    if kind == 5:  # splice with another snapshot's WARC
        cut = rng.randrange(len(other))
        return data[:position] + other[cut:]
    if kind == 6:
        return splice_members(data, rng, rng.choice(record_edits(rng)))
    return data + rng.choice([bytes(rng.randint(1, 100)), rng.randbytes(30),
                              gzip.compress(rng.randbytes(20))])


def mutate_manifest(document: dict, rng: random.Random) -> dict:
    """Change one value somewhere in the manifest to another of a plausible kind."""
    parent, key, node = None, None, document
    for _ in range(rng.randint(1, 6)):
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            break
        parent, key = node, rng.choice(keys)
        node = parent[key]
        if not isinstance(node, (dict, list)):
            break
    if parent is not None:
        parent[key] = rng.choice(VALUES)
    return document


VALUES = [None, 0, -1, 10 ** 12, "", "../../escape", "/abs", "x\r\ny", "2021-13-40",
          "<urn:uuid:00000000-0000-5000-8000-000000000000>", "0" * 64, [], {}, True, "a.txt",
          "%2e%2e/x", "text/plain", "revisit"]


def outcome(action: Callable[[], object]) -> int:
    """The exit code the CLI would give: 0, or the ArchiverError's code; anything else fails."""
    try:
        action()
    except ArchiverError as err:
        assert "\n" not in str(err), str(err)
        return err.exit_code
    return 0


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> tuple[Snapshot, Snapshot]:
    one = small_snapshot(tmp_path_factory.mktemp("one"))
    two = small_snapshot(tmp_path_factory.mktemp("two"), {"a.txt": b"other", "z.bin": b"z" * 900})
    return one, two


def test_fuzz_mutated_warcs(snapshots, tmp_path: Path):
    original, other = snapshots
    work = original.copy_to(tmp_path / "work")
    data, foreign = original.warc.read_bytes(), other.warc.read_bytes()
    rng = random.Random(20240601)
    started, tried, caught, codes = time.monotonic(), 0, 0, {0: 0, 1: 0, 2: 0}
    while tried < CASES and time.monotonic() - started < BUDGET:
        mutated = mutate_warc(data, foreign, rng)
        work.warc.write_bytes(mutated)
        report = work.verify()
        tried += 1
        if mutated == data:
            assert report.ok
            continue
        assert not report.ok, f"case {tried}: a changed WARC verified"
        caught += 1
        target = tmp_path / f"restored{tried}"
        code = outcome(lambda: extract(work.manifest, to=target))
        codes[code] += 1
        for path in target.rglob("*") if target.exists() else []:
            if path.is_file():  # whatever was restored is exactly the seed
                assert path.read_bytes() == SMALL_SEEDS[path.name], path
    assert tried >= min(CASES, 100) and caught >= tried - 5
    print(f"fuzz WARC: {tried} cases, {caught} caught by verify, extract exit codes {codes}")


def test_fuzz_mutated_manifests(snapshots, tmp_path: Path):
    original, _ = snapshots
    work = original.copy_to(tmp_path / "work")
    rng = random.Random(7)
    started, tried, codes = time.monotonic(), 0, {0: 0, 1: 0, 2: 0}
    while tried < CASES // 2 and time.monotonic() - started < BUDGET / 2:
        document = mutate_manifest(json.loads(original.manifest.read_bytes()), rng)
        data = pretty(document) if rng.random() < 0.9 else original.manifest.read_bytes()[:-7]
        work.manifest.write_bytes(data)
        work.sidecar.write_text(sidecar_text(work.manifest.name, sha256_hex(data)))
        tried += 1
        report = work.verify()
        assert report.ok == (data == original.manifest.read_bytes()), (tried, report.problems)
        target = tmp_path / f"restored{tried}"
        code = outcome(lambda: extract(work.manifest, to=target))
        codes[code] += 1
        assert outcome(lambda: load_checked(work.manifest)) in (0, 1)
        for path in target.rglob("*") if target.exists() else []:
            assert target in path.resolve().parents
            if path.is_file():
                assert path.read_bytes() in SMALL_SEEDS.values()
    assert not (tmp_path / "escape").exists()
    assert tried >= min(CASES // 2, 50)
    print(f"fuzz manifest: {tried} cases, extract exit codes {codes}")


def test_fuzz_through_the_cli(snapshots, tmp_path: Path):
    original, other = snapshots
    work = original.copy_to(tmp_path / "work")
    rng = random.Random(99)
    data, foreign = original.warc.read_bytes(), other.warc.read_bytes()
    for case in range(CLI_SAMPLE):
        work.warc.write_bytes(mutate_warc(data, foreign, rng))
        for command in (("verify", work.manifest),
                        ("extract", work.manifest, "--to", tmp_path / f"r{case}"),
                        ("show", work.manifest)):
            result = run_cli(*command)
            assert result.returncode in (0, 1, 2) and "Traceback" not in result.stderr, result
            if command[0] == "verify":
                assert result.returncode == 1
