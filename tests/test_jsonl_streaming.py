"""`export --jsonl` streams (review M5): each seed is decoded and written as it is read, so memory
stays bounded whatever the seeds' size, and a seed that fails its digest leaves no file."""

from __future__ import annotations

import copy
import json
import tracemalloc
from pathlib import Path

import pytest
from conftest import DATE, REPO, run

from archiver.base.atomic import writing_atomically
from archiver.errors import DamageError
from archiver.manifest.loader import load_manifest
from archiver.share.export import export
from archiver.share.jsonl import write_json_lines

FIXTURES = REPO / "tests" / "fixtures" / "encodings"
SIZE = 40 << 20


def big_text(fixture: str, codec: str) -> str:
    text = (FIXTURES / fixture).read_bytes().decode(codec).removeprefix("\ufeff")
    return text * (SIZE // len(text.encode(codec)) + 1)


def packed(tmp_path: Path, files: dict[str, tuple[bytes, str]]) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    rows = []
    for i, (name, (data, charset)) in enumerate(files.items()):
        (seeds / name).write_bytes(data)
        rows.append(f"| {name} | https://example.org/{i} | und | 2021 | {charset} |")
    (seeds / "INDEX.md").write_text(
        "- batch: big\n\n| file | source | language | captured | charset |\n|---|---|---|---|---|\n"
        + "\n".join(rows) + "\n", encoding="utf-8")
    result = run("pack", seeds, "--out", tmp_path / "out", "--date", DATE, "-q")
    assert result.returncode == 0, result.stderr
    return tmp_path / "out" / "big.manifest.json"


def test_jsonl_export_of_large_seeds_holds_no_seed_in_memory(tmp_path: Path):
    korean = big_text("ko.utf-16be-bom.txt", "utf-16")
    chinese = big_text("zh-Hans.gb18030.txt", "gb18030")
    manifest = packed(tmp_path, {
        "ko.txt": (("\ufeff" + korean).encode("utf-16-be"), ""),  # a BOM, 2 bytes a character
        "zh.txt": (chinese.encode("gb18030"), "gb18030"),  # characters cut across blocks
        "zeros.bin": (bytes(SIZE), ""),
    })
    tracemalloc.start()
    try:
        export(manifest, jsonl=tmp_path / "seeds.jsonl")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 24 << 20, f"{peak >> 20} MiB at the peak for seeds of 40 and 80 MiB"
    with open(tmp_path / "seeds.jsonl", encoding="utf-8") as written:
        lines = {line["path"]: line for line in map(json.loads, written)}
    assert lines["ko.txt"]["text"] == korean and lines["ko.txt"]["encoding"] == "utf-16be"
    assert lines["zh.txt"]["text"] == chinese
    assert lines["zeros.bin"]["text"] is None


def test_jsonl_export_of_a_seed_that_fails_its_digest_leaves_no_file(tmp_path: Path):
    manifest = packed(tmp_path, {"a.txt": (b"plain words\n" * 100_000, "utf-8")})
    loaded = load_manifest(manifest)
    document = copy.deepcopy(loaded.document)
    document["seeds"][0]["sha256"] = "0" * 64
    out = tmp_path / "seeds.jsonl"
    with pytest.raises(DamageError, match="do not match the manifest's sha256"), \
            writing_atomically(out) as stream:
        write_json_lines(stream, document, loaded.warc_path, [loaded])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "seeds"]
