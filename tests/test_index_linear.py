"""INDEX.md is parsed in linear time (review M6): the shapes that made the old regexes backtrack
parse, and the batch fields and headings mean what they meant. How long a 1 MB INDEX.md takes
is measured by bench/indexmd.py, not here; the sizes below would take the old parser hours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DATE, assert_one_line_error, run

from archiver.seeds.index_file import parse_index

TABLE = ("| file | source | language | captured |\n|---|---|---|---|\n"
         "| a.txt | https://example.org/a | en | 2021 |\n")


def seeds_with(root: Path, index: str) -> Path:
    root.mkdir()
    (root / "a.txt").write_text("hello\n")
    (root / "INDEX.md").write_text(index, encoding="utf-8")
    return root


def packed(seeds: Path, out: Path) -> dict:
    result = run("pack", seeds, "--out", out, "--date", DATE, "-q")
    assert result.returncode == 0, result.stderr
    (manifest,) = out.glob("*.manifest.json")
    return json.loads(manifest.read_text())


def test_heading_holding_a_long_run_of_spaces_packs(tmp_path: Path):
    document = packed(seeds_with(tmp_path / "s", "# a" + " " * 200_000 + "b ##\n\n" + TABLE),
                      tmp_path / "out")
    assert document["batch"]["title"] == "a" + " " * 200_000 + "b"
    assert document["batch"]["id"] == "a-b"


def test_prose_line_holding_a_long_run_of_spaces_packs(tmp_path: Path):
    index = "# Spaces\n\nwords" + " " * 200_000 + "more words\n- title" + " " * 200_000 + ": T\n\n"
    document = packed(seeds_with(tmp_path / "s", index + TABLE), tmp_path / "out")
    assert document["batch"]["title"] == "T"


def test_header_of_many_columns_is_checked_for_duplicates(tmp_path: Path):
    names = [f"c{n:06d}" for n in range(160_000)]
    header = "| file | source | language | captured | " + " | ".join(names) + " | c000007 |\n"
    separator = "|" + "---|" * (len(names) + 5) + "\n"
    seeds = seeds_with(tmp_path / "s", header + separator)
    assert_one_line_error(run("pack", seeds, "--out", tmp_path / "out", "-q"), 2,
                          "INDEX.md:1", "column 'c000007' appears twice")


@pytest.mark.parametrize(("line", "field"), [
    ("- title: A title", ("title", "A title")),
    ("* **Title**: Bold name", ("title", "Bold name")),
    ("__title__ :  spaced  ", ("title", "spaced")),
    ("**title:** bold colon", ("title", "bold colon")),
    ("-  batch id:  x-1", ("batch_id", "x-1")),
    ("  - license: CC-BY-4.0 : with a colon", ("license", "CC-BY-4.0 : with a colon")),
    ("-title: no space after the bullet", None),
    ("1. title: numbered", None),
    ("title", None),
])
def test_batch_field_lines_read_as_before(tmp_path: Path, line: str, field):
    index = parse_index(f"# Heading\n\n{line}\n\n{TABLE}", tmp_path / "INDEX.md")
    fields = {"title": index.batch.title, "batch_id": index.batch.batch_id,
              "license": index.batch.license}
    if field is None:
        assert (fields["title"], fields["license"]) == ("Heading", "")
    else:
        assert fields[field[0]] == field[1]


@pytest.mark.parametrize(("heading", "title"), [
    ("# Plain", "Plain"),
    ("### Closed ###", "Closed"),
    ("# Trailing hashes##  ", "Trailing hashes"),
    ("#   C# and F# #", "C# and F#"),
    ("   ## Indented", "Indented"),
    ("#NoSpace", ""),
    ("####### Seven", ""),
])
def test_first_heading_names_the_batch_as_before(tmp_path: Path, heading: str, title: str):
    index = parse_index(f"{heading}\n\n{TABLE}", tmp_path / "INDEX.md")
    assert index.batch.title == title
