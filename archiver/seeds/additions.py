"""Append INDEX.md rows for seeds that have none, with what the tool can find filled in.

The detected language goes in the `language` cell and the encoding into `notes`; `source` and
`captured` stay blank because only a person knows them, and `pack` refuses the rows until they
are filled. The charset column is never filled here: a value there is a declaration, which
overrides detection, and the tool's own guess must stay labelled as detected.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from archiver.base.atomic import write_atomically
from archiver.detect.findings import detect
from archiver.detect.language import NO_LANGUAGE
from archiver.errors import SeedError
from archiver.seeds.folder import find_seeds
from archiver.seeds.index_file import INDEX_NAME, normalized_cells, read_index
from archiver.seeds.reading import SAMPLE, open_seed, why

NEW_INDEX = ("# {title}\n\n- title: {title}\n\n"
             "| file | title | source | language | captured | notes |\n"
             "|---|---|---|---|---|---|\n")


@dataclass(frozen=True)
class AddedRow:
    path: str
    language: str
    encoding: str


def add_rows(seeds_dir: Path) -> list[AddedRow]:
    """Append a row for every seed without one; returns what was added (nothing: no change)."""
    index_path = seeds_dir / INDEX_NAME
    if index_path.exists():
        text = index_path.read_bytes().decode("utf-8-sig")
        index = read_index(index_path, require_filled=False)
        columns, listed = index.columns, {row.path for row in index.rows}
    else:
        text = NEW_INDEX.format(title=seeds_dir.resolve().name or "Seeds")
        columns = ("file", "title", "source", "language", "captured", "notes")
        listed = set()
    added = [_describe(seed.path, seed.folder) for seed in find_seeds(seeds_dir)
             if seed.path not in listed]
    if added:
        lines = [_line(columns, row) for row in added]
        write_atomically(index_path, _insert_rows(text, lines).encode("utf-8"))
    return added


def _describe(path: str, folder: str) -> AddedRow:
    location = os.path.join(folder, path)
    try:
        with open(open_seed(folder, path), "rb") as stream:
            sample = stream.read(SAMPLE)
    except OSError as err:
        raise SeedError(f"{location}: cannot read: {why(err)}") from None
    findings = detect(path, sample, document=location, complete=len(sample) < SAMPLE)
    encoding = findings.encoding
    language = findings.language.tag if findings.language is not None else NO_LANGUAGE
    found = f"{encoding.encoding or 'binary'} ({encoding.method}, {encoding.confidence} confidence)"
    return AddedRow(path, language, found)


def _line(columns: tuple[str, ...], row: AddedRow) -> str:
    values = {"file": row.path, "language": row.language,
              "notes": f"added by archiver add: encoding {row.encoding}, language detected"}
    cells = [values.get(column, "").replace("|", "\\|") for column in columns]
    return "| " + " | ".join(cells) + " |"


def _insert_rows(text: str, new: list[str]) -> str:
    """Put the new rows right after the table's last row, keeping everything else as it is."""
    lines = text.splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines)
                  if line.strip().startswith("|") and "file" in normalized_cells(line))
    end = header + 2
    while end < len(lines) and lines[end].strip().startswith("|"):
        end += 1
    if end and not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    return "".join(lines[:end] + [line + "\n" for line in new] + lines[end:])
