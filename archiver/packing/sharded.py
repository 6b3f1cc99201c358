"""Pack a batch too large for one WARC: shards on any executor, then the root manifest.

plan (this process) → digests of each shard's seeds (a task a shard) → revisits joined by
digest-index bucket (a task a bucket) → each shard packed and committed (a task a shard) →
every shard checked and the root written (this process). This process holds the plan's
summary and one small result a shard or bucket, never an entry a seed.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from archiver.base.atomic import discard, folder_lock, publish, same_bytes, temp_path
from archiver.base.atomic import write_atomically, write_bytes
from archiver.base.dates import parse_timestamp, warc_timestamp
from archiver.base.digests import sha256_hex
from archiver.base.executors import Executor
from archiver.detect.pronom import shared
from archiver.errors import OutputError, OutputExistsError
from archiver.formats.canonical_json import pretty
from archiver.manifest.chain import previous_entry
from archiver.manifest.digest_index import index_digits
from archiver.manifest.document import GENERATOR, SCHEMA_VERSION, batch_entry, manifest_name
from archiver.manifest.events import Event, first_line, keeps_history, log_path
from archiver.manifest.files import sidecar_lines
from archiver.manifest.loader import Link, sidecar_path
from archiver.manifest.root import Names, is_root, root_snapshot_id
from archiver.manifest.types import Bucket, Dependency, Manifest, RootManifest, RootShard, ShardInfo, Software
from archiver.packing.commit import NonDeterministicError, leftovers, publish_once
from archiver.packing.packer import PackResult, Tally, _history, _write_snapshot
from archiver.packing.stored import StoredCopy, payload_key
from archiver.packing.revisits import assignments, digest_shard, index_earlier, join_bucket
from archiver.packing.shard_job import Earlier, Job, committed
from archiver.packing.software import software
from archiver.seeds.plan import Plan
from archiver.seeds.shards import Limits, even_cut, plan_document, write_seed_lists
from archiver.seeds.table import SeedTable
from archiver.seeds.types import Index
from archiver.warc.compression import Deflate

MAX_WARNINGS = 20


@dataclass(frozen=True)
class ShardOutcome:
    """What a shard's task reports: the root's entry for it and the summary's counts, nothing
    a seed."""

    entry: RootShard
    revisits: int
    seed_bytes: int
    languages: dict[str, int]
    software: Software
    dependencies: list[Dependency]
    warnings: list[str] = field(default_factory=list)
    more_warnings: int = 0


def pack_sharded(table: SeedTable, *, out_dir: Path, packaged: datetime, limits: Limits,
                 executor: Executor, compression: str, previous: Path | None = None,
                 force: bool = False) -> PackResult:
    """Pack `table`'s seeds as a sharded snapshot in `out_dir` (see the module docstring)."""
    batch = table.batch
    stamp_time = warc_timestamp(packaged)
    out_dir.mkdir(parents=True, exist_ok=True)
    history = _history(previous, out_dir, batch.batch_id) if previous else []
    shards = even_cut(table.sizes, limits)
    names = Names.of(batch.batch_id, stamp_time, len(shards), index_digits(table.count))
    prior = previous_entry(history[0]) if history else None
    plan = plan_document(batch_id=batch.batch_id, packaged=stamp_time, limits=limits,
                         compression=compression, previous=prior, shards=shards,
                         digits=names.digits)
    plan_data = pretty(plan)
    _publish_plan(out_dir / names.plan, plan_data, force)
    job = Job(str(table.seeds_dir), str(out_dir), table.head.columns, batch, stamp_time, names,
              tuple(shards), compression, sha256_hex(plan_data), prior,
              tuple(_earlier(link) for link in reversed(history)), force)
    job.work.mkdir(exist_ok=True)
    write_seed_lists([job.work_file("seeds", shard.index) for shard in shards], shards,
                     table.raw())
    try:
        executor.map(index_earlier, [(job, e) for e in job.earlier if not e.digits],
                     label="index-earlier")
        executor.map(digest_shard, [(job, shard.index) for shard in shards], label="digests")
        buckets = executor.map(join_bucket, [(job, prefix) for prefix in names.buckets()],
                               label="revisits")
        if executor.name == "local":
            shared()  # one Siegfried for every worker, started before they fork
        outcomes = executor.map(pack_shard, [(job, shard.index) for shard in shards],
                                label="pack")
        result = _write_root(job, plan, outcomes, buckets, history)
    except OSError as err:
        raise OutputError(f"{out_dir}: cannot write the snapshot: {err.strerror or err}") from None
    shutil.rmtree(job.work, ignore_errors=True)
    discard(leftovers(out_dir, names.stem))
    return result


def pack_shard(task: tuple[Job, int]) -> ShardOutcome:
    """Pack one shard and commit it; a shard already committed from this plan is kept as is."""
    job, index = task
    warc, manifest_path, sidecar = job.shard_paths(index)
    document = committed(job, index)
    if document is not None:
        return _outcome(job, index, document)
    seeds = job.seeds(index)  # large members are spooled in the work folder, removed at the end
    expected = _expected_digests(job, index, len(seeds))
    seen = {payload_key(stored.sha256): StoredCopy(stored.path, stored.record_id,
                                                   stored.warc_file, batch_id, stored.warc_date)
            for batch_id, stored in assignments(job, index)}
    temps = [temp_path(warc), temp_path(manifest_path), temp_path(sidecar)]
    shard: ShardInfo = {"index": index, "count": len(job.shards),
                        "plan": {"name": job.names.plan, "sha256": job.plan_sha256},
                        "software": software(job.compression)}
    try:
        document, tally, warnings, digest = _write_snapshot(
            Plan(Index(job.batch, ()), seeds, []), temps, warc.name, parse_timestamp(job.packaged),
            job.work, None, Deflate.named(job.compression), 1, previous=job.previous, seen=seen,
            depends=lambda earlier: _dependencies(job, earlier), extra={"shard": shard},
            expected=expected)
        entry = document["warc_files"][0]
        write_bytes(temps[2], sidecar_lines([(manifest_path.name, digest),
                                             (warc.name, entry["sha256"])]))
        for temp, final, what in ((temps[0], warc, "shard WARC"),
                                  (temps[1], manifest_path, "shard manifest"),
                                  (temps[2], sidecar, "shard sidecar")):
            publish_once(temp, final, what=what, replace=job.force)
    finally:
        discard(temps)
    return ShardOutcome(
        _root_entry(job, index, document, digest, tally.seeds), tally.revisits, tally.bytes,
        dict(tally.languages), shard["software"], document["dependencies"],
        warnings[:MAX_WARNINGS], max(0, len(warnings) - MAX_WARNINGS))


def _outcome(job: Job, index: int, document: Manifest) -> ShardOutcome:
    """What a shard committed by an earlier run reports, read back from its manifest."""
    seeds = document["seeds"]
    digest = sha256_hex(job.shard_paths(index)[1].read_bytes())
    return ShardOutcome(
        _root_entry(job, index, document, digest, len(seeds)),
        sum(1 for seed in seeds if seed["duplicate_of"]), sum(seed["bytes"] for seed in seeds),
        dict(Counter(seed["language"]["declared"] for seed in seeds)),
        document["shard"]["software"], document["dependencies"])


def _root_entry(job: Job, index: int, document: Manifest, digest: str, seeds: int) -> RootShard:
    warc, manifest_path, _ = job.shard_paths(index)
    entry = document["warc_files"][0]
    return {"index": index, "manifest": manifest_path.name, "sha256": digest,
            "bytes": manifest_path.stat().st_size, "warc_file": warc.name,
            "warc_sha256": entry["sha256"], "warc_bytes": entry["bytes"], "seeds": seeds,
            "records": entry["records"], "snapshot_id": document["snapshot_id"]}


def _expected_digests(job: Job, index: int, count: int) -> list[str]:
    found = [""] * count
    with open(job.work_file("digests", index), encoding="utf-8") as stream:
        for line in stream:
            sha256, _, ordinal, _ = line.split("\t", 3)
            found[int(ordinal)] = sha256
    return found


def _dependencies(job: Job, earlier: set[tuple[str, str]]) -> list[Dependency]:
    """Other WARC files this shard's revisits point into: earlier batches', and its siblings'
    (named by their shard manifest)."""
    manifests = {e.batch_id: e.manifest for e in job.earlier}
    siblings = {job.names.warc(shard.index): job.names.manifest(shard.index)
                for shard in job.shards}
    return [{"batch": batch_id,
             "manifest": siblings[warc] if batch_id == job.batch.batch_id else manifests[batch_id],
             "warc_file": warc} for batch_id, warc in sorted(earlier)]


def _earlier(link: Link) -> Earlier:
    if is_root(link.document):
        index = link.document["index"]
        return Earlier(link.batch_id, link.path.name, index["digits"], index["stem"])
    return Earlier(link.batch_id, link.path.name, 0)


def _publish_plan(path: Path, data: bytes, force: bool) -> None:
    temp = temp_path(path)
    write_bytes(temp, data)
    try:
        publish_once(temp, path, what="plan", replace=force)
    except NonDeterministicError:
        raise OutputExistsError(f"{path}: a different plan of this batch and packaging time is "
                                "already here (other seeds or shard limits); pass --force to "
                                "replace its shards") from None


def _write_root(job: Job, plan: dict[str, Any], outcomes: list[ShardOutcome],
                buckets: list[Bucket], history: list[Link]) -> PackResult:
    out = job.out
    for outcome in outcomes:
        _check_committed(out, outcome)
    makers = {tuple(sorted(o.software.items())) for o in outcomes}
    if len(makers) > 1:
        first = outcomes[0]
        other = next(o for o in outcomes if o.software != first.software)
        raise NonDeterministicError(
            f"{out / other.entry['manifest']}: made by other software than "
            f"{first.entry['manifest']} ({_difference(first.software, other.software)}); a snapshot's shards must all be "
            "made alike: re-pack them with one software (--force)")
    plan_path = out / job.names.plan
    dependencies = sorted({(d["batch"], d["manifest"], d["warc_file"]) for o in outcomes
                           for d in o.dependencies if d["batch"] != job.batch.batch_id})
    document: RootManifest = {
        "schema_version": SCHEMA_VERSION,
        "generator": {"name": GENERATOR["name"], "version": GENERATOR["version"]},
        "batch": batch_entry(job.batch), "packaged": job.packaged,
        "previous": job.previous,
        "plan": {"name": plan_path.name, "sha256": job.plan_sha256, "limits": plan["limits"],
                 "compression": job.compression},
        "software": outcomes[0].software,
        "seed_count": sum(o.entry["seeds"] for o in outcomes),
        "seed_bytes": sum(o.seed_bytes for o in outcomes),
        "revisits": sum(o.revisits for o in outcomes),
        "shards": [o.entry for o in outcomes],
        "index": {"stem": job.names.stem, "digits": job.names.digits,
                  "buckets": buckets},
        "dependencies": [{"batch": b, "manifest": m, "warc_file": w} for b, m, w in dependencies],
        "snapshot_id": "",
    }
    document["snapshot_id"] = root_snapshot_id(document)
    data = pretty(document)
    root = out / manifest_name(job.batch.batch_id)
    lines = [(root.name, sha256_hex(data)), (plan_path.name, job.plan_sha256)]
    for o in outcomes:
        lines += [(o.entry["manifest"], o.entry["sha256"]),
                  (o.entry["warc_file"], o.entry["warc_sha256"])]
    lines += [(bucket["name"], bucket["sha256"]) for bucket in buckets]
    digest = sha256_hex(data)
    first = first_line(Event("packing", job.packaged, root.name, digest, document["snapshot_id"],
                             detail=f"packed {document['seed_count']} seeds into "
                             f"{len(outcomes)} shards"))
    log = log_path(root)
    temps = [temp_path(root), temp_path(sidecar_path(root))]
    try:
        write_bytes(temps[0], data)
        write_bytes(temps[1], sidecar_lines(lines))
        with folder_lock(out):
            unchanged = root.exists() and same_bytes(temps[0], root)
            if root.exists() and not unchanged and not job.force:
                raise OutputExistsError(f"{root}: a different snapshot already exists; pass "
                                        "--force to replace it")
            if unchanged:
                discard(temps)
                if not log.exists():
                    write_atomically(log, first)
            else:
                pairs = [(temps[1], sidecar_path(root)), (temps[0], root)]
                if not keeps_history(log, digest, force=job.force):  # the log is the root's
                    temps.append(temp_path(log))
                    write_bytes(temps[-1], first)
                    pairs.append((temps[-1], log))
                publish(pairs)
    finally:
        discard(temps)
    tally = Tally(seeds=document["seed_count"], revisits=document["revisits"],
                  bytes=document["seed_bytes"])
    for o in outcomes:
        tally.languages.update(o.languages)
    warnings = [w for o in outcomes for w in o.warnings]
    more = sum(o.more_warnings for o in outcomes)
    if more:
        warnings.append(f"… and {more} more warnings in the shards")
    return PackResult(root, sidecar_path(root), [out / o.entry["warc_file"] for o in outcomes],
                      document, tally, warnings, unchanged)  # type: ignore[arg-type]


def _check_committed(out: Path, outcome: ShardOutcome) -> None:
    """The root is written only over shards whose sidecar says what their task reported."""
    entry = outcome.entry
    manifest_path = out / entry["manifest"]
    sidecar = sidecar_path(manifest_path)
    try:
        text = sidecar.read_bytes()
        sizes = (manifest_path.stat().st_size, (out / entry["warc_file"]).stat().st_size)
    except OSError:
        raise OutputError(f"{sidecar}: shard {entry['index']} is not committed") from None
    want = sidecar_lines([(entry["manifest"], entry["sha256"]),
                          (entry["warc_file"], entry["warc_sha256"])])
    if text != want or sizes != (entry["bytes"], entry["warc_bytes"]):
        raise OutputError(f"{sidecar}: shard {entry['index']} does not match what its task "
                          "reported; nothing was published")


def _difference(a: dict[str, str], b: dict[str, str]) -> str:
    return "; ".join(f"{key} {a.get(key)!r} vs {b.get(key)!r}" for key in sorted(a | b)
                     if a.get(key) != b.get(key))
