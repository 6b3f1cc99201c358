"""Prove a snapshot whole without holding its manifest: the manifest says where every member is.

The manifest is read twice from one open file (`manifest.streamed`), neither time held. The
first read (`Plan.add`, entry by entry) keeps what the checks after the records need (every
seed's path, the links, what the revisits name) and cuts the seeds into chunks of consecutive
records, as long as the records follow one another through the one WARC in manifest order. The
second read cuts each chunk's text out of the manifest and hands it to a worker, which decodes
its entries, checks them against the schema, renders the part of each that the snapshot id
covers, rebuilds their expected records (the same `expected.seed_expected` the one-core check
uses) and proves each member byte for byte what those records make; one task hashes the whole
WARC. The second read must find the bytes the first one hashed. This can only prove a snapshot
whole: at the first problem of any kind the answer is None, and the caller verifies on one core,
so damage is reported exactly as the one-core check reports it.

About 100 bytes a seed stay in this process (its path, where its entry's text lies), and a
worker holds one chunk: memory does not grow with the manifest's entries. On one core, or for a
WARC of one chunk, the chunks are checked in this process, in order.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from archiver.base.digests import Digest, sha256_file, sha256_hex
from archiver.base.memory import held_data_frozen
from archiver.base.pool import in_order, process_pool
from archiver.formats.canonical_json import compact
from archiver.manifest import schema
from archiver.manifest.chain import resolve_revisit
from archiver.manifest.digest_index import LineSum, Stored
from archiver.manifest.identity import SnapshotHasher, snapshot_seed
from archiver.manifest.implied import RecordContext, RevisitTarget
from archiver.manifest.loader import Link
from archiver.manifest.streamed import ManifestFile, Scanned, Unstreamable, entries_of, spans
from archiver.manifest.types import Manifest, SeedEntry, main_ref
from archiver.verification.comparison import compare_records
from archiver.verification.expected import Expected, seed_expected, warc_names
from archiver.verification.report import Report
from archiver.warc.reader import MemberReader, inflate_member
from archiver.warc.records import TRAILER, Record

CHUNK_SEEDS = 500
CHUNK_BYTES = 16 << 20
HELD = 8 << 20  # a record and its member up to this size are proved from memory

_FAILED = (KeyError, TypeError, IndexError, AttributeError, ValueError)


class Refused(Exception):
    """A seed's entry cannot be proved here (malformed, listed twice, its records out of order):
    the one-core check names why."""


@dataclass(frozen=True)
class Chunk:
    """Consecutive records of one WARC, from byte `start` to `end`, and the text of the `count`
    seed entries they belong to; what each revisit among them repeats (by index in the chunk);
    with `digits`, the resources' digest-index lines are summed by bucket (a shard's)."""

    path: Path
    name: str
    start: int
    end: int
    context: RecordContext
    names: frozenset[str]  # the manifest's WARC files
    warcinfo: list[Expected]  # in the first chunk only
    count: int
    originals: dict[int, RevisitTarget]
    text: str
    digits: int | None


@dataclass(frozen=True)
class Proved:
    """What a worker proved of a chunk: its records, the snapshot-id text of its seeds
    (`compact(snapshot_seed(entry))` joined by commas) and, for a shard, its index sums."""

    records: int
    snapshot: bytes
    sums: dict[str, tuple[int, int]]


@dataclass
class Listing:
    """What verify keeps of a manifest's seeds once their records are checked: what the checks
    after them need, never the entries. `revisits`: each revisit's path and the batch and path
    its `duplicate_of` names; `sums`: a shard's resources' index lines, by bucket."""

    paths: list[str]
    revisits: list[tuple[str, str, str]]
    sums: dict[str, LineSum] = field(default_factory=dict)

    @classmethod
    def of(cls, document: Manifest, digits: int | None = None) -> Listing:
        seeds = document["seeds"]
        listing = cls([seed["path"] for seed in seeds],
                      [(seed["path"], seed["duplicate_of"]["batch"], seed["duplicate_of"]["path"])
                       for seed in seeds if seed["duplicate_of"] is not None])
        if digits is not None:
            for seed in seeds:
                _sum_resource(listing.sums, seed, document["packaged"], digits)
        return listing


@dataclass(frozen=True)
class _Cut:
    first: int
    count: int
    start: int  # in the WARC
    end: int


class Plan:
    """The first read of the manifest: `add` takes each entry in turn (Refused where the proof
    must stop); what is kept of them, and the chunks they make."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.begins = array("q")  # where each entry's text lies in the manifest
        self.ends = array("q")
        self.seen: set[str] = set()
        self.warc: str | None = None  # the WARC file every record is in
        self.first_offset = -1  # of the first seed's first record
        self.end = -1  # where the last record ends
        self.cuts: list[_Cut] = []
        self._start = self._first = 0
        self.revisited: set[tuple[str, str]] = set()  # (batch, WARC file) the revisits name
        self.revisits: list[tuple[str, str, str]] = []
        self.revisit_at: set[int] = set()
        self.wanted: set[str] = set()  # the paths revisits in this batch name
        self.linked: list[SeedEntry] = []
        self.sums: dict[str, LineSum] = {}  # a shard's, once proved

    def add(self, seed: Any, begin: int, end: int) -> None:
        index = len(self.paths)
        try:
            path = seed["path"]
            if not isinstance(path, str) or path in self.seen:
                raise Refused
            for record in seed["records"]:
                if self.warc is None:
                    self.warc, self.first_offset = record["warc_file"], record["offset"]
                    self.end = self.first_offset
                if record["warc_file"] != self.warc or record["offset"] != self.end:
                    raise Refused
                self.end += record["length"]
            duplicate = seed["duplicate_of"]
            if duplicate is not None:
                self.revisited.add((duplicate["batch"], duplicate["warc_file"]))
                self.revisits.append((path, duplicate["batch"], duplicate["path"]))
                self.revisit_at.add(index)
                self.wanted.add(duplicate["path"])
            if "link" in seed:
                self.linked.append(seed)
        except _FAILED:
            raise Refused from None
        self.seen.add(path)
        self.paths.append(path)
        self.begins.append(begin)
        self.ends.append(end)
        if index + 1 - self._first >= CHUNK_SEEDS or self.end - self._start >= CHUNK_BYTES:
            self._cut(index + 1)

    def _cut(self, upto: int) -> None:
        self.cuts.append(_Cut(self._first, upto - self._first, self._start, self.end))
        self._start, self._first = self.end, upto

    def finish(self, info_length: int) -> None:
        """The last chunk, once the warcinfo record's length is known (a manifest of no seeds
        makes one chunk of no seeds: the warcinfo record alone)."""
        if not self.paths:
            self.end = info_length
        if self._first < len(self.paths) or not self.cuts:
            self._cut(len(self.paths))
        self.seen.clear()

    def listing(self) -> Listing:
        return Listing(self.paths, self.revisits, self.sums)


def worth_workers(plan: Plan) -> bool:
    """Whether the WARC makes more than one chunk. A smaller one is checked faster in this
    process than a pool starts: a chain of a thousand one-seed batches would otherwise start a
    thousand pools."""
    return len(plan.paths) > CHUNK_SEEDS or plan.end > CHUNK_BYTES


def _sum_resource(sums: dict[str, LineSum], seed: SeedEntry, packaged: str, digits: int) -> None:
    if main_ref(seed)["type"] == "resource":
        sums.setdefault(seed["sha256"][:digits], LineSum()).add(
            Stored.of(seed, packaged).line())


def check_in_parallel(manifest: ManifestFile, scanned: Scanned, plan: Plan, links: list[Link],
                      warc: Path, warcinfo: list[Expected], jobs: int, *, pooled: bool,
                      digits: int | None = None) -> tuple[int, Digest, str] | None:
    """(records checked, the WARC's digest, the snapshot id of the seeds' entries) if every
    record is as the manifest says, and the manifest still the bytes `scanned` read; else None.
    `pooled`: on `jobs` worker processes, else in this process. With `digits`, `plan`'s listing
    gets the shard's index sums."""
    top = scanned.top
    entry = top["warc_files"][0]
    info = entry["warcinfo"]
    if info["offset"] != 0 or plan.paths and (plan.warc, plan.first_offset) != (
            entry["name"], info["length"]):
        return None
    plan.finish(info["length"])
    if plan.end != entry["bytes"]:
        return None
    context = RecordContext.of(top)  # type: ignore[arg-type]
    snapshot = SnapshotHasher(top)  # type: ignore[arg-type]
    records = 0
    sums: dict[str, LineSum] = defaultdict(LineSum)
    chunks = _chunks(manifest, scanned, plan, links, warc, context, warcinfo, digits)
    try:
        if pooled:
            schema.compile_now()  # once, here: forked workers share the compiled validators
            with held_data_frozen(), process_pool(jobs) as pool:
                # The WARC's digest is a worker's first task: no thread runs in this process
                # when the pool forks its workers.
                # Never cancelled (see `in_order`): a proof that stops early waits for it.
                digest = pool.submit(sha256_file, warc)
                for found in in_order(pool, check_chunk, chunks, jobs=jobs):
                    if found is None:
                        return None
                    records += _take(found, snapshot, sums)
                whole = digest.result()
        else:
            for chunk in chunks:
                found = check_chunk(chunk)
                if found is None:
                    return None
                records += _take(found, snapshot, sums)
            whole = sha256_file(warc)
    except (OSError, Refused, Unstreamable):  # the one-core check says why, in its words
        return None
    plan.sums = dict(sums)
    return records, whole, snapshot.label()


def _take(found: Proved, snapshot: SnapshotHasher, sums: dict[str, LineSum]) -> int:
    if found.snapshot:
        snapshot.add_bytes(found.snapshot)
    for prefix, (value, count) in found.sums.items():
        sums[prefix] += LineSum(value, count)
    return found.records


def _chunks(manifest: ManifestFile, scanned: Scanned, plan: Plan, links: list[Link],
            warc: Path, context: RecordContext, warcinfo: list[Expected],
            digits: int | None) -> Iterator[Chunk]:
    """The chunks in file order, each with its entries' text from the second read. A revisit
    resolves as in the one-core check, but only to a seed listed before it (else Refused)."""
    names = warc_names(scanned.top)  # type: ignore[arg-type]
    name = scanned.top["warc_files"][0]["name"]
    cuts = plan.cuts
    wanted: dict[str, SeedEntry] = {}  # the seeds revisits in this batch name, as they come
    texts = spans(manifest, ((plan.begins[cut.first], plan.ends[cut.first + cut.count - 1])
                             if cut.count else (0, 0) for cut in cuts), scanned.digest)
    for cut, text in zip(cuts, texts):
        base = plan.begins[cut.first] if cut.count else 0
        originals: dict[int, RevisitTarget] = {}
        for index in range(cut.first, cut.first + cut.count):
            is_wanted, revisit = plan.paths[index] in plan.wanted, index in plan.revisit_at
            if not (is_wanted or revisit):
                continue
            seed = entries_of(text[plan.begins[index] - base:plan.ends[index] - base])[0]
            if is_wanted:
                wanted[seed["path"]] = seed
            if revisit:
                try:
                    original = resolve_revisit(seed, links, wanted)
                except _FAILED:
                    raise Refused from None
                if original is not None:
                    originals[index - cut.first] = original.target()
        yield Chunk(warc, name, cut.start, cut.end, context, names,
                    warcinfo if cut.first == 0 else [], cut.count, originals, text, digits)
    for _ in texts:  # to its end: Unstreamable if the manifest's bytes changed
        pass


def check_chunk(chunk: Chunk) -> Proved | None:
    """In a worker: what it proved of the chunk if all is as expected, else None."""
    report = Report(manifest="", fast=False)
    expected = list(chunk.warcinfo)
    texts = []
    sums: dict[str, LineSum] = {}
    try:
        seeds = entries_of(chunk.text)
    except (ValueError, RecursionError):
        return None
    if len(seeds) != chunk.count:
        return None
    for index, seed in enumerate(seeds):
        if not schema.is_valid_seed(seed):
            return None
        texts.append(compact(snapshot_seed(seed)))
        expected += seed_expected(seed, chunk.context, chunk.names, chunk.originals.get(index),
                                  report)
        if chunk.digits is not None:
            _sum_resource(sums, seed, chunk.context.packaged, chunk.digits)
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
    if offset != chunk.end:
        return None
    return Proved(len(expected), b",".join(texts),
                  {prefix: (total.value, total.count) for prefix, total in sums.items()})


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
