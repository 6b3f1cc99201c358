"""Properties, with Hypothesis: INDEX.md parsing never crashes and any table that parses packs;
pack → verify → extract gives back arbitrary bytes under arbitrary (legal) names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from faultlib import PACKAGED, index_text, make_seeds
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.errors import ArchiverError, IndexFileError, InputError
from archiver.extraction.restore import extract
from archiver.packing.packer import pack
from archiver.seeds.index_file import parse_index
from archiver.seeds.plan import plan
from archiver.verification.checker import verify

# FAULTS_EXAMPLES=1000 for a longer hunt; the suite stays bounded by default.
SETTINGS = settings(max_examples=int(os.environ.get("FAULTS_EXAMPLES", "60")), deadline=10_000,
                    database=None,
                    suppress_health_check=[HealthCheck.too_slow])
INDEX = Path("INDEX.md")

# Characters a file name may hold (control characters are refused, and tested elsewhere).
NAME_CHARS = st.characters(blacklist_categories=("Cc", "Cs"),
                           blacklist_characters="/\u2028\u2029\x85")
names = st.text(NAME_CHARS, min_size=1, max_size=24).filter(
    lambda n: n not in (".", "..", "INDEX.md") and len(n.encode()) <= 200
    and "\\|" not in n and not n.endswith("\\"))  # INDEX.md cannot write a backslash before |
paths = st.one_of(names, st.tuples(names, names).map("/".join))
cell_text = st.text(NAME_CHARS, max_size=30).map(lambda t: t.replace("|", "\\|").strip())
languages = st.sampled_from(["en", "zh-Hans", "pt-BR", "und", "de-CH-1996", "x-klingon"])
captured = st.sampled_from(["unknown", "2021", "2021-03", "2021-03-18", "2021-03-18T09Z",
                           "2021-03-18T09:30:00Z", "2021-03-18T09:30:00.125Z"])


def rows_strategy():
    return st.lists(st.tuples(paths, cell_text, cell_text, languages, captured), min_size=1,
                    max_size=6, unique_by=lambda row: row[0])


def table(rows) -> str:
    lines = ["# Batch", "", "- batch: prop", "", "| file | title | source | language | captured |",
             "|---|---|---|---|---|"]
    for path, title, source, language, when in rows:
        lines.append(f"| `{path.replace('|', chr(92) + '|')}` | {title} | {source or 'x'} | "
                     f"{language} | {when} |")
    return "\n".join(lines) + "\n"


def no_prefix_clash(paths_: list[str]) -> bool:
    """A name cannot be both a file and the folder of another."""
    return not any(other.startswith(path + "/") for path in paths_ for other in paths_)


@SETTINGS
@given(rows=rows_strategy().filter(lambda rows: no_prefix_clash([r[0] for r in rows])))
def test_any_table_that_parses_packs(tmp_path_factory: pytest.TempPathFactory, rows):
    root = tmp_path_factory.mktemp("table")
    text = table(rows)
    index = parse_index(text, INDEX)
    assert [row.path for row in index.rows] == [row[0] for row in rows]
    seeds = make_seeds(root / "seeds", {row[0]: row[1].encode() for row in rows}, index=text)
    result = pack(seeds, out_dir=root / "out", packaged=PACKAGED)
    assert verify(result.manifest_path, seeds_dir=seeds).ok


TABLE_LINES = st.sampled_from([
    "| file | title | source | language | captured |", "|---|---|---|---|---|",
    "| a.txt | t | s | en | unknown |", "| a.txt | t | s | en |", "| b.txt | | s | en | 2021 |",
    "| file | file | source | language | captured |", "|---|---|", "- batch: Bad Id",
    "- title: x", "- date: 2021-13-45", "| c.txt | t | s | not a tag! | 2021 |",
    "| d.txt | t | s | en | yesterday |", "", "# heading", "|", "| `` | t | s | en | 2021 |",
])


@SETTINGS
@given(lines=st.lists(st.one_of(TABLE_LINES, st.text(max_size=40)), max_size=12))
def test_any_text_parses_or_gives_an_index_error(tmp_path_factory: pytest.TempPathFactory,
                                                 lines):
    text = "\n".join(lines)
    try:
        index = parse_index(text, INDEX)
    except IndexFileError as err:
        assert "\n" not in str(err) and str(err).startswith("INDEX.md")
        return
    root = tmp_path_factory.mktemp("text")
    seeds = make_seeds(root / "seeds", {}, index=text)
    for row in index.rows:  # give every row a file where the name allows one
        target = seeds / row.path
        if row.path.startswith("/") or ".." in row.path.split("/") or "\0" in row.path:
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"x")
        except OSError:
            continue
    try:
        result = pack(seeds, out_dir=root / "out", packaged=PACKAGED)
    except InputError as err:  # exit 2: a row names no usable file, a bad date, ...
        assert "\n" not in str(err)
        return
    assert verify(result.manifest_path).ok


@SETTINGS
@given(files=st.dictionaries(paths, st.binary(max_size=3000), min_size=1, max_size=6)
       .filter(lambda files: no_prefix_clash(list(files))))
def test_pack_extract_round_trips_arbitrary_bytes_and_names(
        tmp_path_factory: pytest.TempPathFactory, files: dict[str, bytes]):
    root = tmp_path_factory.mktemp("round")
    seeds = make_seeds(root / "seeds", files,
                       index=index_text([p.replace("|", "\\|") for p in sorted(files)]))
    work = plan(seeds)
    assert sorted(file.path for file, _ in work.seeds) == sorted(files)
    result = pack(seeds, out_dir=root / "out", packaged=PACKAGED, prepared=work)
    assert verify(result.manifest_path, seeds_dir=seeds).ok
    restored = extract(result.manifest_path, to=root / "restored")
    assert sorted(item.path for item in restored) == sorted(files)
    for path, data in files.items():
        assert (root / "restored" / path).read_bytes() == data


@SETTINGS
@given(name=st.text(st.characters(blacklist_characters="/\0", blacklist_categories=("Cs",)),
                   min_size=1, max_size=12)  # a surrogate: no UTF-8 INDEX.md can name it
       .filter(lambda n: n not in (".", "..", "INDEX.md")))
def test_any_name_packs_or_is_refused_in_one_line(tmp_path_factory: pytest.TempPathFactory,
                                                  name: str):
    root = tmp_path_factory.mktemp("name")
    seeds = make_seeds(root / "seeds", {"ok.txt": b"ok"})
    try:
        (seeds / name).write_bytes(b"x")
    except (OSError, UnicodeEncodeError):
        return  # a name this filesystem cannot hold
    (seeds / "INDEX.md").write_text(index_text(sorted(["ok.txt", name.replace("|", "\\|")])),
                                    "utf-8")
    try:
        result = pack(seeds, out_dir=root / "out", packaged=PACKAGED)
    except ArchiverError as err:
        assert err.exit_code == 2 and "\n" not in str(err)
        assert not (root / "out").exists() or not any((root / "out").iterdir())
        return
    restored = extract(result.manifest_path, to=root / "restored")
    assert {item.path for item in restored} == {"ok.txt", name}
