"""Bad input: exit 2, one line naming the file and the problem, no traceback, nothing written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HEADER, assert_one_line_error, make_seeds, run

GOOD = {"a.txt": b"alpha\n", "b.txt": b"beta\n"}


def row(name: str, *, language: str = "en", captured: str = "2021-03-18",
        source: str = "https://example.org/") -> tuple[str, ...]:
    return (name, "A title", source, language, captured, "")


def pack_fails(seeds: Path, out: Path, *needles: str) -> None:
    result = run("pack", seeds, "--out", out, "--date", "2024-01-01")
    assert_one_line_error(result, 2, *needles)
    leftovers = [p.name for p in out.iterdir()] if out.exists() else []
    assert leftovers == [], leftovers


def test_row_naming_a_missing_file(tmp_path):
    seeds = make_seeds(tmp_path / "s", GOOD, rows=[row("a.txt"), row("b.txt"), row("c.txt")])
    pack_fails(seeds, tmp_path / "out", "INDEX.md:", "c.txt", "no such file")


def test_seed_with_no_row(tmp_path):
    seeds = make_seeds(tmp_path / "s", GOOD, rows=[row("a.txt")])
    pack_fails(seeds, tmp_path / "out", "b.txt", "has no row")


def test_duplicate_row(tmp_path):
    seeds = make_seeds(tmp_path / "s", GOOD, rows=[row("a.txt"), row("b.txt"), row("a.txt")])
    pack_fails(seeds, tmp_path / "out", "INDEX.md:", "duplicate row", "a.txt")


def test_malformed_table(tmp_path):
    seeds = make_seeds(tmp_path / "s", GOOD, rows=[row("a.txt"), ("b.txt", "only", "three")])
    pack_fails(seeds, tmp_path / "out", "INDEX.md:", "malformed table")


def test_table_without_separator(tmp_path):
    seeds = make_seeds(tmp_path / "s", GOOD)
    (seeds / "INDEX.md").write_text(HEADER.splitlines()[0] + "\n| a.txt | t | s | en | 2021 | |\n")
    pack_fails(seeds, tmp_path / "out", "INDEX.md:", "separator")


def test_missing_index(tmp_path):
    seeds = make_seeds(tmp_path / "s", GOOD)
    (seeds / "INDEX.md").unlink()
    pack_fails(seeds, tmp_path / "out", "INDEX.md", "no INDEX.md")


@pytest.mark.parametrize("tag", ["en_US", "english", "e", "zh-Hans-", "12", "zh Hans"])
def test_invalid_language_tag(tmp_path, tag):
    seeds = make_seeds(tmp_path / "s", GOOD, rows=[row("a.txt", language=tag), row("b.txt")])
    pack_fails(seeds, tmp_path / "out", "INDEX.md:", "a.txt", "invalid language tag")


@pytest.mark.parametrize(("tag", "subtag", "likely"), [
    ("jp", "'jp' is not a registered language subtag", "did you mean 'ja'?"),
    ("jp-JP", "'jp' is not a registered language subtag", "did you mean 'ja-JP'?"),
    ("eng", "'eng' is not a registered language subtag", "did you mean 'en'?"),
    ("en-UK", "'UK' is not a registered region subtag", "did you mean 'en-GB'?"),
    ("qz", "'qz' is not a registered language subtag", ""),
    ("zh-Hanz", "'Hanz' is not a registered script subtag", ""),
    ("es-999", "'999' is not a registered region subtag", ""),
    ("de-1902", "'1902' is not a registered variant subtag", ""),
    ("de-1901-1901", "'1901' is repeated", ""),
    ("en-aao", "'aao' is not a registered extlang subtag", ""),
])
def test_unregistered_language_subtag(tmp_path, tag, subtag, likely):
    """Well formed, but naming nothing in the IANA registry: refused, naming the tag, the seed
    and the subtag, with the likely tag where there is one."""
    seeds = make_seeds(tmp_path / "s", GOOD, rows=[row("a.txt"), row("b.txt", language=tag)])
    result = run("pack", seeds, "--out", tmp_path / "out", "--date", "2024-01-01")
    assert_one_line_error(result, 2, "INDEX.md:", "b.txt", f"invalid language tag {tag!r}",
                          subtag, likely)
    assert ("did you mean" in result.stderr) is bool(likely)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("tag", ["ja", "zh-yue", "zh-min-nan", "i-klingon", "qaa", "en-QM",
                                 "sl-rozaj-biske", "de-CH-1996", "en-a-bbb-x-ccc", "x-whatever",
                                 "iw", "und", "zxx", "es-419", "en-u-ca-gregory"])
def test_registered_language_tags_pack(tmp_path, tag):
    seeds = make_seeds(tmp_path / "s", GOOD, rows=[row("a.txt", language=tag), row("b.txt")])
    result = run("pack", seeds, "--out", tmp_path / "out", "--date", "2024-01-01", "--quiet")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("date", ["2021-13-01", "18/03/2021", "2021-02-30", "yesterday",
                                  "2021-03-18T10:00:00+02:00"])
def test_invalid_date(tmp_path, date):
    seeds = make_seeds(tmp_path / "s", GOOD, rows=[row("a.txt", captured=date), row("b.txt")])
    pack_fails(seeds, tmp_path / "out", "INDEX.md:", "a.txt", "invalid date")


@pytest.mark.parametrize("column", ["source", "captured", "language"])
def test_blank_required_cell(tmp_path, column):
    cells = {"source": row("a.txt", source=""), "captured": row("a.txt", captured=""),
             "language": row("a.txt", language="")}[column]
    seeds = make_seeds(tmp_path / "s", GOOD, rows=[cells, row("b.txt")])
    pack_fails(seeds, tmp_path / "out", "INDEX.md:", "a.txt", f"'{column}' is blank")


@pytest.mark.parametrize("name", ["line\nbreak.txt", "carriage\rreturn.txt", "escape\x1b.txt",
                                  "delete\x7f.txt"])
def test_name_with_control_characters(tmp_path, name):
    seeds = make_seeds(tmp_path / "s", {**GOOD, name: b"x"}, rows=[row("a.txt"), row("b.txt")])
    pack_fails(seeds, tmp_path / "out", "control character")


def test_symlink_in_seeds_folder(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"not a seed\n")
    seeds = make_seeds(tmp_path / "s", GOOD, rows=[row("a.txt"), row("b.txt"), row("link.txt")])
    (seeds / "link.txt").symlink_to(outside)
    pack_fails(seeds, tmp_path / "out", "link.txt", "symbolic link")


def test_fifo_is_refused_without_hanging(tmp_path):
    seeds = make_seeds(tmp_path / "s", GOOD, rows=[row("a.txt"), row("b.txt"), row("pipe")])
    os.mkfifo(seeds / "pipe")
    pack_fails(seeds, tmp_path / "out", "pipe", "not a regular file", "FIFO")


def test_row_naming_a_directory(tmp_path):
    seeds = make_seeds(tmp_path / "s", GOOD, rows=[row("a.txt"), row("b.txt"), row("dir.txt")])
    (seeds / "dir.txt").mkdir()
    pack_fails(seeds, tmp_path / "out", "dir.txt", "not a regular file")


def test_unreadable_file(tmp_path):
    """Root reads a chmod 000 file anyway, so as root the CLI runs without the capabilities that
    override file permissions (util-linux setpriv), which makes the permission bits count."""
    seeds = make_seeds(tmp_path / "s", GOOD)
    (seeds / "b.txt").chmod(0o000)
    drop = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
            "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    env.pop("SOURCE_DATE_EPOCH", None)
    out = tmp_path / "out"
    result = subprocess.run([*drop, sys.executable, "-m", "archiver", "pack", str(seeds), "--out",
                             str(out), "--date", "2024-01-01"], capture_output=True, text=True,
                            env=env, timeout=60)
    assert_one_line_error(result, 2, "b.txt", "cannot read", "Permission denied")
    assert list(out.iterdir()) == []


def test_invalid_packaging_date(tmp_path):
    seeds = make_seeds(tmp_path / "s", GOOD)
    result = run("pack", seeds, "--out", tmp_path / "out", "--date", "not a date")
    assert_one_line_error(result, 2, "invalid date")


def test_invalid_batch_id(tmp_path):
    seeds = make_seeds(tmp_path / "s", GOOD, fields="- batch: Has Spaces+Plus\n")
    pack_fails(seeds, tmp_path / "out", "INDEX.md:", "invalid batch id")


def test_seeds_folder_missing(tmp_path):
    result = run("pack", tmp_path / "nowhere", "--out", tmp_path / "out")
    assert_one_line_error(result, 2, "nowhere")


def test_extract_refuses_paths_leaving_the_target(tmp_path):
    from archiver.errors import InputError
    from archiver.extraction.restore import safe_target

    for bad in ["../escape.txt", "/etc/passwd", "a/../../b", "", "a//b", "./a"]:
        with pytest.raises(InputError):
            safe_target(tmp_path, bad)
    assert safe_target(tmp_path, "a/b c/-d.txt") == tmp_path / "a" / "b c" / "-d.txt"


def test_extract_refuses_a_symlink_planted_in_the_target(tmp_path):
    seeds = make_seeds(tmp_path / "s", {"sub/a.txt": b"alpha\n"})
    out = tmp_path / "out"
    assert run("pack", seeds, "--out", out, "--quiet").returncode == 0
    target, elsewhere = tmp_path / "target", tmp_path / "elsewhere"
    target.mkdir()
    elsewhere.mkdir()
    (target / "sub").symlink_to(elsewhere)
    result = run("extract", out / "test-batch.manifest.json", "--to", target)
    assert_one_line_error(result, 2, "sub", "symlink")
    assert list(elsewhere.iterdir()) == []
    shutil.rmtree(target)
