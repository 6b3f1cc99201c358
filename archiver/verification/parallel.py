"""Verify a WARC on every core: the manifest says where every member starts.

This process goes through the manifest's seeds once, handing each to `accept` (which checks it
and takes what it needs of it) and cutting them into chunks of consecutive records, as long as
the records follow one another through the WARC in manifest order. Workers start on the first
chunk at once. Each worker process rebuilds its chunk's expected records (the same
`expect.seed_expected` the one-core check uses), reads the members of the chunk's byte range
(inflating and hashing every block) and compares them (`compare.compare_records`); the first
task hashes the whole file. This can only prove a WARC whole: at the first problem of any kind
the answer is None, and the caller verifies on one core, so damage is reported exactly as the
one-core check reports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from archiver.base.digests import Digest, sha256_file
from archiver.base.pool import in_order, process_pool
from archiver.manifest.implied import RecordContext, RevisitTarget
from archiver.manifest.types import Manifest, SeedEntry, WarcFile
from archiver.verification.comparison import compare_records
from archiver.verification.expected import Expected, seed_expected, warc_names
from archiver.verification.report import Report
from archiver.warc.reader import Member, MemberReader

CHUNK_SEEDS = 500


CHUNK_BYTES = 16 << 20


Originals = Callable[[SeedEntry], "RevisitTarget | None"]


Accept = Callable[[Any], bool]


@dataclass(frozen=True)
class Chunk:
    """Consecutive records of one WARC, from byte `start` to `end`, and the seeds they belong to."""

    path: Path
    name: str
    start: int
    end: int
    context: RecordContext
    names: frozenset[str]  # the manifest's WARC files
    warcinfo: list[Expected]  # in the first chunk only
    seeds: list[tuple[SeedEntry, RevisitTarget | None]]  # entry, and what a revisit repeats


class _Refused(Exception):
    """A seed's entry was refused, or its records do not follow one another: no proof here."""


def check_in_parallel(path: Path, entry: WarcFile, document: Manifest,
                      warcinfo: list[Expected], accept: Accept, originals: Originals,
                      jobs: int) -> tuple[int, Digest] | None:
    """(records checked, the file's digest) if every seed is accepted and every record is as the
    manifest says, else None."""
    context = RecordContext.of(document)
    records = 0
    try:
        with process_pool(jobs) as pool:
            # The whole file's digest is a worker's first task: no thread runs in this process
            # when the pool forks its workers.
            digest = pool.submit(sha256_file, path)
            try:
                work = _chunks(path, entry, document, context, warcinfo, accept, originals)
                for found in in_order(pool, check_chunk, work, jobs=jobs):
                    if found is None:
                        return None
                    records += found
                return records, digest.result()
            finally:
                digest.cancel()
    except (OSError, _Refused):  # unreadable: the one-core check says so, in the report's words
        return None


def _chunks(path: Path, entry: WarcFile, document: Manifest, context: RecordContext,
            warcinfo: list[Expected], accept: Accept, originals: Originals) -> Iterator[Chunk]:
    """The chunks in file order; _Refused where a seed is refused or its records out of order."""
    info = entry["warcinfo"]
    if info["offset"] != 0:
        raise _Refused
    start, first = 0, True
    end = info["length"]
    names = warc_names(document)
    seeds: list[tuple[SeedEntry, RevisitTarget | None]] = []
    for seed in document["seeds"]:
        if not accept(seed):
            raise _Refused
        for record in seed["records"]:
            if record["warc_file"] != entry["name"] or record["offset"] != end:
                raise _Refused
            end += record["length"]
        seeds.append((seed, originals(seed)))
        if len(seeds) >= CHUNK_SEEDS or end - start >= CHUNK_BYTES:
            yield Chunk(path, entry["name"], start, end, context, names,
                        warcinfo if first else [], seeds)
            start, first, seeds = end, False, []
    if end != entry["bytes"]:
        raise _Refused
    if seeds or first:
        yield Chunk(path, entry["name"], start, end, context, names, warcinfo if first else [],
                    seeds)


def check_chunk(chunk: Chunk) -> int | None:
    """In a worker: the number of records in the chunk if all are as expected, else None."""
    report = Report(manifest="", fast=False)
    expected = list(chunk.warcinfo)
    for seed, original in chunk.seeds:
        expected += seed_expected(seed, chunk.context, chunk.names, original, report)
    if report.problems:
        return None
    # As on one core: no record may claim more than the largest block expected of it.
    limit = max((item.record.length for item in expected), default=0)
    members = read_span(chunk.path, chunk.start, chunk.end, limit)
    if members is None or len(members) != len(expected):
        return None
    compare_records(chunk.name, members, expected, report)
    return None if report.problems else len(members)


def read_span(path: Path, start: int, end: int, limit: int | None) -> list[Member] | None:
    """The members from `start` to `end`, or None unless they are whole and end exactly at `end`."""
    members = []
    with open(path, "rb") as stream:
        stream.seek(start)
        reader = MemberReader(stream, offset=start, limit=limit)
        offset = start
        while offset < end:
            member = reader.next_member()
            if member is None or member.problem or not member.length:
                return None
            members.append(member)
            offset += member.length
    return members if offset == end else None
