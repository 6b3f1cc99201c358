"""Append INDEX.md rows for seeds that have none, with what the tool can find filled in.

The `language` cell gets the language the document declares itself (HTML lang, xml:lang, a
PDF's /Lang) or else a detection at or above the threshold, and the notes say which; anything
less sure is `und`, for a person to correct, since a guess written there would read as declared
(text that is not prose gets `zxx`). The encoding goes into `notes`. What only a person knows they may give for the whole batch or per seed: `source` from a template holding
the seed's percent-encoded path (`https://example.org/docs/{path}`), `captured` as a time or as
`mtime` (each file's modification time to the second; the row's notes say it came from the file
system), and any column from a values file (`values.py`), which wins over both; where that
gives no title, the document's own (HTML `<title>`, PDF `/Title`, as `detect` reads it). Cells
nobody filled stay blank, and `pack` refuses those rows until a person fills them. The charset column
is filled only from a values file: a value there is a declaration, which overrides detection,
and the tool's own guess must stay labelled as detected.

Rows already in INDEX.md are never changed; new rows go after the table's last one. Each row is
written so that INDEX.md's reader gives back what was meant (the name in backticks, pipes
escaped), and the new INDEX.md is read back, as `pack` reads it, before it replaces the old one.
Seeds are described on every core (`base.pool`) once a folder is large enough to repay it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from archiver.base.atomic import write_atomically
from archiver.base.dates import parse_capture
from archiver.base.pool import default_jobs, in_order, process_pool
from archiver.base.uris import check_header_value, encoded_path
from archiver.detect.findings import Examined, Findings, conclude, examine
from archiver.detect.language import NO_LANGUAGE, UNDETERMINED, normalize_tag
from archiver.detect.subtags import tag_problem
from archiver.errors import IndexFileError, InputError, SeedError
from archiver.seeds.folder import find_seeds
from archiver.seeds.index_file import INDEX_NAME, normalized_cells, parse_index, read_index
from archiver.seeds.reading import SAMPLE, open_seed, stat_seed, tool_path, why
from archiver.seeds.types import Row, SeedFile
from archiver.seeds.values import SeedValues, read_values

NO_TEXT = "zxx"  # BCP 47: no linguistic content (a link's row)
MTIME = "mtime"  # --captured mtime: each file's modification time
POOL_FROM = 64  # seeds: below this, starting worker processes costs more than it saves
CHUNK_SEEDS = 32  # seeds a worker describes in one task
COLUMNS = ("file", "title", "source", "language", "captured", "notes")
NEW_INDEX = "# {title}\n\n- title: {title}\n\n"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class Described:
    """What a worker found in one seed."""

    path: str
    language: str
    encoding: str
    title: str  # the document's own (HTML <title>, PDF /Title, …), "" if it gives none
    modified: int  # seconds since 1970, the file's st_mtime
    language_from: str = ""  # the note saying where the language came from


@dataclass(frozen=True)
class AddedRow:
    """A row `add` wrote: the seed, what was detected, and every cell as written."""

    path: str
    language: str
    encoding: str
    cells: dict[str, str]

    @property
    def blank(self) -> list[str]:
        """The required cells still left for a person to fill in."""
        return [name for name in ("source", "language", "captured") if not self.cells.get(name)]


@dataclass(frozen=True)
class Added:
    rows: list[AddedRow]
    warnings: list[str]


def add_rows(seeds_dir: Path, *, source: str | None = None, captured: str | None = None,
             values: Path | None = None, jobs: int | None = None,
             on_progress: Callable[[int, int], None] | None = None,
             skip_bad_links: bool = False) -> Added:
    """Append a row for every seed without one (nothing added: INDEX.md is left as it is).

    `source` is a template (`{path}` stands for the seed's percent-encoded path), `captured` a
    capture time or MTIME, `values` a CSV or JSON lines file of per-seed values keyed by path.
    `on_progress(done, total)` is called as each seed is described. A symbolic link gets a row
    as the link it is (language `zxx`, its target in the notes); a bad one is refused, or with
    `skip_bad_links` given no row and a warning.
    """
    _check_options(source, captured)
    given = read_values(values) if values else {}
    index_path = seeds_dir / INDEX_NAME
    if index_path.exists():
        text = index_path.read_bytes().decode("utf-8-sig")
        index = read_index(index_path, require_filled=False)
        columns, listed = index.columns, {row.path for row in index.rows}
    else:
        extra = tuple(dict.fromkeys(c for cells in given.values() for c in cells
                                    if c not in COLUMNS))
        columns, listed = COLUMNS + extra, set()
        text = NEW_INDEX.format(title=seeds_dir.resolve().name or "Seeds") + _header(columns)
    _check_columns(columns, given, values, index_path, captured)
    skipped: dict[str, str] | None = {} if skip_bad_links else None
    new = [seed for seed in find_seeds(seeds_dir, skipped=skipped) if seed.path not in listed]
    warnings = [*(skipped or {}).values(), *_unused(given, {seed.path for seed in new}, listed,
                                                    values)]
    rows = [_row(found, columns, source=source, captured=captured,
                 given=given.get(found.path, {}))
            for found in _describe_all(new, jobs or default_jobs(), on_progress)]
    if rows:
        updated = _insert_rows(text, [_line(columns, row.cells) for row in rows])
        _check_read_back(updated, index_path, rows)
        write_atomically(index_path, updated.encode("utf-8"))
    return Added(rows, warnings)


def _check_options(source: str | None, captured: str | None) -> None:
    try:
        check_header_value(source or "")
    except ValueError:
        raise InputError("--source: holds a control character") from None
    if captured and captured != MTIME:
        try:
            parse_capture(captured)
        except ValueError as err:
            raise InputError(f"--captured: {err}, or 'mtime'") from None


def _check_columns(columns: tuple[str, ...], given: SeedValues, values: Path | None,
                   index_path: Path, captured: str | None) -> None:
    for cells in given.values():
        for column in cells:
            if column not in columns:
                raise InputError(f"{values}: column {column!r} is not in {index_path}'s table "
                                 "(add it to the table first: add never changes a row)")
    if captured == MTIME and "notes" not in columns:
        raise InputError(f"{index_path}: --captured mtime needs a 'notes' column, where each "
                         "row says its time is the file's modification time")


def _unused(given: SeedValues, new: set[str], listed: set[str], values: Path | None) -> list[str]:
    already = sorted(path for path in given if path in listed)
    absent = sorted(path for path in given if path not in listed and path not in new)
    warnings = []
    if already:
        warnings.append(f"{values}: {len(already)} record(s) for seeds INDEX.md already lists "
                        f"were not used (rows are never changed), e.g. {already[0]!r}")
    if absent:
        warnings.append(f"{values}: {len(absent)} record(s) name no file in the seeds folder, "
                        f"e.g. {absent[0]!r}")
    return warnings


def _describe_all(seeds: list[SeedFile], jobs: int,
                  on_progress: Callable[[int, int], None] | None) -> Iterator[Described]:
    chunks = [seeds[start:start + CHUNK_SEEDS] for start in range(0, len(seeds), CHUNK_SEEDS)]
    if jobs == 1 or len(seeds) < POOL_FROM:
        described = (item for chunk in chunks for item in _describe_chunk(chunk))
        yield from _counted(described, len(seeds), on_progress)
        return
    with process_pool(jobs) as pool:
        described = (item for chunk in in_order(pool, _describe_chunk, chunks, jobs=jobs)
                     for item in chunk)
        yield from _counted(described, len(seeds), on_progress)


def _describe_chunk(seeds: list[SeedFile]) -> list[Described]:
    """A worker's task: consecutive seeds (one task a seed cost more in passing tasks and
    results between processes than two workers gained), each examined, then their languages
    concluded together (`conclude`)."""
    examined = [_examine(seed) for seed in seeds]
    findings = iter(conclude([item[0] for item in examined if not isinstance(item, Described)]))
    return [item if isinstance(item, Described) else _described(seed, next(findings), item[1])
            for seed, item in zip(seeds, examined)]


def _counted(found: Iterator[Described], total: int,
             on_progress: Callable[[int, int], None] | None) -> Iterator[Described]:
    for done, item in enumerate(found, start=1):
        yield item
        if on_progress:
            on_progress(done, total)


def _examine(seed: SeedFile) -> Described | tuple[Examined, int]:
    """A link's description, or what detection finds in the seed but its language, and the
    file's st_mtime."""
    location = seed.location
    if seed.link is not None:  # listed as the link it is, never read through
        try:
            modified = int(stat_seed(seed.folder, seed.path).st_mtime)
        except OSError as err:
            raise SeedError(f"{location}: cannot read: {why(err)}") from None
        return Described(seed.path, NO_TEXT, "none", "", modified,
                         f"a symbolic link to {seed.link} ({NO_TEXT}: no linguistic content)")
    try:
        with open(open_seed(seed.folder, seed.path), "rb") as stream:
            sample = stream.read(SAMPLE)
            modified = int(os.fstat(stream.fileno()).st_mtime)
    except OSError as err:
        raise SeedError(f"{location}: cannot read: {why(err)}") from None
    with tool_path(seed) as vetted:
        # no PRONOM identifier: a row names no format (pack identifies each seed)
        return examine(seed.path, sample, location=vetted, complete=len(sample) < SAMPLE,
                       pronom=False), modified


def _described(seed: SeedFile, findings: Findings, modified: int) -> Described:
    encoding = findings.encoding
    language, language_from = _language(findings)
    found = f"{encoding.encoding or 'binary'} ({encoding.method}, {encoding.confidence} confidence)"
    title = _CONTROL.sub("", findings.text.declared.title)  # a cell may hold no control
    return Described(seed.path, language, found, title, modified, language_from)


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


def _row(found: Described, columns: tuple[str, ...], *, source: str | None,
         captured: str | None, given: dict[str, str]) -> AddedRow:
    cells = dict(given)
    cells["file"] = found.path
    cells.setdefault("language", found.language)
    if source:
        cells.setdefault("source", source.replace("{path}", encoded_path(found.path)))
    said = [f"encoding {found.encoding}"]
    if "language" not in given:
        said.append(found.language_from)
    if found.title and "title" not in given and "title" in columns:
        cells["title"] = found.title
        said.append("title from the document")
    if captured == MTIME and "captured" not in given:
        moment = datetime.fromtimestamp(found.modified, tz=timezone.utc)
        cells["captured"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        said.append("captured is the file's modification time (from the file system)")
    elif captured:
        cells.setdefault("captured", captured)
    ours = "added by archiver add: " + ", ".join(said)
    if "notes" in columns:  # a table without one gets the other cells (--captured mtime needs it)
        cells["notes"] = f"{given['notes']}; {ours}" if given.get("notes") else ours
    return AddedRow(found.path, found.language, found.encoding, cells)


def _header(columns: tuple[str, ...]) -> str:
    return "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n"


def _line(columns: tuple[str, ...], cells: dict[str, str]) -> str:
    """A table row INDEX.md's reader gives back as `cells`: the name in backticks (so leading
    and trailing spaces and backticks of its own survive), every pipe escaped."""
    written = [f"`{cells['file']}`" if column == "file" else cells.get(column, "")
               for column in columns]
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in written) + " |"


def _check_read_back(text: str, index_path: Path, rows: list[AddedRow]) -> None:
    """Read the new INDEX.md as `pack` will, and refuse to write it unless every new row reads
    back as meant."""
    try:
        index = parse_index(text, index_path, require_filled=False)
    except IndexFileError as err:
        raise InputError(f"{err}; nothing was written") from None
    read = {row.path: row for row in index.rows}
    for row in rows:
        back = read.get(row.path)
        meant = {name: parse_capture(value).value if name == "captured" else value
                 for name, value in row.cells.items()}
        if back is None or any(_cells(back).get(name, "") != value for name, value in meant.items()):
            raise InputError(f"{index_path}: the row for {row.path!r} would not read back as "
                             "written; nothing was written")


def _cells(row: Row) -> dict[str, str]:
    return {"file": row.path, "title": row.title, "source": row.source, "language": row.language,
            "captured": row.captured.value, "notes": row.notes, "charset": row.charset,
            **dict(row.extra)}


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
