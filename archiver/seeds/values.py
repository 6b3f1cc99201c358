"""Per-seed values for `archiver add`, from a CSV or JSON lines file keyed by path.

The usual output of a crawler or a spreadsheet: one record per seed, its path (relative to the
seeds folder, exactly as on disk) under `file` or `path`, and any of INDEX.md's columns
(`source`, `captured`, `language`, `title`, `notes`, `charset`, or the table's own). Column
names are read as INDEX.md's headers are (case, aliases). A `.csv` is comma-separated, a `.tsv`
tab-separated (a header row first, UTF-8, a BOM allowed); anything else is JSON lines (one
object a line, string values; null or "" leaves the cell to the other options). Every value is
checked as INDEX.md would check it, naming the file and line, before any row is written.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Iterator, TextIO

from archiver.base.dates import parse_capture
from archiver.base.uris import check_header_value
from archiver.detect.encoding import charset_problem
from archiver.detect.subtags import tag_problem
from archiver.errors import InputError
from archiver.seeds.index_file import column_name

SeedValues = dict[str, dict[str, str]]  # path -> column -> value


def read_values(path: Path) -> SeedValues:
    """Every record of the values file, by seed path; InputError naming the line if one is bad."""
    found: SeedValues = {}
    lines: dict[str, int] = {}
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            records = _tabular(stream, path) if path.suffix.lower() in _DELIMITERS else \
                _json_lines(stream, path)
            for number, record in records:
                seed, values = _checked(record, path, number)
                if seed in found:
                    raise InputError(f"{path}:{number}: a second record for {seed!r} (first at "
                                     f"line {lines[seed]})")
                found[seed], lines[seed] = values, number
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not valid UTF-8 ({err.reason})") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read the values file: {err.strerror}") from None
    return found


_DELIMITERS = {".csv": ",", ".tsv": "\t"}


def _tabular(stream: TextIO, path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    reader = csv.reader(stream, delimiter=_DELIMITERS[path.suffix.lower()])
    try:
        header = next(reader, None)
        if header is None:
            raise InputError(f"{path}: empty values file (a header row first: file,source,…)")
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                raise InputError(f"{path}:{reader.line_num}: {len(cells)} cells where the header "
                                 f"has {len(header)}")
            yield reader.line_num, dict(zip(header, cells))
    except csv.Error as err:
        raise InputError(f"{path}:{reader.line_num}: not CSV: {err}") from None


def _json_lines(stream: TextIO, path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"{path}:{number}: not a JSON line ({err.msg})") from None
        if not isinstance(record, dict):
            raise InputError(f"{path}:{number}: a JSON line must be an object "
                             '({"file": "PATH", "source": …})')
        yield number, record


def _checked(record: dict[str, object], path: Path, number: int) -> tuple[str, dict[str, str]]:
    """The record's seed path and its non-empty values, under INDEX.md's column names."""
    values: dict[str, str] = {}
    for key, value in record.items():
        column = column_name(str(key).strip())
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise InputError(f"{path}:{number}: {key!r} must be a string, not {value!r}")
        if column in values:
            raise InputError(f"{path}:{number}: column {column!r} given twice")
        try:
            check_header_value(value)
        except ValueError:
            raise InputError(f"{path}:{number}: {key!r} holds a control character") from None
        values[column] = value if column == "file" else value.strip()
    seed = values.pop("file", "")
    if not seed:
        raise InputError(f"{path}:{number}: no 'file' (or 'path') naming the seed")
    _check_cells(values, f"{path}:{number}: {seed}")
    return seed, values


def _check_cells(values: dict[str, str], where: str) -> None:
    if "language" in values and (problem := tag_problem(values["language"])):
        raise InputError(f"{where}: invalid language tag {values['language']!r}: {problem}")
    if "charset" in values and (problem := charset_problem(values["charset"])):
        raise InputError(f"{where}: charset: {problem}")
    if "captured" in values:
        try:
            parse_capture(values["captured"])
        except ValueError as err:
            raise InputError(f"{where}: {err}") from None
