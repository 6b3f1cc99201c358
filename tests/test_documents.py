"""Language detection on a labelled corpus of real documents (tests/documents.py).

Twelve languages (Simplified and Traditional Chinese told apart), each as text, HTML with
English boilerplate, groff's own HTML, XHTML and PDF, packed as a user would pack them. A right
answer has the right primary subtag, and for Chinese the right script; `und` is not right.
ARCHIVER_CORPUS_PAGES sets the pages per language (default 5, about 290 seeds; 40 for a
longer hunt).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import langcodes
from conftest import run
from documents import LANGUAGES, write_corpus

from archiver.detect.language import THRESHOLD

PAGES = int(os.environ.get("ARCHIVER_CORPUS_PAGES", "5"))


MARK = 0.98


KINDS = ("groff.html", "html", "xhtml", "pdf", "txt")  # groff.html before html: by suffix


def right(tag: str, expected: str) -> bool:
    if expected.startswith("zh"):
        return tag == expected
    return langcodes.Language.get(tag).language == expected


def test_the_labelled_corpus_gets_its_languages(tmp_path: Path) -> None:
    expected = write_corpus(tmp_path / "seeds", PAGES)
    result = run("pack", tmp_path / "seeds", "--out", tmp_path / "out", "--quiet")
    assert result.returncode == 0, result.stderr
    manifest = json.loads(next((tmp_path / "out").glob("*.manifest.json")).read_text())
    detected = {seed["path"]: seed["language"]["detected"] for seed in manifest["seeds"]}
    good, wrong_and_sure, kinds = Counter(), [], Counter()
    for name, language in expected.items():
        found = detected[name]
        kind = next(kind for kind in KINDS if name.endswith("." + kind))
        kinds[kind] += 1
        if right(found["tag"], language):
            good[kind] += 1
        elif found["tag"] != "und":
            wrong_and_sure.append((name, found["tag"], found["confidence"]))
    total = sum(good.values()) / len(expected)
    by_kind = ", ".join(f"{kind} {good[kind]}/{kinds[kind]}" for kind in sorted(kinds))
    print(f"\nlanguage accuracy: {total:.1%} of {len(expected)} seeds in {len(LANGUAGES)} "
          f"languages ({by_kind}); wrong above the threshold of {THRESHOLD}: {wrong_and_sure}")
    assert not wrong_and_sure
    assert total >= MARK, (total, by_kind)
    assert set(kinds) == set(KINDS)
