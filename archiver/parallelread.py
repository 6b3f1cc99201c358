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


class ParallelRead:
    """Every member of a WARC and the file's digest, read by worker processes from the moment it
    is made, so the caller can do its own work meanwhile; `result` waits for them."""

    def __init__(self, path: Path, offsets: list[int], size: int, jobs: int,
                 limit: int | None) -> None:
        ranges = spans(offsets, size, jobs * SPANS_PER_JOB)
        self._thread = ThreadPoolExecutor(1)
        self._pool = process_pool(jobs)
        self._digest = self._thread.submit(sha256_file, path)
        self._parts = [self._pool.submit(read_span, path, start, end, limit)
                       for start, end in ranges]

    def result(self) -> tuple[list[Member], Digest] | None:
        """The members and digest, or None if a span did not read cleanly (or at all)."""
        try:
            results = [part.result() for part in self._parts]
            whole = self._digest.result()
        except OSError:  # unreadable: the sequential read says so, in the report's words
            return None
        finally:
            self.close()
        if any(result is None for result in results):
            return None
        return [member for result in results for member in result or []], whole

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)
        self._thread.shutdown(cancel_futures=True)
