"""Pack a seeds folder: find seeds → read INDEX.md → describe → build records → write WARC →
build manifest → check it against the schema → publish atomically."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from . import layout, manifest
from .atomic import HashingWriter, discard, folder_lock, publish, same_bytes, temp_path, write_bytes
from .canonical import pretty
from .dates import parse_timestamp, warc_timestamp
from .chain import Link, archived_seeds, earlier_links, previous_entry, read_link
from .describe import describe, language_warning
from .errors import ArchiverError, IndexFileError, InputError, OutputError, OutputExistsError
from .hashing import read_seed, sha256_hex
from .index import INDEX_NAME, read_index
from .model import Index, Row, SeedFile
from .schema import schema_errors
from .seedfolder import find_seeds, name_collisions
from .uris import source_uri, target_uri
from .warcwrite import WarcOutput

Progress = Callable[[int], None]


@dataclass
class PackResult:
    manifest_path: Path
    sidecar_path: Path
    warc_paths: list[Path]
    document: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    unchanged: bool = False


@dataclass
class Plan:
    """What will be packed: the index and, in order, each seed file with its row."""

    index: Index
    seeds: list[tuple[SeedFile, Row]]
    warnings: list[str]

    @property
    def total_bytes(self) -> int:
        return sum(file.size for file, _ in self.seeds)


def plan(seeds_dir: Path) -> Plan:
    """Match the files in `seeds_dir` with the rows of its INDEX.md; refuse any mismatch."""
    index_path = seeds_dir / INDEX_NAME
    index = read_index(index_path)
    files = {file.path: file for file in find_seeds(seeds_dir)}
    rows = {row.path: row for row in index.rows}
    for row in index.rows:
        if row.path not in files:
            target = seeds_dir / row.path
            problem = "is not a regular file" if target.is_dir() else "no such file in the seeds folder"
            raise IndexFileError(f"{index_path}:{row.line}: row names {row.path!r}: {problem}")
    for path in files:
        if path not in rows:
            raise IndexFileError(f"{seeds_dir / path}: seed has no row in {index_path}")
    warnings = [
        f"{seeds_dir / a} and {seeds_dir / b}: names equal under Unicode normalization or case "
        "folding; both are kept, but some filesystems cannot hold both"
        for a, b in name_collisions(sorted(files))
    ]
    return Plan(index, [(files[path], rows[path]) for path in sorted(files)], warnings)


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
         prepared: Plan | None = None) -> PackResult:
    """Pack `seeds_dir` into `out_dir`; nothing appears there unless the whole snapshot does.

    With `previous` (a manifest in `out_dir`), the batch follows that one: seeds already archived
    anywhere in its chain become revisits into the earlier WARC files, which stay untouched.
    """
    work = prepared or plan(seeds_dir)
    batch = work.index.batch
    out_dir.mkdir(parents=True, exist_ok=True)
    history = _history(previous, out_dir, batch.batch_id) if previous else None
    warc_final = out_dir / manifest.warc_name(batch.batch_id)
    manifest_final = out_dir / manifest.manifest_name(batch.batch_id)
    sidecar_final = manifest_final.with_name(manifest_final.name + ".sha256")
    temps = [temp_path(warc_final), temp_path(manifest_final), temp_path(sidecar_final)]
    try:
        document, warnings = _write_snapshot(work, temps, warc_final.name, packaged, out_dir,
                                             on_progress, history)
        with folder_lock(out_dir):
            unchanged = _same_as_existing(temps, [warc_final, manifest_final], force)
            if unchanged:
                discard(temps)
            else:
                publish([(temps[0], warc_final), (temps[2], sidecar_final),
                         (temps[1], manifest_final)])
    except OSError as err:  # reading errors are SeedErrors by now: this is the output failing
        discard(temps)
        raise OutputError(f"{out_dir}: cannot write the snapshot: {err.strerror or err}; "
                          "nothing was written") from None
    except BaseException:
        discard(temps)
        raise
    return PackResult(manifest_final, sidecar_final, [warc_final], document,
                      work.warnings + warnings, unchanged)


def _history(previous: Path, out_dir: Path, batch_id: str) -> list[Link]:
    """The chain a new batch follows, newest first, checked link by link."""
    if previous.resolve().parent != out_dir.resolve():
        raise InputError(f"{previous}: the previous manifest must be in the output folder "
                         f"{out_dir} (a chain of batches lives in one folder)")
    newest = read_link(previous)
    links = [newest, *earlier_links(newest)]
    if batch_id in {link.batch_id for link in links}:
        raise InputError(f"{previous}: batch id {batch_id!r} is already in this chain; give the "
                         "new batch its own id in INDEX.md")
    return links


def _write_snapshot(work: Plan, temps: list[Path], warc_file: str, packaged: datetime,
                    out_dir: Path, on_progress: Progress | None,
                    history: list[Link] | None) -> tuple[dict[str, Any], list[str]]:
    batch = work.index.batch
    document = manifest.new_document(
        batch, packaged=warc_timestamp(packaged),
        previous=previous_entry(history[0]) if history else None, seeds=[])
    warnings: list[str] = []
    try:
        stream = open(temps[0], "xb")
    except OSError as err:
        raise OutputError(f"{temps[0].parent}: cannot write the WARC: {err.strerror}") from None
    with stream:
        hashing = HashingWriter(stream)
        output = WarcOutput(hashing)
        info = output.write(layout.warcinfo_record(document, warc_file))
        seen = archived_seeds(history or [])
        for file, row in work.seeds:
            entry = _write_seed(output, file, row, batch.batch_id, info.record_id, warc_file,
                                document["packaged"], seen, out_dir, warnings)
            document["seeds"].append(entry)
            if on_progress:
                on_progress(file.size)
        stream.flush()
        os.fsync(stream.fileno())
    document["warc_files"] = [{
        "name": warc_file, "bytes": hashing.tell(), "sha256": hashing.hasher.hexdigest(),
        "records": len(output.placements),
        "warcinfo": {"id": info.record_id, "offset": info.offset, "length": info.length,
                     "sha256": info.sha256},
    }]
    document["dependencies"] = _dependencies(document["seeds"], batch.batch_id, history or [])
    document["snapshot_id"] = manifest.snapshot_id(document)
    problems = schema_errors(document)
    if problems:
        raise ArchiverError(f"internal error: the manifest breaks its schema {problems[0]}")
    data = pretty(document)
    write_bytes(temps[1], data)
    sidecar = manifest.sidecar_text(manifest.manifest_name(batch.batch_id), sha256_hex(data))
    write_bytes(temps[2], sidecar.encode())
    return document, warnings


def _dependencies(seeds: list[dict[str, Any]], batch_id: str,
                  history: list[Link]) -> list[dict[str, str]]:
    manifests = {link.batch_id: link.path.name for link in history}
    found = {(s["duplicate_of"]["batch"], s["duplicate_of"]["warc_file"])
             for s in seeds if s["duplicate_of"] and s["duplicate_of"]["batch"] != batch_id}
    return [{"batch": batch, "manifest": manifests[batch], "warc_file": warc}
            for batch, warc in sorted(found)]


def _write_seed(output: WarcOutput, file: SeedFile, row: Row, batch_id: str, warcinfo_id: str,
                warc_file: str, packaged: str, seen: dict[str, dict[str, Any]],
                out_dir: Path, warnings: list[str]) -> dict[str, Any]:
    read = read_seed(file, spool_dir=out_dir)
    try:
        seed = describe(file, row, read)
        warning = language_warning(seed)
        if warning:
            warnings.append(warning)
        entry = manifest.seed_entry(seed, uri=target_uri(batch_id, file.path),
                                    source_uri=source_uri(row.source))
        original = seen.get(seed.digest.sha256)
        main = layout.main_record(entry, batch_id=batch_id, warcinfo_id=warcinfo_id,
                                  packaged=packaged, original=original, body=read.body)
        placed = output.write(main)
    finally:
        read.close()
    if original is not None:
        entry["duplicate_of"] = {"path": original["path"], "record_id": original["records"][0]["id"],
                                 "warc_file": original["records"][0]["warc_file"],
                                 "batch": original["batch"]}
    meta = layout.metadata_record(entry, batch_id=batch_id, warcinfo_id=warcinfo_id,
                                  packaged=packaged, refers_to=placed.record_id)
    placed_meta = output.write(meta)
    entry["records"] = [
        {"type": main.rec_type, "id": placed.record_id, "warc_file": warc_file,
         "offset": placed.offset, "length": placed.length, "sha256": placed.sha256},
        {"type": "metadata", "id": placed_meta.record_id, "warc_file": warc_file,
         "offset": placed_meta.offset, "length": placed_meta.length,
         "sha256": placed_meta.sha256},
    ]
    if original is None:
        seen[seed.digest.sha256] = {**entry, "warc_date": layout.record_date(entry, packaged),
                                    "batch": batch_id}
    return entry


def _same_as_existing(temps: list[Path], finals: list[Path], force: bool) -> bool:
    """True if the snapshot already exists byte for byte; refuse a different one unless forced."""
    if not finals[1].exists():
        return False
    same = all(same_bytes(temp, final) for temp, final in zip(temps, finals))
    if not same and not force:
        raise OutputExistsError(
            f"{finals[1]}: a different snapshot already exists; pass --force to replace it")
    return same
