"""Which seeds of a sharded batch are revisits, found without loading every entry anywhere.

Task 1, per shard: the digest of every seed (or, for a shard already committed, the digests its
manifest records), sorted into a work file. Task 2, per bucket of the digest index: the bucket's
digests from every shard, joined with the same bucket of every earlier batch's index. A payload
an earlier batch stored keeps that original; otherwise its first seed in seed order is the
original, and this batch's bucket file lists it. Every other shard holding the payload gets an
assignment (shard, payload → original), which its packing task reads back. Duplicates inside a
shard are left to the shard's packer, which finds them as it goes, as a one-file pack does.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from archiver.base.atomic import temp_path
from archiver.base.digests import sha256_hex
from archiver.base.uris import target_uri
from archiver.errors import SeedError
from archiver.manifest.digest_index import Stored, bucket_name, lines_from
from archiver.manifest.implied import record_date
from archiver.manifest.loader import Sidecar, load_manifest
from archiver.manifest.types import Bucket, main_ref
from archiver.packing.commit import publish_once
from archiver.packing.shard_job import Earlier, Job, committed
from archiver.seeds.reading import sha256_seed, why
from archiver.warc.records import record_id


def digest_shard(task: tuple[Job, int]) -> int:
    """Task 1: write the shard's sorted digests (`sha256 shard ordinal bytes warc_date path`)."""
    job, index = task
    document = committed(job, index)
    lines = []
    if document is not None:
        for ordinal, seed in enumerate(document["seeds"]):
            lines.append(_digest_line(seed["sha256"], index, ordinal, seed["bytes"],
                                      record_date(seed, job.packaged), seed["path"]))
    else:
        for ordinal, (file, row) in enumerate(job.seeds(index)):
            try:
                digest = sha256_seed(file.folder, file.path)
            except OSError as err:
                raise SeedError(f"{file.location}: cannot read: {why(err)}") from None
            if digest.size != file.size:
                raise SeedError(f"{file.location}: changed while being packed (its size was "
                                f"{file.size} bytes when listed, {digest.size} when read)")
            date = row.captured.warc_date() or job.packaged
            lines.append(_digest_line(digest.sha256, index, ordinal, digest.size, date, file.path))
    lines.sort()
    _write_work(job.work_file("digests", index), lines)
    return len(lines)


def index_earlier(task: tuple[Job, Earlier]) -> int:
    """A one-file earlier batch's payloads in the index's form, into the work folder."""
    job, earlier = task
    document = load_manifest(job.out / earlier.manifest, sidecar=Sidecar.TRUST_DIGEST).document
    lines = sorted({
        seed["sha256"]: Stored.of(seed, document["packaged"]).line()
        for seed in reversed(document["seeds"]) if main_ref(seed)["type"] == "resource"
    }.values())
    _write_work(job.work_file("earlier", earlier.batch_id), lines)
    return len(lines)


def join_bucket(task: tuple[Job, str]) -> Bucket:
    """Task 2: this batch's bucket file for `prefix`, and the revisit assignments in it."""
    job, prefix = task
    known = _earlier_payloads(job, prefix)
    occurrences: dict[str, list[tuple[int, int, int, str, str]]] = defaultdict(list)
    for shard in job.shards:
        for line in lines_from(job.work_file("digests", shard.index), prefix):
            sha256, index, ordinal, size, date, path = line.rstrip("\n").split("\t", 5)
            occurrences[sha256].append((int(index), int(ordinal), int(size), date, path))
    stored: list[str] = []
    assigned: list[str] = []
    for sha256 in sorted(occurrences):
        seen = sorted(occurrences[sha256])
        if sha256 in known:
            batch_id, original = known[sha256]
            home = -1
        else:
            index, _, size, date, path = seen[0]
            batch_id, home = job.batch_id, index
            uri = target_uri(job.batch_id, path)
            original = Stored(sha256, size, record_id("resource", job.batch_id, uri,
                                                      "sha256:" + sha256),
                              job.names.warc(index), date, path)
            stored.append(original.line())
        for index in sorted({index for index, *_ in seen} - {home}):
            assigned.append(f"{index:06d}\t{batch_id}\t{original.line()}")
    _write_work(job.work_file("assign", prefix), sorted(assigned))
    final = job.out / job.names.bucket(prefix)
    data = "".join(stored).encode("utf-8")
    temp = temp_path(final)
    with open(temp, "xb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    publish_once(temp, final, what="digest index bucket", replace=job.force)
    return {"name": final.name, "sha256": sha256_hex(data), "bytes": len(data),
            "entries": len(stored)}


def assignments(job: Job, index: int) -> list[tuple[str, Stored]]:
    """The payloads of shard `index` whose original is elsewhere: (batch, where it is)."""
    key = f"{index:06d}\t"
    found = []
    for prefix in job.names.buckets():
        for line in lines_from(job.work_file("assign", prefix), key):
            _, batch_id, rest = line.split("\t", 2)
            found.append((batch_id, Stored.parse(rest)))
    return found


def _earlier_payloads(job: Job, prefix: str) -> dict[str, tuple[str, Stored]]:
    """Payloads with this prefix that an earlier batch stored, the oldest batch winning."""
    known: dict[str, tuple[str, Stored]] = {}
    for earlier in job.earlier:
        for path in _earlier_files(job, earlier, prefix):
            for line in lines_from(path, prefix):
                stored = Stored.parse(line)
                known.setdefault(stored.sha256, (earlier.batch_id, stored))
    return known


def _earlier_files(job: Job, earlier: Earlier, prefix: str) -> list[Path]:
    if not earlier.digits:
        return [job.work_file("earlier", earlier.batch_id)]
    if earlier.digits <= len(prefix):
        return [job.out / bucket_name(earlier.stem, prefix[:earlier.digits])]
    # an earlier batch cut finer: every one of its buckets under this prefix
    width = earlier.digits - len(prefix)
    return [job.out / bucket_name(earlier.stem, prefix + f"{n:0{width}x}")
            for n in range(16 ** width)]


def _digest_line(sha256: str, shard: int, ordinal: int, size: int, date: str, path: str) -> str:
    return f"{sha256}\t{shard:06d}\t{ordinal:08d}\t{size}\t{date}\t{path}\n"


def _write_work(path: Path, lines: list[str]) -> None:
    """Work files hold what any attempt computes alike: the last one written stays."""
    temp = temp_path(path)
    with open(temp, "w", encoding="utf-8", newline="\n") as stream:
        stream.writelines(lines)
    os.replace(temp, path)
