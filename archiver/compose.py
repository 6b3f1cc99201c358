"""Compose each seed's records and manifest entry: the per-seed work, on every core.

For one seed: read it (hash, sample), describe it, make its manifest entry, build its resource and
metadata records, compress each into a gzip member, and render the entry's manifest text. All of
it is a function of the seed and the batch, so worker processes can do it in any order and the
packer, taking results in seed order, writes the same bytes for every `jobs`. Only what depends on
earlier seeds is left to the packer: offsets, and the revisit record for a repeated seed.

Seeds up to IN_MEMORY bytes travel in chunks and come back as bytes; a larger seed is compressed
by its worker, streaming, into a hidden temporary file beside the output, never held in memory.
"""

from __future__ import annotations

import json
import tempfile
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from . import layout, manifest
from .atomic import PARTIAL
from .canonical import compact
from .deflate import Deflate
from .describe import describe, language_warning
from .errors import ArchiverError
from .hashing import IN_MEMORY, SeedRead, read_seed, reread
from .manifestout import placeholders
from .memory import held_data_frozen
from .model import Row, SeedFile
from .records import Record
from .schema import seed_errors
from .uris import source_uri, target_uri
from .warcwrite import record_member, stream_member
from .workers import process_pool

CHUNK_BYTES = 1 << 20
CHUNK_SEEDS = 256


@dataclass(frozen=True)
class Context:
    """What every seed's records share."""

    batch_id: str
    warcinfo_id: str
    packaged: str
    warc_file: str
    deflate: Deflate
    spool_dir: Path


@dataclass
class Composed:
    """One seed, ready to place: what the packer needs of its entry, its members, and its text.

    Not the entry itself: the packer runs beside the workers, and unpickling the entry's dozen
    small objects cost it more than the rest of its work on a seed. A revisit, rare, reads the
    entry back from `text`.
    """

    sha256: str
    path: str
    size: int
    declared_language: str
    warc_date: str
    main_id: str
    main: bytes | Path
    meta_id: str
    meta: bytes
    text: str  # the manifest entry, records and duplicate_of as placeholders
    snapshot_text: bytes
    warning: str | None = None

    def entry(self) -> dict[str, Any]:
        """The seed's manifest entry, records and duplicate_of still to fill."""
        entry: dict[str, Any] = json.loads(self.text)
        entry["records"], entry["duplicate_of"] = [], None
        return entry

    def discard(self) -> None:
        if isinstance(self.main, Path):
            self.main.unlink(missing_ok=True)


def compose(context: Context, file: SeedFile, row: Row) -> Composed:
    read = read_seed(file)
    seed = describe(file, row, read)
    warning = language_warning(seed)
    entry = manifest.seed_entry(seed, uri=target_uri(context.batch_id, file.path),
                                source_uri=source_uri(row.source))
    main = layout.main_record(entry, batch_id=context.batch_id, warcinfo_id=context.warcinfo_id,
                              packaged=context.packaged, original=None, body=read.body)
    meta = layout.metadata_record(entry, batch_id=context.batch_id,
                                  warcinfo_id=context.warcinfo_id, packaged=context.packaged,
                                  refers_to=main.record_id)
    main_member = _main_member(context, main, file, read)
    meta_member = record_member(meta, context.deflate)
    _check_entry(entry, context, main, meta, main_member, meta_member)
    entry["records"] = []
    return Composed(entry["sha256"], entry["path"], entry["bytes"],
                    row.language, layout.record_date(entry, context.packaged), main.record_id,
                    main_member, meta.record_id, meta_member, placeholders(entry),
                    compact(manifest.snapshot_seed(entry)), warning)


def _main_member(context: Context, main: Record, file: SeedFile, read: SeedRead) -> bytes | Path:
    if read.body is not None:
        return record_member(main, context.deflate)
    fd, name = tempfile.mkstemp(prefix=".member-", suffix=PARTIAL, dir=context.spool_dir)
    path = Path(name)
    try:
        with open(fd, "wb") as stream:
            stream_member(context.deflate, stream, main.head(), reread(file, read.digest))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _check_entry(entry: dict[str, Any], context: Context, main: Record, meta: Record,
                 main_member: bytes | Path, meta_member: bytes) -> None:
    """Validate the entry as it will be written, offsets aside (the packer adds those)."""
    main_length = main_member.stat().st_size if isinstance(main_member, Path) else len(main_member)
    unknown = "0" * 64  # the member's sha256, which the packer adds with its offset
    entry["records"] = [
        {"type": main.rec_type, "id": main.record_id, "warc_file": context.warc_file,
         "offset": 0, "length": main_length, "sha256": unknown},
        {"type": "metadata", "id": meta.record_id, "warc_file": context.warc_file, "offset": 0,
         "length": len(meta_member), "sha256": unknown},
    ]
    problems = seed_errors(entry)
    if problems:
        raise ArchiverError(f"internal error: the manifest entry of {entry['path']} breaks its "
                            f"schema {problems[0]}")


def compose_chunk(context: Context, seeds: list[tuple[SeedFile, Row]]) -> list[Composed]:
    done: list[Composed] = []
    try:
        for file, row in seeds:
            done.append(compose(context, file, row))
    except BaseException:
        for item in done:
            item.discard()
        raise
    return done


def chunks(seeds: Iterable[tuple[SeedFile, Row]]) -> Iterator[list[tuple[SeedFile, Row]]]:
    """Consecutive seeds in groups of about CHUNK_BYTES; a seed too large for memory alone."""
    chunk: list[tuple[SeedFile, Row]] = []
    size = 0
    for seed in seeds:
        if seed[0].size > IN_MEMORY:
            if chunk:
                yield chunk
            yield [seed]
            chunk, size = [], 0
            continue
        chunk.append(seed)
        size += seed[0].size
        if size >= CHUNK_BYTES or len(chunk) >= CHUNK_SEEDS:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def composed(context: Context, seeds: list[tuple[SeedFile, Row]], *,
             jobs: int) -> Iterator[Composed]:
    """Every seed composed, in order; `jobs` worker processes (1: in this process)."""
    if jobs <= 1:
        for chunk in chunks(seeds):
            yield from compose_chunk(context, chunk)
        return
    pending: deque[Future[list[Composed]]] = deque()
    work = chunks(seeds)
    # The plan's rows out of the collector's sight, here and in the workers that inherit them.
    with held_data_frozen(), process_pool(jobs) as pool:
        try:
            for chunk in work:
                pending.append(pool.submit(compose_chunk, context, chunk))
                if len(pending) >= 3 * jobs:  # bounded: a few chunks per worker in flight
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        finally:
            _abandon(pending)


def _abandon(pending: deque[Future[list[Composed]]]) -> None:
    """After an error: drop what was not taken, deleting any large members already made."""
    for future in pending:
        if not future.cancel() and future.exception() is None:
            for item in future.result():
                item.discard()
