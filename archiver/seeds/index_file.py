"""Read INDEX.md: batch fields at the top and one Markdown table row per seed.

People write this file by hand, so the parser is forgiving about layout and strict about content:
columns are found by their header names in any order, extra columns are kept, prose and headings
around the table are ignored, and batch fields are optional. A row that cannot be trusted (a
duplicate, a language tag that is malformed or names an unregistered subtag, an invalid date, a
blank required cell) stops packing with the line.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from archiver.base.dates import parse_capture
from archiver.detect.encoding import charset_problem
from archiver.detect.subtags import tag_problem
from archiver.errors import IndexFileError, where
from archiver.seeds.types import Batch, Index, Row

INDEX_NAME = "INDEX.md"


REQUIRED_COLUMNS = ("file", "source", "language", "captured")


KNOWN_COLUMNS = REQUIRED_COLUMNS + ("title", "notes", "charset")


_COLUMN_ALIASES = {"path": "file", "lang": "language", "encoding": "charset", "note": "notes"}


_BATCH_KEYS = {
    "title": "title", "description": "description", "creators": "creators", "creator": "creators",
    "authors": "creators", "license": "license", "licence": "license", "batch": "batch_id",
    "batch id": "batch_id", "batch-id": "batch_id", "id": "batch_id", "date": "date",
    "packaged": "date", "keywords": "keywords",
}


# Both patterns match in linear time: the parts a lazy group would backtrack over (a field name's
# trailing emphasis and spaces, a heading's closing hashes) are stripped in Python instead.
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z -]*")


_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*)$")


_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")


_BATCH_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def read_index(path: Path, *, require_filled: bool = True) -> Index:
    """Parse the INDEX.md at `path`; raise IndexFileError naming the line on any problem.

    `require_filled=False` accepts rows whose source, language or captured cells are still blank
    (as `archiver add` leaves them for a person); packing requires them filled.
    """
    try:
        text = _read_regular(path).decode("utf-8-sig")
    except FileNotFoundError:
        raise IndexFileError(f"{path}: no {INDEX_NAME} (describe each seed in a table)") from None
    except UnicodeDecodeError as err:
        raise IndexFileError(f"{path}: not valid UTF-8 ({err.reason} at byte {err.start})") from None
    except OSError as err:
        raise IndexFileError(f"{path}: cannot read: {err.strerror}") from None
    return parse_index(text, path, require_filled=require_filled)


def _read_regular(path: Path) -> bytes:
    with open_index(path) as stream:
        return stream.read()


def open_index(path: Path) -> BinaryIO:
    """The file opened for reading; a symlink (which could point outside the seeds folder) or a
    FIFO (which would block) is refused with an OSError."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "is a symbolic link; use the file itself") from None
        raise
    stream = open(fd, "rb")
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        stream.close()
        raise OSError(errno.EINVAL, "not a regular file")
    return stream


def parse_index(text: str, path: Path, *, require_filled: bool = True) -> Index:
    # LF (or CRLF) ends a line; a lone CR, VT, FF or NEL is a control character in a line, refused
    # where it stands, not a line break that would quietly cut a cell or a batch field in two.
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    start = _find_table(lines, path)
    fields = _batch_fields(lines[:start], path)
    columns = _columns(lines[start], path, start + 1)
    _check_separator(lines[start + 1], len(columns), path, start + 2)
    rows: list[Row] = []
    seen: dict[str, int] = {}
    blank: list[str] = []
    shared: dict[str, str] = {}
    for number in range(start + 2, len(lines)):
        if not lines[number].strip().startswith("|"):
            break
        row = _row(lines[number], columns, path, number + 1, blank, shared)
        if row.path in seen:
            raise IndexFileError(
                f"{where(path, number + 1)}: duplicate row for {row.path!r} "
                f"(first at line {seen[row.path]})"
            )
        seen[row.path] = number + 1
        rows.append(row)
    if blank and require_filled:
        raise IndexFileError(f"{path}: rows left blank for a person to fill in "
                             f"('unknown' is allowed for captured): {'; '.join(blank)}")
    return Index(batch=_batch(fields, lines, path), rows=tuple(rows), columns=tuple(columns))


def _find_table(lines: list[str], path: Path) -> int:
    for number, line in enumerate(lines):
        if line.strip().startswith("|") and "file" in normalized_cells(line):
            if number + 1 >= len(lines) or not lines[number + 1].strip().startswith("|"):
                raise IndexFileError(f"{where(path, number + 1)}: table header has no separator row")
            return number
    raise IndexFileError(f"{path}: no Markdown table with a 'file' column")


def normalized_cells(line: str) -> list[str]:
    return [column_name(cell) for cell in split_cells(line)]


def column_name(header: str) -> str:
    """A column's name as the table's header gives it: lowercase, aliases resolved."""
    lowered = header.lower()
    return _COLUMN_ALIASES.get(lowered, lowered)


def split_cells(line: str) -> list[str]:
    """Split a table line on unescaped pipes; `\\|` stands for a literal pipe."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells = re.split(r"(?<!\\)\|", body)
    return [cell.strip().replace("\\|", "|") for cell in cells]


def _columns(line: str, path: Path, number: int) -> list[str]:
    columns = normalized_cells(line)
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            raise IndexFileError(f"{where(path, number)}: table has no {column!r} column")
    seen: set[str] = set()
    for name in columns:
        if not name:
            raise IndexFileError(f"{where(path, number)}: table has a column with no name")
        if name in seen:
            raise IndexFileError(f"{where(path, number)}: column {name!r} appears twice")
        seen.add(name)
    return columns


def _check_separator(line: str, width: int, path: Path, number: int) -> None:
    cells = split_cells(line)
    if len(cells) != width or not all(_SEPARATOR_CELL.match(c.replace(" ", "")) for c in cells):
        raise IndexFileError(
            f"{where(path, number)}: malformed table: expected a separator row like |---|---| "
            f"with {width} cells"
        )


def _row(line: str, columns: list[str], path: Path, number: int, blank: list[str],
         shared: dict[str, str]) -> Row:
    """One seed's row. Values that rows repeat (a source, a language) are stored once, through
    `shared`: a batch of 100,000 rows is held in memory while it is packed."""
    cells = split_cells(line)
    if len(cells) != len(columns):
        raise IndexFileError(
            f"{where(path, number)}: malformed table: {len(cells)} cells where the header has "
            f"{len(columns)}"
        )
    values = {name: value if name in ("file", "title") else shared.setdefault(value, value)
              for name, value in zip(columns, cells)}
    for name, value in values.items():
        if _CONTROL.search(value):
            raise IndexFileError(f"{where(path, number)}: column {name!r} holds a control character")
    seed = _strip_code(values["file"])
    if not seed:
        raise IndexFileError(f"{where(path, number)}: row has an empty 'file' cell")
    missing = [name for name in ("source", "language", "captured") if not values[name]]
    if missing:
        blank.append(f"line {number}: {seed}: {', '.join(map(repr, missing))} "
                     f"{'is' if len(missing) == 1 else 'are'} blank")
    language = values["language"]
    problem = tag_problem(language) if language else None
    if problem:
        raise IndexFileError(f"{where(path, number)}: {seed}: invalid language tag "
                             f"{language!r}: {problem}")
    try:
        captured = parse_capture(values["captured"] or "unknown")
    except ValueError as err:
        raise IndexFileError(f"{where(path, number)}: {seed}: {err}") from None
    if values.get("charset") and (problem := charset_problem(values["charset"])):
        raise IndexFileError(f"{where(path, number)}: {seed}: charset: {problem}")
    extra = tuple((k, v) for k, v in values.items() if k not in KNOWN_COLUMNS)
    return Row(
        path=seed, line=number, title=values.get("title", ""), source=values["source"],
        language=language, captured=captured, notes=values.get("notes", ""),
        charset=values.get("charset", ""), extra=extra,
    )


def _strip_code(cell: str) -> str:
    if len(cell) >= 2 and cell.startswith("`") and cell.endswith("`"):
        return cell[1:-1]
    return cell


def _batch_fields(lines: list[str], path: Path) -> dict[str, tuple[str, int]]:
    fields: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(lines, start=1):
        field = _field(line)
        if field is None or field[0].lower() not in _BATCH_KEYS:
            continue
        key = _BATCH_KEYS[field[0].lower()]
        if _CONTROL.search(field[1]):
            raise IndexFileError(f"{where(path, number)}: batch field {key!r} holds a control "
                                 "character")
        if key in fields:
            raise IndexFileError(f"{where(path, number)}: batch field {key!r} given twice")
        fields[key] = (field[1].strip(), number)
    return fields


def _field(line: str) -> tuple[str, str] | None:
    """`- **Name**: value` (bullet and emphasis optional) as (name, value), or None."""
    name, colon, value = line.partition(":")
    if not colon:
        return None
    name = name.lstrip()
    if name[:1] in ("-", "*") and name[1:2].isspace():
        name = name[1:].lstrip()
    name = _unemphasize(_unemphasize(name, str.removeprefix).rstrip(), str.removesuffix)
    if not _FIELD_NAME.fullmatch(name):
        return None
    return name.strip(), _unemphasize(value, str.removeprefix).lstrip()


def _unemphasize(text: str, remove: Callable[[str, str], str]) -> str:
    for mark in ("**", "__"):
        if remove(text, mark) != text:
            return remove(text, mark)
    return text


def _batch(fields: dict[str, tuple[str, int]], lines: list[str], path: Path) -> Batch:
    title = fields.get("title", ("", 0))[0] or _first_heading(lines)
    batch_id, line = fields.get("batch_id", ("", 0))
    if batch_id and not _BATCH_ID.match(batch_id):
        raise IndexFileError(
            f"{where(path, line)}: invalid batch id {batch_id!r}: use lowercase letters, digits, "
            "'.', '_' and '-' (it names the WARC file)"
        )
    return Batch(
        batch_id=batch_id or slug(title) or "batch",
        title=title,
        description=fields.get("description", ("", 0))[0],
        creators=_split_list(fields.get("creators", ("", 0))[0]),
        license=fields.get("license", ("", 0))[0],
        date=fields.get("date", ("", 0))[0],
        keywords=_split_list(fields.get("keywords", ("", 0))[0]),
    )


def _first_heading(lines: list[str]) -> str:
    for line in lines:
        match = _HEADING.match(line)
        if match:
            return match[1].rstrip().rstrip("#").rstrip()
    return ""


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(";") if part.strip())


def slug(text: str) -> str:
    """A WARC-file-safe id from a title: lowercase ASCII letters and digits joined by '-'."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:64]
