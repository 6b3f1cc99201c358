"""Read a WARC's members on every core: the manifest says where each member starts.

The file is cut into spans at member offsets; each worker process opens the file, reads its
span's members in order (inflating and hashing each block) and must end exactly where its span
does. Meanwhile a thread of this process computes the whole file's sha256 (hashlib releases the
GIL). If any span does not read cleanly, the caller falls back to one sequential read, so a
damaged file is reported exactly as a sequential reader reports it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .hashing import sha256_file
from .model import Digest
from .warcread import Member, MemberReader
from .workers import process_pool

SPANS_PER_JOB = 4


def spans(offsets: list[int], size: int, count: int) -> list[tuple[int, int]]:
    """About `count` (start, end) byte ranges of similar size, cut only at member offsets."""
    starts = sorted(set(offsets))
    cuts, step = [0], size / max(count, 1)
    for start in starts:
        if start >= step * len(cuts) and start > cuts[-1]:
            cuts.append(start)
    return list(zip(cuts, cuts[1:] + [size]))


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


def read_in_parallel(path: Path, offsets: list[int], size: int, jobs: int,
                     limit: int | None) -> tuple[list[Member], Digest] | None:
    """Every member and the file's digest, or None if a span did not read cleanly."""
    ranges = spans(offsets, size, jobs * SPANS_PER_JOB)
    try:
        with ThreadPoolExecutor(1) as thread, process_pool(jobs) as pool:
            digest = thread.submit(sha256_file, path)
            results = list(pool.map(read_span, [path] * len(ranges), *zip(*ranges),
                                    [limit] * len(ranges)))
            whole = digest.result()
    except OSError:  # unreadable: the sequential read says so, in the report's words
        return None
    if any(result is None for result in results):
        return None
    return [member for result in results for member in result or []], whole
