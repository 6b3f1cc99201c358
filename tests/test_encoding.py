"""Encoding detection over committed fixtures in many charsets, cut samples and binary data."""

from __future__ import annotations

import codecs
import importlib.util
import random
from pathlib import Path

import pytest
from charset_normalizer.constant import IANA_SUPPORTED

from archiver.detect.encoding import (
    CONFIDENCES,
    METHODS,
    EncodingResult,
    charset_name,
    decode_sample,
    detect_encoding,
    python_codec,
)
from archiver.detect.language import detect_language

FIXTURES = Path(__file__).parent / "fixtures" / "encodings"


def _load_make():
    spec = importlib.util.spec_from_file_location("encoding_fixtures", FIXTURES / "make.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make = _load_make()

# file -> (encoding, method, language tag)
EXPECTED = {
    "zh-Hans.gb18030.txt": ("gb18030", "detected", "zh-Hans"),
    "zh-Hant.big5.txt": ("big5", "detected", "zh-Hant"),
    "ja.shift_jis.txt": ("shift_jis", "detected", "ja"),
    "ru.windows-1251.txt": ("windows-1251", "detected", "ru"),
    "en.utf-16le-bom.txt": ("utf-16le", "bom", "en"),
    "ko.utf-16be-bom.txt": ("utf-16be", "bom", "ko"),
    "en.utf-16le.txt": ("utf-16le", "detected", "en"),
    "de.utf-16be.txt": ("utf-16be", "detected", "de"),
    "zh-Hans.utf-16le.txt": ("utf-16le", "detected", "zh-Hans"),
    "fr.utf-8-bom.txt": ("utf-8", "bom", "fr"),
    "en.utf-8.txt": ("utf-8", "utf-8", "en"),
    "fr.utf-8.txt": ("utf-8", "utf-8", "fr"),
    "de.utf-8.txt": ("utf-8", "utf-8", "de"),
    "es.utf-8.txt": ("utf-8", "utf-8", "es"),
    "ar.utf-8.txt": ("utf-8", "utf-8", "ar"),
    "he.utf-8.txt": ("utf-8", "utf-8", "he"),
    "hi.utf-8.txt": ("utf-8", "utf-8", "hi"),
    "ko.utf-8.txt": ("utf-8", "utf-8", "ko"),
    "tl.utf-8.txt": ("utf-8", "utf-8", "fil"),
    "ru.utf-8.txt": ("utf-8", "utf-8", "ru"),
    "zh-Hans.utf-8.txt": ("utf-8", "utf-8", "zh-Hans"),
    "zh-Hant.utf-8.txt": ("utf-8", "utf-8", "zh-Hant"),
    "ja.utf-8.txt": ("utf-8", "utf-8", "ja"),
}


def _text_of(name: str) -> str:
    return make.TEXTS[make.FIXTURES[name][0]]


def test_every_fixture_has_an_expectation():
    on_disk = {path.name for path in FIXTURES.glob("*.txt")}
    assert on_disk == set(make.FIXTURES) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(make.FIXTURES))
def test_fixture_files_are_what_make_py_writes(name):
    assert (FIXTURES / name).read_bytes() == make.fixture_bytes(name)


@pytest.mark.parametrize("tag", sorted(make.TEXTS))
def test_fixture_texts_are_long_enough(tag):
    assert len(make.TEXTS[tag]) >= 300


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_encoding_text_and_language(name):
    encoding, method, tag = EXPECTED[name]
    sample = (FIXTURES / name).read_bytes()
    result = detect_encoding(sample)
    assert result == EncodingResult(encoding, method, "high")
    text = decode_sample(sample, result)
    assert text == _text_of(name)
    assert detect_language(text).tag == tag


@pytest.mark.parametrize("cut", [1, 2, 3])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_cut_mid_character(name, cut):
    sample = (FIXTURES / name).read_bytes()[:-cut]
    result = detect_encoding(sample)
    assert (result.encoding, result.method) == EXPECTED[name][:2]
    text = decode_sample(sample, result)
    assert "\ufffd" not in text
    assert _text_of(name).startswith(text)
    assert len(text) >= len(_text_of(name)) - cut


def test_a_64_kib_sample_cut_inside_a_gb18030_character():
    whole = (make.TEXTS["zh-Hans"] + "\n").encode("gb18030") * 200
    for size in range(65533, 65537):
        sample = whole[:size]
        result = detect_encoding(sample)
        assert result == EncodingResult("gb18030", "detected", "high")
        assert whole.decode("gb18030").startswith(decode_sample(sample, result))


@pytest.mark.parametrize(
    ("codec", "bom", "encoding"),
    [
        ("utf-32-le", codecs.BOM_UTF32_LE, "utf-32le"),
        ("utf-32-be", codecs.BOM_UTF32_BE, "utf-32be"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16le"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16be"),
        ("utf-8", codecs.BOM_UTF8, "utf-8"),
    ],
)
def test_byte_order_marks(codec, bom, encoding):
    sample = bom + "Grüße aus Köln".encode(codec)
    result = detect_encoding(sample)
    assert result == EncodingResult(encoding, "bom", "high")
    assert decode_sample(sample, result) == "Grüße aus Köln"


@pytest.mark.parametrize(
    ("codec", "encoding"), [("utf-32-le", "utf-32le"), ("utf-32-be", "utf-32be")]
)
def test_utf32_without_bom(codec, encoding):
    sample = make.TEXTS["en"].encode(codec)
    assert detect_encoding(sample) == EncodingResult(encoding, "detected", "high")


def test_pure_ascii_is_reported_as_utf8():
    assert detect_encoding(b"Plain ASCII text, long enough to count.") == EncodingResult(
        "utf-8", "utf-8", "high"
    )


@pytest.mark.parametrize("sample", [b"", b"Hi", "café".encode(), b"caf\xe9 au lait"])
def test_short_inputs_get_low_confidence(sample):
    assert detect_encoding(sample).confidence == "low"


def test_short_utf16_without_bom_gets_low_confidence():
    assert detect_encoding("Hi there".encode("utf-16-le")) == EncodingResult(
        "utf-16le", "detected", "low"
    )


def _random_bytes(size: int, *, nul: bool) -> bytes:
    data = random.Random(1234).randbytes(size)
    return data if nul else data.replace(b"\x00", b"\x01")


@pytest.mark.parametrize(
    "sample",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        bytes(100),
        b"\x00\x01\x02\x03binary\xff",
        b"%PDF-1.4\n" + bytes(64),
        _random_bytes(4096, nul=True),
    ],
    ids=["png", "zeros", "short-nul", "pdf-with-nul", "random-with-nul"],
)
def test_nul_bytes_that_are_not_wide_unicode_are_binary(sample):
    result = detect_encoding(sample)
    assert result == EncodingResult("", "binary", "high")
    assert decode_sample(sample, result) == ""


def test_undecodable_bytes_without_nul_are_binary():
    result = detect_encoding(_random_bytes(4096, nul=False))
    assert (result.encoding, result.method) == ("", "binary")


@pytest.mark.parametrize(
    ("declared", "encoding"),
    [
        ("UTF8", "utf-8"),
        ("utf-8-sig", "utf-8"),
        ("latin-1", "iso-8859-1"),
        ("ascii", "us-ascii"),
        ("cp1251", "windows-1251"),
        ("Windows-1252", "windows-1252"),
        ("gbk", "gb18030"),
        ("GB2312", "gb18030"),
        ("sjis", "shift_jis"),
        ("cp932", "shift_jis"),
        ("euc_jp", "euc-jp"),
        ("koi8_r", "koi8-r"),
        ("utf_16_le", "utf-16le"),
    ],
)
def test_declared_encoding_is_trusted_and_named_for_mime(declared, encoding):
    result = detect_encoding(b"plain text", declared=declared)
    assert result == EncodingResult(encoding, "declared", "high")


def test_declared_encoding_beats_a_bom():
    sample = codecs.BOM_UTF8 + "Zürich".encode()
    assert detect_encoding(sample, declared="latin-1").encoding == "iso-8859-1"


def test_declared_encoding_that_does_not_fit_gets_low_confidence():
    sample = (FIXTURES / "zh-Hans.gb18030.txt").read_bytes()
    assert detect_encoding(sample, declared="utf-8") == EncodingResult("utf-8", "declared", "low")


def test_declared_encoding_python_does_not_know():
    with pytest.raises(ValueError, match="'klingon-8'"):
        detect_encoding(b"abc", declared="klingon-8")


@pytest.mark.parametrize("codec", sorted(IANA_SUPPORTED))
def test_every_detectable_codec_gets_a_decodable_charset_name(codec):
    name = charset_name(codec)
    assert name == name.lower() and name.isascii() and "_" not in name.replace("shift_jis", "")
    codecs.lookup(python_codec(name))


def test_results_use_only_the_documented_words():
    samples = [(FIXTURES / name).read_bytes() for name in EXPECTED] + [b"", bytes(8)]
    for sample in samples:
        result = detect_encoding(sample)
        assert result.method in METHODS and result.confidence in CONFIDENCES
        assert isinstance(result.confidence, str)
