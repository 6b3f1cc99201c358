"""Verify a WARC on every core: the manifest says where every member starts.

This process goes through the manifest's seeds once, handing each to `accept` (which takes what
it needs of it) and cutting them into chunks of consecutive records, as long as the records
follow one another through the WARC in manifest order. Workers start on the first chunk at once.
Each worker process checks its chunk's entries against the schema, renders the part of each that
the snapshot id covers, rebuilds their expected records (the same `expected.seed_expected` the
one-core check uses) and proves each member byte for byte what those records make; the first
task hashes the whole file. Forked workers read the entries from the document this process
parsed (inherited, never pickled); spawned ones get them in the chunk. This can only prove a WARC
whole: at the first problem of any kind the answer is None, and the caller verifies on one core,
so damage is reported exactly as the one-core check reports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

from archiver.base.digests import Digest, sha256_file, sha256_hex
from archiver.base.memory import held_data_frozen
from archiver.base.pool import forks, in_order, process_pool
from archiver.formats.canonical_json import compact
from archiver.manifest import schema
from archiver.manifest.identity import SnapshotHasher, snapshot_seed
from archiver.manifest.implied import RecordContext, RevisitTarget
from archiver.manifest.types import Manifest, SeedEntry, WarcFile
from archiver.verification.comparison import compare_records
from archiver.verification.expected import Expected, seed_expected, warc_names
from archiver.verification.report import Report
from archiver.warc.reader import MemberReader, inflate_member
from archiver.warc.records import TRAILER, Record

CHUNK_SEEDS = 500
CHUNK_BYTES = 16 << 20
HELD = 8 << 20  # a record and its member up to this size are proved from memory

Originals = Callable[[SeedEntry], "RevisitTarget | None"]
Accept = Callable[[Any], bool]
# The document being verified, as forked workers inherit it (set only while a pool runs).
_inherited: list[Manifest] = []


@dataclass(frozen=True)
class Chunk:
    """Consecutive records of one WARC, from byte `start` to `end`, and the seeds they belong to:
    `count` entries from index `first` of the document's seeds (`seeds` holds them when the
    workers do not inherit the document), and what each revisit among them repeats."""

    path: Path
    name: str
    start: int
    end: int
    context: RecordContext
    names: frozenset[str]  # the manifest's WARC files
    warcinfo: list[Expected]  # in the first chunk only
    first: int
    count: int
    originals: dict[int, RevisitTarget]  # by index within the chunk
    seeds: list[SeedEntry] | None

    def entries(self) -> list[SeedEntry]:
        if self.seeds is not None:
            return self.seeds
        return _inherited[0]["seeds"][self.first:self.first + self.count]


def worth_workers(document: Manifest) -> bool:
    """Whether the WARC makes more than one chunk (the top level already meets the schema). A
    smaller one is checked faster in this process than a pool starts: a chain of a thousand
    one-seed batches would otherwise start a thousand pools."""
    return len(document["seeds"]) > CHUNK_SEEDS or sum(
        entry["bytes"] for entry in document["warc_files"]) > CHUNK_BYTES


class _Refused(Exception):
    """A seed's entry was refused, or its records do not follow one another: no proof here."""


def check_in_parallel(path: Path, entry: WarcFile, document: Manifest,
                      warcinfo: list[Expected], accept: Accept, originals: Originals,
                      jobs: int) -> tuple[int, Digest, str] | None:
    """(records checked, the file's digest, the snapshot id of the seeds' entries) if every seed
    is accepted and meets the schema and every record is as the manifest says, else None."""
    context = RecordContext.of(document)
    snapshot = SnapshotHasher(document)
    records = 0
    schema.compile_now()  # once, here: forked workers share the compiled validators
    inherit = forks()
    _inherited[:] = [document] if inherit else []
    try:
        with held_data_frozen(), process_pool(jobs) as pool:
            # The whole file's digest is a worker's first task: no thread runs in this process
            # when the pool forks its workers.
            digest = pool.submit(sha256_file, path)
            try:
                work = _chunks(path, entry, document, context, warcinfo, accept, originals,
                               inherit)
                for found in in_order(pool, check_chunk, work, jobs=jobs):
                    if found is None:
                        return None
                    records += found[0]
                    if found[1]:
                        snapshot.add_bytes(found[1])
                return records, digest.result(), snapshot.label()
            finally:
                digest.cancel()
    except (OSError, _Refused):  # unreadable: the one-core check says so, in the report's words
        return None
    finally:
        _inherited.clear()


def _chunks(path: Path, entry: WarcFile, document: Manifest, context: RecordContext,
            warcinfo: list[Expected], accept: Accept, originals: Originals,
            inherit: bool) -> Iterator[Chunk]:
    """The chunks in file order; _Refused where a seed is refused or its records out of order.

    The entries are not schema-checked yet (workers do that), so anything malformed here is
    only a reason to stop."""
    info = entry["warcinfo"]
    if info["offset"] != 0:
        raise _Refused
    start, first, end = 0, 0, info["length"]
    names = warc_names(document)
    repeats: dict[int, RevisitTarget] = {}
    seeds = document["seeds"]
    for index, seed in enumerate(seeds):
        try:
            if not accept(seed):
                raise _Refused
            for record in seed["records"]:
                if record["warc_file"] != entry["name"] or record["offset"] != end:
                    raise _Refused
                end += record["length"]
            original = originals(seed)
        except (KeyError, TypeError, IndexError, AttributeError, ValueError):
            raise _Refused from None
        if original is not None:
            repeats[index - first] = original
        if index + 1 - first >= CHUNK_SEEDS or end - start >= CHUNK_BYTES:
            yield Chunk(path, entry["name"], start, end, context, names,
                        warcinfo if first == 0 else [], first, index + 1 - first, repeats,
                        None if inherit else seeds[first:index + 1])
            start, first, repeats = end, index + 1, {}
    if end != entry["bytes"]:
        raise _Refused
    if first < len(seeds) or first == 0:
        yield Chunk(path, entry["name"], start, end, context, names,
                    warcinfo if first == 0 else [], first, len(seeds) - first, repeats,
                    None if inherit else seeds[first:])


def check_chunk(chunk: Chunk) -> tuple[int, bytes] | None:
    """In a worker: the number of records in the chunk and the snapshot-id text of its seeds
    (`compact(snapshot_seed(entry))` joined by commas) if all are as expected, else None."""
    report = Report(manifest="", fast=False)
    expected = list(chunk.warcinfo)
    texts = []
    for index, seed in enumerate(chunk.entries()):
        if not schema.is_valid_seed(seed):
            return None
        texts.append(compact(snapshot_seed(seed)))
        expected += seed_expected(seed, chunk.context, chunk.names, chunk.originals.get(index),
                                  report)
    if report.problems:
        return None
    offset = chunk.start
    with open(chunk.path, "rb") as stream:
        stream.seek(offset)
        for item in expected:
            if item.offset != offset:
                return None
            if item.length <= HELD and item.record.length <= HELD:
                if not exact_member(stream.read(item.length), item):
                    return None
            elif not _streamed_member(chunk.name, stream, item):
                return None
            offset += item.length
    return (len(expected), b",".join(texts)) if offset == chunk.end else None


def exact_member(data: bytes, item: Expected) -> bool:
    """Whether `data` is, byte for byte, the member the manifest implies for `item`: its sha256
    is the manifest's, it inflates to exactly the record's head (every header as the manifest
    implies it, in order), a block of the record's length whose digest is the one in that head
    (metadata and warcinfo blocks: the very bytes the manifest implies), and the trailer.
    Stricter than the header-by-header comparison, which the one-core check makes when this
    says no."""
    record = item.record
    head = record.head()
    size = len(head) + record.length + len(TRAILER)
    if len(data) != item.length or sha256_hex(data) != item.sha256:
        return False
    inflated = inflate_member(data, size)
    if inflated is None or len(inflated) != size or not inflated.startswith(head):
        return False
    if not inflated.endswith(TRAILER):
        return False
    block = memoryview(inflated)[len(head):len(head) + record.length]
    if record.rec_type == "resource":
        return "sha256:" + sha256_hex(block) == _block_digest(record)
    return isinstance(record.body, bytes) and block == record.body


def _block_digest(record: Record) -> str | None:
    for name, value in record.headers:
        if name == "WARC-Block-Digest":
            return value
    return None


def _streamed_member(name: str, stream: BinaryIO, item: Expected) -> bool:
    """A record too large to hold, read in bounded memory and compared header by header."""
    stream.seek(item.offset)
    member = MemberReader(stream, offset=item.offset, limit=item.record.length).next_member()
    stream.seek(item.offset + item.length)
    if member is None or member.problem or member.length != item.length:
        return False
    report = Report(manifest="", fast=False)
    compare_records(name, [member], [item], report)
    return not report.problems
