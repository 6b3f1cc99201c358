"""Compose each seed's records and manifest entry: the per-seed work, on every core.

For one seed: read it (hash, sample), describe it (a chunk's seeds are examined, then their
languages concluded together: `detect.findings`), make its manifest entry, build its resource and
metadata records, compress each into a gzip member, and render the entry's manifest text. All of
it is a function of the seed and the batch, so worker processes can do it in any order and the
packer, taking results in seed order, writes the same bytes for every `jobs`. Only what depends on
earlier seeds is left to the packer: offsets, and the revisit record for a repeated seed.

A seed whose bytes and name a worker has described before (the same file copied into many
folders: a quarter of /usr/share/doc's files) takes that description: detection is a function of
the bytes, the name's last component and the declared charset, so it runs, and Siegfried is
asked, once per distinct payload and name in each worker.

Seeds up to IN_MEMORY bytes travel in chunks and come back as bytes; a larger seed is compressed
by its worker, streaming, into a hidden temporary file beside the output, never held in memory.
"""

from __future__ import annotations

import dataclasses
import functools
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from archiver.base.atomic import PARTIAL
from archiver.base.memory import held_data_frozen
from archiver.base.pool import in_order, process_pool
from archiver.base.uris import source_uri, target_uri
from archiver.detect.described import DocumentText
from archiver.detect.disagreements import warnings_for
from archiver.detect.encoding import CharsetError, EncodingResult
from archiver.detect.findings import Examined, Findings, conclude, examine
from archiver.detect.pronom import identify_each, shared
from archiver.errors import ArchiverError, IndexFileError
from archiver.formats.canonical_json import compact
from archiver.manifest.document import seed_entry
from archiver.manifest.identity import snapshot_seed
from archiver.manifest.implied import (
    RecordContext,
    main_record,
    metadata_body,
    metadata_record,
    record_date,
)
from archiver.manifest.schema import seed_errors
from archiver.manifest.types import SeedEntry
from archiver.manifest.writer import placeholders
from archiver.seeds.links import MEDIA_TYPE
from archiver.seeds.reading import IN_MEMORY, SeedRead, open_regular, read_seed, reread, tool_path
from archiver.seeds.types import Row, Seed, SeedFile
from archiver.warc.compression import Deflate
from archiver.warc.records import Record
from archiver.warc.writer import record_member, stream_member

CHUNK_BYTES = 1 << 20
_LINK = Findings(EncodingResult("", "binary", "high"), MEDIA_TYPE, MEDIA_TYPE, None,
                 DocumentText("", ""))
CHUNK_SEEDS = 256
DESCRIBED = 2048  # descriptions a worker keeps for repeated payloads (about 1 KB each)


@dataclass(frozen=True)
class Context:
    """What every seed's work shares: its records' context and where its members go."""

    records: RecordContext
    warc_file: str
    deflate: Deflate
    spool_dir: Path


@dataclass
class Composed:
    """One seed, ready to place: what the packer needs of its entry, its members, and its text.

    Not the entry itself: the packer runs beside the workers, and unpickling the entry's dozen
    small objects cost it more than the rest of its work on a seed. A revisit, rare, needs only
    its target URI, date and `meta_body` to build its two records.
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
    meta_body: bytes  # the metadata record's block, for a revisit's metadata record
    uri: str
    text: str  # the manifest entry, records and duplicate_of as placeholders
    snapshot_text: bytes
    warnings: tuple[str, ...] = ()
    link: bool = False

    def discard(self) -> None:
        if isinstance(self.main, Path):
            self.main.unlink(missing_ok=True)


DescribedKey = tuple[str, str, str]  # sha256, the name's last component, the declared charset


class Described:
    """The findings of payloads described before, by `DescribedKey`, without their text (only
    detection reads it): at most DESCRIBED of them, emptied when full. Shared by the threads
    of a Dask worker, each packing a shard."""

    def __init__(self) -> None:
        self._found: dict[DescribedKey, Findings] = {}
        self._lock = threading.Lock()

    def get(self, key: DescribedKey | None) -> Findings | None:
        return None if key is None else self._found.get(key)

    def keep(self, key: DescribedKey, findings: Findings) -> None:
        kept = dataclasses.replace(findings, text=dataclasses.replace(findings.text, text=""))
        with self._lock:
            if len(self._found) >= DESCRIBED:
                self._found.clear()
            self._found[key] = kept

    def clear(self) -> None:
        with self._lock:
            self._found.clear()


_described = Described()


def described_key(file: SeedFile, row: Row, read: SeedRead) -> DescribedKey | None:
    """What a seed's findings depend on; None for a link (nothing is detected in it)."""
    if read.link is not None:
        return None
    return read.digest.sha256, file.path.rpartition("/")[2], row.charset


def examine_seed(file: SeedFile, row: Row, read: SeedRead) -> Examined:
    """What detection finds in the seed's first bytes, as INDEX.md declares it, but its language
    (`conclude`) and its PRONOM identifier (which the caller asks Siegfried for). A seed too
    large for memory is read by PDFium through a `tool_path`."""
    try:
        with nullcontext(None) if read.body is not None else tool_path(file) as location:
            return examine(file.path, read.sample, charset=row.charset or None,
                           location=location, body=read.body,
                           complete=file.size <= len(read.sample), pronom=False)
    except CharsetError as err:
        raise IndexFileError(f"{file.location}: INDEX.md line {row.line}: charset: {err}") from None


def seed_of(file: SeedFile, row: Row, read: SeedRead, findings: Findings) -> Seed:
    """The seed as INDEX.md declares it, beside its `findings` (a link is what it is: its
    target's name is no document to detect anything in)."""
    if read.link is not None:
        return Seed(file=file, row=row, digest=read.digest, findings=_LINK, link=read.link)
    return Seed(file=file, row=row, digest=read.digest, findings=findings)


def compose(context: Context, seed: Seed, read: SeedRead) -> Composed:
    """A described seed's records and entry, from its one read."""
    file, row = seed.file, seed.row
    warnings = [] if seed.link is not None else warnings_for(
        file.location, seed.findings, declared_language=row.language,
        where=f"INDEX.md line {row.line}")
    entry = seed_entry(seed, uri=target_uri(context.records.batch_id, file.path),
                       source_uri=source_uri(row.source))
    main = main_record(entry, context.records, original=None, body=read.body)
    meta_body = metadata_body(entry)
    meta = metadata_record(entry, context.records, refers_to=main.record_id, body=meta_body)
    main_member = _main_member(context, main, file, read)
    meta_member = record_member(meta, context.deflate)
    _check_entry(entry, context, main, meta, main_member, meta_member)
    entry["records"] = []
    return Composed(entry["sha256"], entry["path"], entry["bytes"],
                    row.language, record_date(entry, context.records.packaged), main.record_id,
                    main_member, meta.record_id, meta_member, meta_body, entry["id"],
                    placeholders(entry), compact(snapshot_seed(entry)), tuple(warnings),
                    link=seed.link is not None)


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


def _check_entry(entry: SeedEntry, context: Context, main: Record, meta: Record,
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
    """Compose a chunk's seeds in order: read them all, examine each whose payload and name
    were not described before, conclude their languages together, then compose each, taking its
    PRONOM identifier as it goes. Siegfried identifies the chunk's new payloads meanwhile, a few
    batches ahead of the answers taken: while the seeds are examined and their languages
    concluded, and then ahead of the compositions, which take longer a seed than it does."""
    done: list[Composed] = []
    try:
        reads = [read_seed(file) for file, _ in seeds]
        keys = [described_key(file, row, read) for (file, row), read in zip(seeds, reads)]
        known = [_described.get(key) for key in keys]  # taken now: the store may be emptied
        first: dict[DescribedKey, int] = {}  # each new key's first seed
        for n, key in enumerate(keys):
            if key is not None and known[n] is None:
                first.setdefault(key, n)
        fresh = list(first.values())
        formats = identify_each([(seeds[n][0].path, functools.partial(open_regular, seeds[n][0]))
                                 for n in fresh])
        try:
            concluded = conclude([examine_seed(*seeds[n], reads[n]) for n in fresh])
            here = dict(zip(fresh, concluded))  # found in this chunk, by seed
            for n, ((file, row), read, key) in enumerate(zip(seeds, reads, keys)):
                findings = known[n]
                if findings is None and key is not None:
                    if first[key] == n:
                        here[n] = dataclasses.replace(here[n], format=next(formats))
                        _described.keep(key, here[n])
                    findings = here[first[key]]
                done.append(compose(context, seed_of(file, row, read, findings or _LINK), read))
        finally:
            formats.close()
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
    """Every seed composed, in order; `jobs` worker processes (1: in this process). What was
    described in an earlier call is not reused (a test may have changed how detection goes)."""
    _described.clear()
    if jobs <= 1:
        for chunk in chunks(seeds):
            yield from compose_chunk(context, chunk)
        return
    shared()  # one Siegfried for every worker, started before they fork
    # The plan's rows out of the collector's sight, here and in the workers that inherit them.
    with held_data_frozen(), process_pool(jobs) as pool:
        for done in in_order(pool, functools.partial(compose_chunk, context), chunks(seeds),
                             jobs=jobs, abandon=_discard):
            yield from done


def _discard(items: list[Composed]) -> None:
    """After an error: delete the large members already made for seeds not placed."""
    for item in items:
        item.discard()
