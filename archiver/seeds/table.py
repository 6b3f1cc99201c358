"""The seeds of a batch of any size: INDEX.md's rows and the folder's files, matched on disk.

`plan` holds every row and file in memory, which a batch of millions of seeds cannot afford. A
`SeedTable` streams INDEX.md and the folder into an SQLite file in a temporary folder (SQLite's
sort and join work in bounded memory), refuses every mismatch `plan` refuses, with the same
messages in the same order, and then yields the seeds sorted by the name's code points (SQLite
compares TEXT as UTF-8 bytes, which sorts like code points). Each row is kept as its line of
INDEX.md and parsed again when read, so a seed costs this process nothing while it waits.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from archiver.errors import IndexFileError
from archiver.seeds import index_file as idx
from archiver.seeds.folder import walk_seeds
from archiver.seeds.index_file import INDEX_NAME
from archiver.seeds.types import Batch, Row, SeedFile

_SCHEMA = """
CREATE TABLE rows (path TEXT PRIMARY KEY, line INTEGER NOT NULL, text TEXT NOT NULL);
CREATE TABLE files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, fold TEXT NOT NULL);
"""
_BATCH_INSERTS = 5_000
# SQLite's page cache, which also bounds its sorter (GROUP BY, ORDER BY without an index) before
# it spills to a temporary file: 1 MiB, so this process's memory is the same for 10,000 seeds
# as for 100 million. 16 MiB grew the driver by 22 MiB from 10,000 to 100,000 seeds and saved
# no CPU time (the table's pages stay in the system's file cache).
_CACHE_KIB = 1024


@dataclass(frozen=True)
class TableHead:
    """What INDEX.md says about the whole batch: its fields and the table's columns."""

    batch: Batch
    columns: tuple[str, ...]


class SeedTable:
    """Rows and files of one seeds folder, checked against each other, in a file on disk."""

    def __init__(self, seeds_dir: Path, *, skip_bad_links: bool = False) -> None:
        self.seeds_dir = seeds_dir
        self.index_path = seeds_dir / INDEX_NAME
        self._folder = tempfile.mkdtemp(prefix="archiver-plan-")
        try:
            self._db = sqlite3.connect(os.path.join(self._folder, "plan.sqlite"))
            self._db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                                   f"PRAGMA cache_size=-{_CACHE_KIB};" + _SCHEMA)
            self.head = _read_rows(self.index_path, self._db)
            skipped: dict[str, str] | None = {} if skip_bad_links else None
            _read_files(seeds_dir, self._db, skipped)
            with self._db:  # a row naming a bad link left out is ignored
                self._db.executemany("DELETE FROM rows WHERE path = ?",
                                     [(path,) for path in skipped or {}])
            self._check_matched()
            self.warnings = [*(skipped or {}).values(), *self._collisions()]
            self.count, self.total_bytes = self._db.execute(
                "SELECT count(*), coalesce(sum(size), 0) FROM files").fetchone()
        except BaseException:
            self.close()
            raise

    @property
    def batch(self) -> Batch:
        return self.head.batch

    def seeds(self) -> Iterator[tuple[SeedFile, Row]]:
        """Every seed with its row, sorted by name (a batch that turned out to be one shard)."""
        folder = str(self.seeds_dir)
        columns = list(self.head.columns)
        for size, line, _, text in self.raw():
            row = idx._row(text, columns, self.index_path, line, [], {})
            yield SeedFile(path=row.path, folder=folder, size=size), row

    def sizes(self) -> Iterator[tuple[str, int]]:
        """Every seed's name and size, in seed order: what the shard plan is cut from."""
        yield from self._db.execute("SELECT path, size FROM files ORDER BY path")

    def raw(self) -> Iterator[tuple[int, int, str, str]]:
        """Every seed, in order, as `shards.write_seed_lists` lists them: size, line, path, the
        row's text (one pass over the sorted join, whatever the number of shards)."""
        yield from self._db.execute(
            "SELECT f.size, r.line, f.path, r.text FROM files f JOIN rows r USING (path) "
            "ORDER BY f.path")

    def close(self) -> None:
        db = getattr(self, "_db", None)
        if db is not None:
            db.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def _check_matched(self) -> None:
        missing = self._db.execute(
            "SELECT line, path FROM rows WHERE path NOT IN (SELECT path FROM files) "
            "ORDER BY line LIMIT 1").fetchone()
        if missing:
            line, path = missing
            problem = ("is not a regular file" if (self.seeds_dir / path).is_dir()
                       else "no such file in the seeds folder")
            raise IndexFileError(f"{self.index_path}:{line}: row names {path!r}: {problem}")
        unlisted = self._db.execute(
            "SELECT path FROM files WHERE path NOT IN (SELECT path FROM rows) "
            "ORDER BY path LIMIT 1").fetchone()
        if unlisted:
            raise IndexFileError(f"{self.seeds_dir / unlisted[0]}: seed has no row in "
                                 f"{self.index_path}")

    def _collisions(self) -> list[str]:
        pairs = self._db.execute(
            "SELECT first.path, f.path FROM files f JOIN (SELECT fold, min(path) AS path FROM "
            "files GROUP BY fold HAVING count(*) > 1) AS first USING (fold) "
            "WHERE f.path <> first.path ORDER BY f.path")
        return [f"{self.seeds_dir / a} and {self.seeds_dir / b}: names equal under Unicode "
                "normalization or case folding; both are kept, but some filesystems cannot hold "
                "both" for a, b in pairs]


def _read_rows(path: Path, db: sqlite3.Connection) -> TableHead:
    """INDEX.md line by line, as `index_file.parse_index` reads it whole."""
    try:
        stream = idx.open_index(path)
    except FileNotFoundError:
        raise IndexFileError(f"{path}: no {INDEX_NAME} (describe each seed in a table)") from None
    except OSError as err:
        raise IndexFileError(f"{path}: cannot read: {err.strerror}") from None
    with stream:
        _check_utf8(stream, path)
        stream.seek(0)
        lines = _lines(stream)
        head: list[str] = []
        for line in lines:
            head.append(line)
            if line.strip().startswith("|") and "file" in idx.normalized_cells(line):
                break
        else:
            raise IndexFileError(f"{path}: no Markdown table with a 'file' column")
        start = len(head) - 1
        separator = next(lines, None)
        if separator is None or not separator.strip().startswith("|"):
            raise IndexFileError(f"{idx.where(path, start + 1)}: table header has no separator row")
        fields = idx._batch_fields(head[:start], path)
        columns = idx._columns(head[start], path, start + 1)
        idx._check_separator(separator, len(columns), path, start + 2)
        after = _insert_rows(lines, columns, path, start + 3, db)
        heading = [line for line in head[:start] if idx._HEADING.match(line)][:1]
        if not heading and not fields.get("title", ("",))[0]:
            heading = [line for line in [after, *lines] if line and idx._HEADING.match(line)][:1]
        return TableHead(idx._batch(fields, heading, path), tuple(columns))


def _insert_rows(lines: Iterator[str], columns: list[str], path: Path, number: int,
                 db: sqlite3.Connection) -> str | None:
    """Insert each table row; return the first line after the table (None at the end)."""
    blank: list[str] = []
    with db:
        for line in lines:
            if not line.strip().startswith("|"):
                break
            row = idx._row(line, columns, path, number, blank, {})
            try:
                db.execute("INSERT INTO rows VALUES (?, ?, ?)", (row.path, number, line))
            except sqlite3.IntegrityError:
                (first,) = db.execute("SELECT line FROM rows WHERE path = ?",
                                      (row.path,)).fetchone()
                raise IndexFileError(f"{idx.where(path, number)}: duplicate row for "
                                     f"{row.path!r} (first at line {first})") from None
            number += 1
        else:
            line = None
    if blank:
        raise IndexFileError(f"{path}: rows left blank for a person to fill in "
                             f"('unknown' is allowed for captured): {'; '.join(blank)}")
    return line


def _check_utf8(stream: BinaryIO, path: Path) -> None:
    """The whole file must be UTF-8 before any line counts, as when it is decoded at once."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    offset = 0
    while block := stream.read(1 << 20):
        try:
            decoder.decode(block)
        except UnicodeDecodeError as err:
            raise IndexFileError(f"{path}: not valid UTF-8 ({err.reason} at byte "
                                 f"{offset + err.start})") from None
        offset += len(block)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as err:
        raise IndexFileError(f"{path}: not valid UTF-8 ({err.reason} at byte "
                             f"{offset + err.start})") from None


def _lines(stream: BinaryIO) -> Iterator[str]:
    first = True
    for raw in stream:
        if first:
            raw, first = raw.removeprefix(b"\xef\xbb\xbf"), False
        yield raw.decode("utf-8").removesuffix("\n").removesuffix("\r")


def _read_files(folder: Path, db: sqlite3.Connection, skipped: dict[str, str] | None) -> None:
    batch: list[tuple[str, int, str]] = []
    with db:
        for file in walk_seeds(folder, skipped=skipped):
            batch.append((file.path, file.size, unicodedata.normalize("NFC", file.path).casefold()))
            if len(batch) >= _BATCH_INSERTS:
                db.executemany("INSERT INTO files VALUES (?, ?, ?)", batch)
                batch.clear()
        db.executemany("INSERT INTO files VALUES (?, ?, ?)", batch)
