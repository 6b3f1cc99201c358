"""A charset is a character encoding, wherever one comes from (review L6).

Python's codec registry also holds codecs from bytes to bytes (zlib, bz2, base64, hex, uu,
quopri), from str to str (rot13) and text codecs that are no document's encoding (idna, punycode,
unicode-escape). None of them may be declared in INDEX.md or a values file, recorded in a
manifest, or crash a pack when a document names one of them as its own charset."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from conftest import HEADER, assert_one_line_error, make_seeds, pack, run
from craftlib import repack
from faultlib import Snapshot

from archiver.detect.encoding import charset_problem, text_decoder
from archiver.errors import IndexFileError
from archiver.seeds.index_file import read_index

CODECS = ["zlib", "bz2", "base64", "hex", "uu", "quopri", "rot13", "idna", "punycode",
          "unicode_escape", "raw_unicode_escape"]


def declaring(tmp_path: Path, charset: str, data: bytes = b"plain text\n") -> Path:
    seeds = make_seeds(tmp_path / "s", {"a.txt": data})
    header = HEADER.replace("notes |", "notes | charset |").replace("---|\n", "---|---|\n", 1)
    row = f"| a.txt | A title | https://example.org/ | en | 2021 | | {charset} |\n"
    (seeds / "INDEX.md").write_text(f"# Batch\n\n- batch: test-batch\n\n{header}{row}")
    return seeds


@pytest.mark.parametrize("charset", ["zlib", "idna"])
def test_pack_refuses_a_declared_codec_that_is_no_character_encoding(tmp_path, charset):
    out = tmp_path / "out"
    result = run("pack", declaring(tmp_path, charset), "--out", out, "--date", "2024-01-01")
    assert_one_line_error(result, 2, "INDEX.md:", "a.txt", "charset", repr(charset),
                          "not a character encoding")
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("charset", CODECS)
def test_index_md_refuses_every_codec_that_is_no_character_encoding(tmp_path, charset):
    index = declaring(tmp_path, charset) / "INDEX.md"
    with pytest.raises(IndexFileError, match=f"INDEX.md:.*a.txt: charset: '{charset}' is Python"):
        read_index(index)


@pytest.mark.parametrize("charset", ["utf-16", "utf-32"])
def test_a_declared_utf16_or_utf32_needs_its_byte_order_mark(tmp_path, charset):
    text = "plain text\n"
    bare = declaring(tmp_path / "bare", charset, text.encode(f"{charset}-le"))
    result = run("pack", bare, "--out", tmp_path / "out", "--date", "2024-01-01")
    assert_one_line_error(result, 2, "a.txt", "byte order mark", f"{charset}le or {charset}be")

    marked = declaring(tmp_path / "marked", charset, text.encode(charset))
    seed = json.loads(pack(marked, tmp_path / "out2").read_text())["seeds"][0]
    assert seed["encoding"] == {"charset": charset, "method": "declared", "confidence": "high"}
    assert run("verify", tmp_path / "out2" / "test-batch.manifest.json").returncode == 0


def test_add_refuses_a_codec_in_the_values_file(tmp_path):
    seeds = tmp_path / "s"
    seeds.mkdir()
    (seeds / "a.txt").write_bytes(b"plain text\n")
    values = tmp_path / "values.jsonl"
    values.write_text('{"file": "a.txt", "charset": "rot13"}\n')
    result = run("add", seeds, "--values", values, "--source", "x", "--captured", "2021", "-q")
    assert_one_line_error(result, 2, "values.jsonl:1", "a.txt", "'rot13'", "not a character encoding")
    assert not (seeds / "INDEX.md").exists()


@pytest.mark.parametrize(("name", "page"), [
    ("page.html", '<html lang="en"><head><meta charset="zlib"><title>T</title></head>'
                  "<body><p>A short page of English prose about the weather.</p></body></html>"),
    ("page.xml", '<?xml version="1.0" encoding="rot13"?><doc>Some English words here.</doc>'),
])
def test_a_document_naming_a_codec_as_its_charset_packs_with_a_warning(tmp_path, name, page):
    seeds = make_seeds(tmp_path / "s", {name: page.encode()})
    result = run("pack", seeds, "--out", tmp_path / "out", "--date", "2024-01-01")
    assert result.returncode == 0, result.stderr
    assert f"{name}: the document declares charset" in result.stderr
    seed = json.loads((tmp_path / "out" / "test-batch.manifest.json").read_text())["seeds"][0]
    assert seed["encoding"]["charset"] == "utf-8"


def test_verify_reports_and_export_refuses_a_manifest_recording_a_codec(tmp_path):
    manifest = pack(make_seeds(tmp_path / "s", {"a.txt": b"plain text\n"}), tmp_path / "out")
    snap = Snapshot(manifest.parent, manifest, manifest.with_name(manifest.name + ".sha256"),
                    manifest.with_name("test-batch.warc.gz"))

    def rot13(document: dict) -> None:
        document["seeds"][0]["encoding"]["charset"] = "rot13"
        document["seeds"][0]["content_type"] = "text/plain; charset=rot13"

    repack(snap, rot13)
    result = run("verify", manifest, "--json", "--jobs", "1")
    assert result.returncode == 1, result.stdout
    problems = json.loads(result.stdout)["problems"]
    assert {p["code"] for p in problems} == {"manifest-inconsistent"}
    assert all("'rot13' is Python's rot-13 codec" in p["message"] for p in problems), problems
    assert len(problems) == 2  # the encoding's charset and the Content-Type's
    jsonl = tmp_path / "x.jsonl"
    assert_one_line_error(run("export", manifest, "--jsonl", jsonl), 1, "not a character encoding")
    assert not jsonl.exists()


def test_every_real_charset_is_accepted_and_no_other_codec():
    assert [codec for codec in CODECS if charset_problem(codec) is None] == []
    for name in ("utf-8", "gb18030", "shift_jis", "big5", "euc-kr", "windows-1251", "koi8-u",
                 "macintosh", "x-mac-cyrillic", "windows-874", "utf-7", "us-ascii"):
        assert charset_problem(name) is None, name
    assert "Python knows" in charset_problem("klingon-8")


def test_unmarked_utf16_and_utf32_read_big_endian_as_the_standard_says():
    for charset in ("utf-16", "utf-32"):
        assert text_decoder(charset).decode("hi".encode(f"{charset}-be"), True) == "hi"
        marked = text_decoder(charset)
        data = "hé".encode(charset)  # Python writes its own byte order, with the mark
        assert "".join(marked.decode(data[i:i + 1]) for i in range(len(data))) == "hé"
    with pytest.raises(LookupError):
        text_decoder("rot13")
    assert codecs.lookup("rot13")  # the registry still has it; archiver refuses it
