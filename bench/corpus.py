"""Deterministic synthetic corpora for the benchmark: multilingual text seeds with an INDEX.md.

The same arguments always give the same bytes (a seeded PRNG, no clock), so runs on different
days and machines compare like with like.
"""

from __future__ import annotations

import random
from pathlib import Path

# Small alphabets per language, so the words look like text to a compressor (Zipf-ish reuse).
_SCRIPTS = {
    "en": "etaoinshrdlcumwfgypbvkjxqz",
    "de": "enisratdhulcgmobwfkzäöüß",
    "ru": "оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё",
    "zh-Hans": "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坐集编宝谈府拉黑且随格尽剑讲布杀微怕母调局根曾准团段终乐切级克精哪官示冷域",
    "ar": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "es": "eaosrnidlctumpbgvyqhfzjñxáéíóú",
}
_LANGS = tuple(_SCRIPTS)


def _vocabulary(rng: random.Random, letters: str, words: int) -> list[str]:
    cjk = len(letters) > 100
    vocab = []
    for _ in range(words):
        length = rng.choice((1, 2, 2, 3)) if cjk else rng.choice((2, 3, 4, 4, 5, 6, 7, 8, 10))
        vocab.append("".join(rng.choice(letters) for _ in range(length)))
    return vocab


def _vocabularies(seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    return {lang: _vocabulary(rng, letters, 4000) for lang, letters in _SCRIPTS.items()}


def _text(rng: random.Random, vocab: list[str], size: int, cjk: bool) -> bytes:
    """About `size` bytes of sentences drawn with a Zipf-like bias from `vocab`."""
    parts: list[str] = []
    total = 0
    sep = "" if cjk else " "
    cumulative, running = [], 0.0
    for rank in range(len(vocab)):
        running += 1.0 / (rank + 1)
        cumulative.append(running)
    while total < size:
        words = rng.choices(vocab, cum_weights=cumulative, k=rng.randint(6, 18))
        sentence = sep.join(words) + ("。" if cjk else ". ")
        if rng.random() < 0.15:
            sentence += "\n\n"
        parts.append(sentence)
        total += len(sentence.encode("utf-8"))
    return "".join(parts).encode("utf-8")[:size].decode("utf-8", "ignore").encode("utf-8")


def make_corpus(folder: Path, *, count: int, min_size: int, max_size: int, seed: int = 5,
                big: tuple[int, ...] = ()) -> Path:
    """Write `count` text seeds of min_size..max_size bytes (plus `big` seeds) and INDEX.md."""
    folder.mkdir(parents=True, exist_ok=True)
    vocabs = _vocabularies(seed)
    rng = random.Random(seed * 1000003 + count)
    rows = []
    width = len(str(count))
    # Pre-generate a pool of texts and cut seeds from it: generating 100k texts one by one is slow.
    pool = {lang: _text(rng, vocabs[lang], 4 << 20, lang == "zh-Hans") for lang in _LANGS}
    for number in range(count):
        lang = _LANGS[number % len(_LANGS)]
        size = rng.randint(min_size, max_size)
        text = pool[lang]
        start = rng.randrange(0, len(text) - size - 8)
        data = text[start:start + size].decode("utf-8", "ignore").encode("utf-8")
        name = f"d{number // 1000:03d}/{number:0{width}d}_{lang}.txt"
        _write(folder / name, data)
        rows.append((name, lang))
    for number, size in enumerate(big):
        name = f"big/{number:02d}_{size >> 20}MiB.txt"
        _write_big(folder / name, pool[_LANGS[number % len(_LANGS)]], size)
        rows.append((name, _LANGS[number % len(_LANGS)]))
    _write_index(folder, rows, seed)
    return folder


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _write_big(path: Path, text: bytes, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(size)
    with open(path, "wb") as out:
        written = 0
        while written < size:
            start = rng.randrange(0, len(text) // 2)
            chunk = text[start:start + min(1 << 20, size - written)]
            out.write(chunk)
            written += len(chunk)


def _write_index(folder: Path, rows: list[tuple[str, str]], seed: int) -> None:
    table = []
    for number, (name, lang) in enumerate(rows):
        day = 1 + (number * 7 + seed) % 28
        table.append((name, f"Document {number}", f"synthetic corpus, seed {seed}", lang,
                      f"2023-05-{day:02d}"))
    write_index_rows(folder, f"synthetic benchmark corpus {folder.name}",
                     ("file", "title", "source", "language", "captured"), table)


def write_index_rows(folder: Path, title: str, columns: tuple[str, ...],
                     rows: list[tuple[str, ...]]) -> None:
    """INDEX.md for `folder`: batch fields, then one table row per seed (pipes escaped)."""
    lines = [
        f"# {title[:1].upper()}{title[1:]}", "",
        f"- batch: bench-{folder.name.lower()}", "- date: 2024-01-01T00:00:00Z",
        "- license: CC0-1.0", "", "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for row in rows:
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    (folder / "INDEX.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
