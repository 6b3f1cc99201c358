"""Append INDEX.md rows for seeds that have none, with what the tool can find filled in.

The `language` cell gets the language the document declares itself (HTML lang, xml:lang, a
PDF's /Lang) or else a detection at or above the threshold, and the notes say which; anything
less sure is `und`, for a person to correct, since a guess written there would read as declared
(text that is not prose gets `zxx`). The encoding goes into `notes`; `source` and `captured`
stay blank because only a person knows them, and `pack` refuses the rows until they are filled. The charset column is never filled here: a value there is a declaration, which
overrides detection, and the tool's own guess must stay labelled as detected.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from archiver.base.atomic import write_atomically
from archiver.detect.findings import Findings, detect
from archiver.detect.language import NO_LANGUAGE, UNDETERMINED, normalize_tag
from archiver.detect.subtags import tag_problem
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
    language_from: str = ""  # the note saying where the language came from


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
    findings = detect(path, sample, location=location, complete=len(sample) < SAMPLE)
    encoding = findings.encoding
    language, language_from = _language(findings)
    found = f"{encoding.encoding or 'binary'} ({encoding.method}, {encoding.confidence} confidence)"
    return AddedRow(path, language, found, language_from)


def _language(findings: Findings) -> tuple[str, str]:
    """The language cell for a new row, and the note saying where it came from."""
    own, found = findings.text.declared.language, findings.language
    if own and tag_problem(own) is None:
        return normalize_tag(own), "language declared by the document"
    if found is None:
        return NO_LANGUAGE, "no text"
    if found.determined:
        return found.tag, f"language detected ({found.confidence}% confidence)"
    if found.tag == NO_LANGUAGE:
        return NO_LANGUAGE, f"not prose ({findings.text_kind})"
    guess = f", best guess {found.guess} at {found.confidence}%" if found.guess else ""
    return UNDETERMINED, f"language undetermined{guess}: please fill it in"


def _line(columns: tuple[str, ...], row: AddedRow) -> str:
    values = {"file": row.path, "language": row.language,
              "notes": f"added by archiver add: encoding {row.encoding}, {row.language_from}"}
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
