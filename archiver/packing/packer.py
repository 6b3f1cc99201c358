"""Pack a seeds folder: find seeds → read INDEX.md → describe → build records → write WARC →
build manifest → check it against the schema → publish atomically."""

from __future__ import annotations

import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Callable

from archiver.base.atomic import (
    HashingWriter,
    discard,
    folder_lock,
    publish,
    same_bytes,
    temp_path,
    write_atomically,
    write_bytes,
)
from archiver.base.dates import parse_timestamp, warc_timestamp
from archiver.base.executors import Deferred
from archiver.base.pool import default_jobs
from archiver.detect.pronom import start_early as start_siegfried
from archiver.errors import (
    ArchiverError,
    InputError,
    OutputError,
    OutputExistsError,
    SeedError,
)
from archiver.manifest.chain import archived_seeds, chain_of, previous_entry
from archiver.manifest.document import manifest_name, new_document, warc_name
from archiver.manifest.events import first_line, keeps_history, log_path, packing_event
from archiver.manifest.files import sidecar_text
from archiver.manifest.implied import (
    RecordContext,
    metadata_record_at,
    revisit_record,
    warcinfo_record,
)
from archiver.manifest.loader import Link, load_manifest
from archiver.manifest.root import is_root
from archiver.manifest.schema import is_file_name, schema_errors
from archiver.manifest.types import Dependency, Duplicate, Manifest, Previous, RecordRef
from archiver.manifest.writer import ManifestWriter
from archiver.packing.stored import Seen, StoredCopy, payload_key
from archiver.packing.worker import Composed, Context, composed
from archiver.seeds.plan import Plan, prepare
from archiver.seeds.shards import DEFAULT_SHARD_BYTES, DEFAULT_SHARD_SEEDS, Limits
from archiver.seeds.table import SeedTable
from archiver.warc.compression import DEFAULT, Deflate
from archiver.warc.writer import WarcOutput, record_member

Progress = Callable[[int], None]


@dataclass
class Tally:
    """What a pack did, counted as it went (the entries themselves are only in the manifest)."""

    seeds: int = 0
    links: int = 0  # of the seeds, how many are symbolic links
    revisits: int = 0
    bytes: int = 0
    languages: Counter[str] = field(default_factory=Counter)
    earlier: set[tuple[str, str]] = field(default_factory=set)  # (batch, WARC) revisited

    def add(self, item: Composed, duplicate: Duplicate | None, context: Context) -> None:
        self.seeds += 1
        self.links += item.link
        self.bytes += item.size
        self.languages[item.declared_language] += 1
        if duplicate:
            self.revisits += 1
            if (duplicate["batch"], duplicate["warc_file"]) != (context.records.batch_id,
                                                                context.warc_file):
                self.earlier.add((duplicate["batch"], duplicate["warc_file"]))


@dataclass
class PackResult:
    manifest_path: Path
    sidecar_path: Path
    warc_paths: list[Path]
    document: Manifest  # the manifest's fields but its seeds
    tally: Tally
    warnings: list[str] = field(default_factory=list)
    unchanged: bool = False


def packaging_time(*, option: datetime | None, epoch: datetime | None, declared: str,
                   now: datetime) -> datetime:
    """--date, then SOURCE_DATE_EPOCH, then INDEX.md's `date`, then the clock the CLI read."""
    if option is not None:
        return option
    if epoch is not None:
        return epoch
    return parse_timestamp(declared) if declared else now


def pack(seeds_dir: Path, *, out_dir: Path, packaged: datetime, force: bool = False,
         previous: Path | None = None, on_progress: Progress | None = None,
         prepared: Plan | SeedTable | None = None, jobs: int | None = None,
         compression: str = DEFAULT, executor: str = "local", scheduler: str | None = None,
         shard_bytes: int = DEFAULT_SHARD_BYTES,
         shard_seeds: int = DEFAULT_SHARD_SEEDS, skip_bad_links: bool = False) -> PackResult:
    """Pack `seeds_dir` into `out_dir`; nothing appears there unless the whole snapshot does.

    With `previous` (a manifest in `out_dir`), the batch follows that one: seeds already archived
    anywhere in its chain become revisits into the earlier WARC files, which stay untouched.
    `jobs` worker processes share the per-seed work (default: every core); the output is the
    same bytes for every `jobs`. A symbolic link inside the folder is archived as a link; a bad
    one (outside, dangling, looping) is refused, or left out with a warning if `skip_bad_links`.
    `compression` names the deflate library and level (`isal-2`,
    `zlib-6`, …): it changes the WARC's bytes, never a digest or the snapshot identifier.

    A batch over `shard_seeds` seeds or `shard_bytes` seed bytes is sharded (see sharded.py):
    its shards are tasks on `executor` (`local`, or `dask`: an embedded cluster, or the running
    scheduler at `scheduler`), and the output is the same bytes on either. A batch within both
    limits is one shard, packed as one file on this machine's pool whatever the executor.
    """
    refuse_out_inside(seeds_dir, out_dir)
    limits = Limits(shard_bytes, shard_seeds)
    deflate = Deflate.named(compression)
    tasks = Deferred(executor, jobs, scheduler)  # refuses a bad name before any work
    if executor == "local":
        start_siegfried()  # its signatures load while the plan is made
    work = prepared or prepare(seeds_dir, limits, skip_bad_links=skip_bad_links)
    if isinstance(work, SeedTable):
        from archiver.packing.sharded import pack_sharded

        try:
            with tasks:
                return pack_sharded(work, out_dir=out_dir, packaged=packaged, limits=limits,
                                    executor=tasks, compression=compression, previous=previous,
                                    force=force)
        finally:
            work.close()
    batch = work.index.batch
    out_dir.mkdir(parents=True, exist_ok=True)
    history = _history(previous, out_dir, batch.batch_id) if previous else None
    warc_final = out_dir / warc_name(batch.batch_id)
    manifest_final = out_dir / manifest_name(batch.batch_id)
    sidecar_final = manifest_final.with_name(manifest_final.name + ".sha256")
    temps = [temp_path(warc_final), temp_path(manifest_final), temp_path(sidecar_final)]
    try:
        seen = Seen({payload_key(original.sha256): StoredCopy.of(original)
                     for original in archived_seeds(history or [])},
                    [link for link in history or [] if is_root(link.document)])
        document, tally, warnings, digest = _write_snapshot(
            work, temps, warc_final.name, packaged, out_dir, on_progress, deflate,
            jobs or default_jobs(), previous=previous_entry(history[0]) if history else None,
            seen=seen, depends=lambda earlier: _dependencies(earlier, history or []))
        write_bytes(temps[2], sidecar_text(manifest_final.name, digest).encode())
        log_final = log_path(manifest_final)
        first = first_line(packing_event(document, manifest_final.name, digest,
                                          seeds=tally.seeds))
        with folder_lock(out_dir):
            unchanged = _same_as_existing(temps, [warc_final, manifest_final], force)
            if unchanged:
                discard(temps)
                if not log_final.exists():  # a snapshot packed before its log could be written
                    write_atomically(log_final, first)
            else:
                pairs = [(temps[0], warc_final), (temps[2], sidecar_final),
                         (temps[1], manifest_final)]
                if not keeps_history(log_final, digest, force=force):
                    temps.append(temp_path(log_final))
                    write_bytes(temps[-1], first)
                    pairs.append((temps[-1], log_final))
                publish(pairs)
    except OSError as err:  # reading errors are SeedErrors by now: this is the output failing
        discard(temps)
        raise OutputError(f"{out_dir}: cannot write the snapshot: {err.strerror or err}; "
                          "nothing was written") from None
    except BaseException:
        discard(temps)
        raise
    return PackResult(manifest_final, sidecar_final, [warc_final], document, tally,
                      work.warnings + warnings, unchanged)


def refuse_out_inside(seeds_dir: Path, out_dir: Path) -> None:
    """Refuse an output folder in (or equal to) the seeds folder, links resolved: the next pack
    of that folder would find the snapshot among its seeds."""
    seeds, out = seeds_dir.resolve(), out_dir.resolve()
    if out == seeds or out.is_relative_to(seeds):
        raise InputError(f"{out_dir}: the output folder is inside the seeds folder {seeds_dir}; "
                         "choose one outside it")


def _history(previous: Path, out_dir: Path, batch_id: str) -> list[Link]:
    """The chain a new batch follows, newest first, checked link by link."""
    if previous.resolve().parent != out_dir.resolve():
        raise InputError(f"{previous}: the previous manifest must be in the output folder "
                         f"{out_dir} (a chain of batches lives in one folder)")
    if not is_file_name(previous.name):
        raise InputError(f"{previous}: a manifest name must be lowercase letters, digits, '.', "
                         "'_' and '-' (the new manifest names it); rename it with its sidecar")
    newest = load_manifest(previous)  # its sidecar too: it is the chain's only unpinned link
    if "shard" in newest.document:
        raise InputError(f"{previous}: is one shard of a sharded snapshot; give its root manifest "
                         f"({manifest_name(newest.batch_id)}) as --previous")
    links = chain_of(newest)
    if batch_id in {link.batch_id for link in links}:
        raise InputError(f"{previous}: batch id {batch_id!r} is already in this chain; give the "
                         "new batch its own id in INDEX.md")
    return links


def _write_snapshot(work: Plan, temps: list[Path], warc_file: str, packaged: datetime,
                    out_dir: Path, on_progress: Progress | None, deflate: Deflate, jobs: int, *,
                    previous: Previous | None, seen: dict[bytes, StoredCopy],
                    depends: Callable[[set[tuple[str, str]]], list[Dependency]],
                    extra: dict[str, Any] | None = None,
                    expected: list[str] | None = None
                    ) -> tuple[Manifest, Tally, list[str], str]:
    """Write the WARC and manifest of `work`'s seeds into `temps` (WARC, manifest); return the
    manifest's fields but its seeds, the tally, the warnings and the manifest's sha256.

    `seen` holds the payloads stored before (their revisits point there), `depends` lists the
    WARC files of other snapshots those revisits name, `extra` adds fields to the manifest (a
    shard's `shard`), and `expected` (a shard's digests, found before) must match each seed's
    as it is read."""
    batch = work.index.batch
    document = new_document(batch, packaged=warc_timestamp(packaged), previous=previous, seeds=[])
    document.update(extra or {})  # type: ignore[typeddict-item]
    compression = deflate.describe()
    warnings: list[str] = []
    with _create(temps[0]) as stream, _create(temps[1]) as manifest_stream:
        hashing = HashingWriter(stream)
        output = WarcOutput(hashing, deflate)
        info = output.write(warcinfo_record(document, warc_file, compression=compression))
        context = Context(RecordContext(batch.batch_id, info.record_id, document["packaged"]),
                          warc_file, deflate, out_dir)
        writer = ManifestWriter(manifest_stream, document, out_dir)
        tally = Tally()
        try:
            # The plan's path, not the worker's copy, is kept for a payload seen first.
            for n, ((file, _), item) in enumerate(zip(work.seeds,
                                                      composed(context, work.seeds, jobs=jobs))):
                if expected is not None and item.sha256 != expected[n]:
                    item.discard()
                    raise SeedError(f"{file.location}: changed while being packed (its digest "
                                    "differs from the one read before)")
                records, duplicate = _place(output, item, context, seen, file.path)
                writer.add(item.text, item.snapshot_text, records, duplicate)
                tally.add(item, duplicate, context)
                warnings.extend(item.warnings)
                if on_progress:
                    on_progress(item.size)
            _sync(stream)
            document["warc_files"] = [{
                "name": warc_file, "bytes": hashing.tell(), "sha256": hashing.hasher.hexdigest(),
                "records": output.count, "compression": compression,
                "warcinfo": {"id": info.record_id, "offset": info.offset, "length": info.length,
                             "sha256": info.sha256},
            }]
            document["dependencies"] = depends(tally.earlier)
            if tally.links:
                document["links"] = tally.links
            document["snapshot_id"] = writer.snapshot_id()
            problems = schema_errors({**document, "seeds": []})
            if problems:
                raise ArchiverError(f"internal error: the manifest breaks its schema {problems[0]}")
            digest = writer.finish(document)
        finally:
            writer.close()
        _sync(manifest_stream)
    return document, tally, warnings, digest


def _dependencies(earlier: set[tuple[str, str]], history: list[Link]) -> list[Dependency]:
    manifests = {link.batch_id: link.path.name for link in history}
    return [{"batch": batch, "manifest": manifests[batch], "warc_file": warc}
            for batch, warc in sorted(earlier)]


def _create(path: Path) -> BinaryIO:
    try:
        return open(path, "xb")
    except OSError as err:
        raise OutputError(f"{path.parent}: cannot write the snapshot: {err.strerror}") from None


def _sync(stream: BinaryIO) -> None:
    stream.flush()
    os.fsync(stream.fileno())


def _place(output: WarcOutput, item: Composed, context: Context, seen: dict[bytes, StoredCopy],
           path: str) -> tuple[list[RecordRef], Duplicate | None]:
    """Write a composed seed's records, as a revisit if an earlier seed had the same bytes;
    return the entry's records and duplicate_of."""
    key = payload_key(item.sha256)
    original = seen.get(key)
    duplicate = None
    if original is None:
        main_type, meta_id, meta_member = "resource", item.meta_id, item.meta
        if isinstance(item.main, Path):
            placed = output.copy_member(item.main_id, item.main)
        else:
            placed = output.write_member(item.main_id, item.main)
        seen[key] = StoredCopy(path, placed.record_id, context.warc_file,
                               context.records.batch_id,
                               sys.intern(item.warc_date))  # a batch has few dates
    else:
        item.discard()
        main = revisit_record(item.uri, context.records, date=item.warc_date,
                              digest="sha256:" + item.sha256, original=original.target())
        placed = output.write(main)
        main_type = main.rec_type
        duplicate = original.duplicate()
        meta = metadata_record_at(item.uri, context.records, date=item.warc_date,
                                  refers_to=placed.record_id, body=item.meta_body)
        meta_id, meta_member = meta.record_id, record_member(meta, context.deflate)
    placed_meta = output.write_member(meta_id, meta_member)
    records: list[RecordRef] = [
        {"type": main_type, "id": placed.record_id, "warc_file": context.warc_file,
         "offset": placed.offset, "length": placed.length, "sha256": placed.sha256},
        {"type": "metadata", "id": placed_meta.record_id, "warc_file": context.warc_file,
         "offset": placed_meta.offset, "length": placed_meta.length,
         "sha256": placed_meta.sha256},
    ]
    return records, duplicate


def _same_as_existing(temps: list[Path], finals: list[Path], force: bool) -> bool:
    """True if the snapshot already exists byte for byte; refuse a different one unless forced."""
    if not finals[1].exists():
        return False
    same = all(same_bytes(temp, final) for temp, final in zip(temps, finals))
    if not same and not force:
        raise OutputExistsError(
            f"{finals[1]}: a different snapshot already exists; pass --force to replace it")
    return same
