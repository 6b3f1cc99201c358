"""`archiver add` with bulk metadata: a source template, a capture time or the files' own
modification times, per-seed values from CSV or JSON lines; rows it writes read back exactly,
rows already there never change, and a large folder is described on every core."""

from __future__ import annotations

import csv
import json
import os
import pty
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from conftest import DATE, assert_one_line_error, doc_files, make_seeds, run
from hypothesis import given, settings
from hypothesis import strategies as st

import archiver
from archiver.seeds.index_file import read_index

MTIME = 1_700_000_000  # 2023-11-14T22:13:20Z
NAMES = ["a/copyright.txt", "b/c/caf\u00e9 100%.txt", "b/c/#hash?.txt", "\u4e2d\u6587 \u540d.txt"]


def docs_tree(root: Path, names: list[str] = NAMES) -> Path:
    """A nested folder of real Debian copyright files, with its own modification times."""
    texts = list(doc_files(len(names)).values())
    for name, data in zip(names, texts):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (MTIME, MTIME + 0.75))  # st_mtime 0.75 s after MTIME: to the second
    return root


def seeds_of(manifest: Path) -> dict[str, dict]:
    return {seed["path"]: seed for seed in json.loads(manifest.read_text())["seeds"]}


def test_one_add_with_bulk_options_and_pack_takes_the_rows(tmp_path: Path) -> None:
    seeds = docs_tree(tmp_path / "docs")
    result = run("add", seeds, "--source", "https://example.org/docs/{path}",
                 "--captured", "mtime")
    assert result.returncode == 0, result.stderr
    assert "4 new row(s), every one filled: ready to pack" in result.stdout
    packed = run("pack", seeds, "--out", tmp_path / "out", "--date", DATE, "--quiet")
    assert packed.returncode == 0, packed.stderr
    found = seeds_of(tmp_path / "out" / "docs.manifest.json")
    assert sorted(found) == sorted(NAMES)
    entry = found["b/c/caf\u00e9 100%.txt"]
    assert entry["source"] == "https://example.org/docs/b/c/caf%C3%A9%20100%25.txt"
    assert entry["source_uri"] == entry["source"]
    assert found["b/c/#hash?.txt"]["source"] == "https://example.org/docs/b/c/%23hash%3F.txt"
    assert found["\u4e2d\u6587 \u540d.txt"]["source"] == \
        "https://example.org/docs/%E4%B8%AD%E6%96%87%20%E5%90%8D.txt"
    for seed in found.values():
        assert seed["captured"] == {"value": "2023-11-14T22:13:20Z", "precision": "second"}
        assert "modification time (from the file system)" in seed["notes"]
    for seed in found.values():  # the detected tag, declared by add
        assert seed["language"]["declared"] == seed["language"]["detected"]["tag"]
    verified = run("verify", tmp_path / "out" / "docs.manifest.json", "--seeds", seeds)
    assert verified.returncode == 0, verified.stdout


def test_a_capture_time_for_every_row_any_precision(tmp_path: Path) -> None:
    seeds = docs_tree(tmp_path / "docs", NAMES[:2])
    assert run("add", seeds, "--source", "Debian", "--captured",
               "2026-12-02T10:00:00.250Z", "-q").returncode == 0
    index = read_index(seeds / "INDEX.md")
    assert {row.source for row in index.rows} == {"Debian"}
    assert {row.captured.value for row in index.rows} == {"2026-12-02T10:00:00.250Z"}
    assert not any("modification time" in row.notes for row in index.rows)


def test_without_options_the_rows_wait_for_a_person(tmp_path: Path) -> None:
    seeds = docs_tree(tmp_path / "docs", NAMES[:2])
    result = run("add", seeds, "--source", "https://example.org/{path}")
    assert "fill in captured for 2 of 2 new row(s)" in result.stdout
    refused = run("pack", seeds, "--out", tmp_path / "out")
    assert refused.returncode == 2 and "'captured' is blank" in refused.stderr


@pytest.mark.parametrize("kind", ["csv", "tsv", "jsonl"])
def test_per_seed_values_win_over_the_options(tmp_path: Path, kind: str) -> None:
    seeds = docs_tree(tmp_path / "docs")
    records = [
        {"path": "a/copyright.txt", "source": "https://crawler.example/a", "title": "A | B",
         "captured": "2021-03-18T09:30:00.125Z", "crawl-id": "c-1"},
        {"path": "b/c/#hash?.txt", "language": "de", "notes": "from the crawl log",
         "charset": "utf-8"},
    ]
    values = tmp_path / f"crawl.{kind}"
    if kind in ("csv", "tsv"):
        columns = ["path", "source", "title", "captured", "crawl-id", "language", "notes",
                   "charset"]
        with open(values, "w", newline="", encoding="utf-8-sig") as stream:  # a spreadsheet's
            writer = csv.DictWriter(stream, columns, delimiter="," if kind == "csv" else "\t")
            writer.writeheader()
            writer.writerows(records)
    else:
        values.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = run("add", seeds, "--source", "https://example.org/{path}", "--captured", "2026",
                 "--values", values)
    assert result.returncode == 0, result.stderr
    index = {row.path: row for row in read_index(seeds / "INDEX.md").rows}
    first, second = index["a/copyright.txt"], index["b/c/#hash?.txt"]
    assert (first.source, first.title, first.captured.value) == (
        "https://crawler.example/a", "A | B", "2021-03-18T09:30:00.125Z")
    assert dict(first.extra) == {"crawl-id": "c-1"}  # a column of the new table
    assert second.source == "https://example.org/b/c/%23hash%3F.txt"
    assert (second.language, second.charset, second.captured.value) == ("de", "utf-8", "2026")
    assert second.notes.startswith("from the crawl log; added by archiver add")
    # The tool's note on the language only where it chose the language (a copyright file: und,
    # below the detection threshold, its best guess in the note).
    assert "language" not in second.notes.partition("archiver add")[2]
    assert "language" in first.notes.partition("archiver add")[2]


def test_rows_already_there_are_never_changed(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "docs", {"old.txt": b"an old seed\n"})
    docs_tree(seeds, NAMES[:2])
    before = (seeds / "INDEX.md").read_text()
    values = tmp_path / "v.jsonl"
    values.write_text(json.dumps({"file": "old.txt", "source": "elsewhere"}) + "\n" +
                      json.dumps({"file": "gone.txt", "source": "nowhere"}) + "\n")
    result = run("add", seeds, "--source", "s", "--captured", "2026", "--values", values, "-q")
    assert result.returncode == 0, result.stderr
    after = (seeds / "INDEX.md").read_text()
    assert after.startswith(before) and len(after.splitlines()) == len(before.splitlines()) + 2
    assert "1 record(s) for seeds INDEX.md already lists were not used" in result.stderr
    assert "1 record(s) name no file in the seeds folder, e.g. 'gone.txt'" in result.stderr
    again = run("add", seeds, "--source", "other", "--captured", "mtime")
    assert "every seed already has a row" in again.stdout
    assert (seeds / "INDEX.md").read_text() == after


@pytest.mark.parametrize(("line", "needles"), [
    ('{"file": "a/copyright.txt", "language": "jp"}',
     ["v.jsonl:1", "a/copyright.txt", "invalid language tag 'jp'", "did you mean 'ja'?"]),
    ('{"file": "a/copyright.txt", "captured": "18/03/2021"}', ["v.jsonl:1", "invalid date"]),
    ('{"file": "a/copyright.txt", "captured": 2021}', ["v.jsonl:1", "must be a string"]),
    ('{"source": "x"}', ["v.jsonl:1", "no 'file'"]),
    ('{"file": "a/copyright.txt", "title": "a\\u0007b"}', ["v.jsonl:1", "control character"]),
    ('{"file": "a/copyright.txt"}\n{"path": "a/copyright.txt"}', ["v.jsonl:2", "a second record"]),
    ("[1, 2]", ["v.jsonl:1", "must be an object"]),
])
def test_a_bad_values_file_is_refused_naming_its_line(tmp_path: Path, line: str,
                                                      needles: list[str]) -> None:
    seeds = docs_tree(tmp_path / "docs", NAMES[:1])
    (tmp_path / "v.jsonl").write_text(line + "\n")
    result = run("add", seeds, "--values", tmp_path / "v.jsonl")
    assert_one_line_error(result, 2, *needles)
    assert not (seeds / "INDEX.md").exists()


def test_a_values_column_the_table_lacks_is_refused(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "docs", {"old.txt": b"an old seed\n"})
    docs_tree(seeds, NAMES[:1])
    (tmp_path / "v.csv").write_text("file,crawl-id\na/copyright.txt,7\n")
    before = (seeds / "INDEX.md").read_bytes()
    result = run("add", seeds, "--values", tmp_path / "v.csv")
    assert_one_line_error(result, 2, "v.csv", "'crawl-id' is not in", "table")
    assert (seeds / "INDEX.md").read_bytes() == before


@pytest.mark.parametrize(("options", "needles"), [
    (["--captured", "yesterday"], ["--captured", "invalid date 'yesterday'", "'mtime'"]),
    (["--source", "a\x1bb"], ["--source", "control character"]),
])
def test_bad_options_are_refused_before_anything_is_written(tmp_path: Path, options: list[str],
                                                            needles: list[str]) -> None:
    seeds = docs_tree(tmp_path / "docs", NAMES[:1])
    assert_one_line_error(run("add", seeds, *options), 2, *needles)
    assert not (seeds / "INDEX.md").exists()


def test_mtime_needs_a_notes_column_to_say_so(tmp_path: Path) -> None:
    seeds = docs_tree(tmp_path / "docs", NAMES[:1])
    (seeds / "INDEX.md").write_text("| file | source | language | captured |\n|---|---|---|---|\n")
    assert_one_line_error(run("add", seeds, "--captured", "mtime"), 2, "'notes' column")


def test_a_table_without_a_notes_column_gets_its_own_columns_filled(tmp_path: Path) -> None:
    """What add found goes into `notes`; a table without that column still gets its rows,
    each reading back as written and ready to pack."""
    seeds = docs_tree(tmp_path / "docs", NAMES[:3])
    (seeds / "INDEX.md").write_text("- batch: no-notes\n\n| file | source | language | captured |"
                                    "\n|---|---|---|---|\n")
    done = run("add", seeds, "--source", "https://example.org/{path}", "--captured",
               "2026-12-03", "-q")
    assert done.returncode == 0, done.stderr
    rows = read_index(seeds / "INDEX.md").rows
    assert sorted(row.path for row in rows) == sorted(NAMES[:3])
    assert all(row.source.startswith("https://example.org/") and row.captured.value
               == "2026-12-03" and row.language and not row.notes for row in rows)


def test_the_title_comes_from_the_document_where_none_is_given(tmp_path: Path) -> None:
    seeds = tmp_path / "docs"
    (seeds / "html").mkdir(parents=True)
    for name in ("users-and-groups.html", "other.html"):
        (seeds / "html" / name).write_bytes(
            Path("/usr/share/doc/base-passwd/users-and-groups.html").read_bytes())
    (seeds / "plain.txt").write_bytes(b"No title in plain text, only words.\n")
    values = tmp_path / "v.csv"
    values.write_text("file,title\nhtml/other.html,A title given\n")
    assert run("add", seeds, "--values", values, "-q").returncode == 0
    rows = {row.path: row for row in read_index(seeds / "INDEX.md", require_filled=False).rows}
    assert rows["html/users-and-groups.html"].title == "Users and Groups in the Debian System"
    assert "title from the document" in rows["html/users-and-groups.html"].notes
    assert rows["html/other.html"].title == "A title given"
    assert "title from the document" not in rows["html/other.html"].notes
    assert rows["plain.txt"].title == ""


# --- rows that read back (review L12) --------------------------------------------------------

AWKWARD = [" lead.txt", "trail.txt ", "`tick`.txt", "``", "pipe|name.txt", "back\\slash.txt",
           "back\\|pipe.txt", "end\\", "`", "  ", "*star", "# heading", "- item: x", "x | y |"]


def test_awkward_names_are_written_so_they_read_back(tmp_path: Path) -> None:
    seeds = tmp_path / "docs"
    seeds.mkdir()
    for name in AWKWARD:
        (seeds / name).write_bytes(name.encode() + b"\n")
    added = archiver.add(seeds, source="https://example.org/{path}", captured="2026", jobs=1)
    assert sorted(row.path for row in added.rows) == sorted(AWKWARD)
    assert sorted(row.path for row in read_index(seeds / "INDEX.md").rows) == sorted(AWKWARD)
    assert archiver.add(seeds, jobs=1).rows == []  # every one is listed: nothing added twice
    manifest = archiver.pack(seeds, out_dir=tmp_path / "out",
                             packaged=datetime.fromisoformat(DATE)).manifest_path
    assert sorted(seeds_of(manifest)) == sorted(AWKWARD)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"),
                                      blacklist_characters="/\x00"), min_size=1, max_size=12)
                .filter(lambda name: name not in (".", "..", "INDEX.md")),
                min_size=1, max_size=6, unique=True),
       st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=20))
def test_any_name_and_title_read_back_as_written(tmp_path_factory, names: list[str],
                                                 title: str) -> None:
    seeds = tmp_path_factory.mktemp("seeds")
    for name in names:
        (seeds / name).write_bytes(b"x\n")
    values = seeds.parent / (seeds.name + ".jsonl")
    values.write_text("".join(json.dumps({"file": n, "title": title}) + "\n" for n in names))
    archiver.add(seeds, source="s", captured="2026", values=values, jobs=1)
    rows = {row.path: row for row in read_index(seeds / "INDEX.md").rows}
    assert sorted(rows) == sorted(names)
    assert {row.title for row in rows.values()} == {title.strip()}


# --- every core, progress ---------------------------------------------------------------------

def test_a_large_folder_is_described_on_every_core_with_the_same_rows(tmp_path: Path) -> None:
    files = doc_files(80)
    one = make_seeds(tmp_path / "one", files, rows=[])
    two = make_seeds(tmp_path / "two", files, rows=[])
    first = archiver.add(one, source="https://example.org/{path}", captured="2026", jobs=1)
    second = archiver.add(two, source="https://example.org/{path}", captured="2026", jobs=2)
    assert len(first.rows) == 80 and first.rows == second.rows
    assert (one / "INDEX.md").read_bytes() == (two / "INDEX.md").read_bytes()


def test_add_shows_progress_on_a_terminal(tmp_path: Path) -> None:
    seeds = docs_tree(tmp_path / "docs", NAMES[:2])
    leader, follower = pty.openpty()
    try:
        result = subprocess.run([sys.executable, "-m", "archiver", "add", str(seeds)],
                                stdout=subprocess.PIPE, stderr=follower, text=True, timeout=120,
                                env={**os.environ, "COLUMNS": "100"})
        os.close(follower)
        follower = -1
        shown = b""
        while chunk := _read(leader):
            shown += chunk
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    assert result.returncode == 0
    assert b"describing" in shown
    assert "added a/copyright.txt" in result.stdout


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO: the terminal's other end is closed and everything was read
        return b""
