"""Verify a snapshot: load manifest → check sidecar and schema → read each WARC → recompute → report.

Every problem is collected, not just the first, each with a stable code and the seed or record it
concerns. Nothing is ever written. `fast=True` stops after the structural checks (schema, sidecar,
sizes, counts, record layout) and the report says that no fixity was checked.

Problem codes: manifest-unreadable, manifest-schema, manifest-inconsistent, snapshot-id,
sidecar-missing, sidecar-mismatch, chain-broken, warc-missing, warc-size, warc-sha256,
warc-trailing, record-damaged, record-member (the gzip member's bytes changed), record-missing,
record-misplaced, record-duplicate, record-unexpected, record-header, block-digest, seed-digest,
metadata-mismatch, warcinfo-mismatch, revisit-unresolved, seeds-missing, seeds-differs,
seeds-unexpected, seeds-unreadable, signature-invalid (added by signing.py when
`verify --signature` is given).
"""

from __future__ import annotations

import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import layout, manifest
from .errors import ArchiverError
from .hashing import Hasher, sha256_file, sha256_hex
from .chain import Link, earlier_links, find_seed
from .parallelread import ParallelRead
from .workers import default_jobs
from .records import Record
from .schema import schema_errors
from .seedfolder import find_seeds
from .warcread import Member, MemberReader


@dataclass(frozen=True)
class Problem:
    code: str
    where: str
    message: str
    seed: str | None = None


@dataclass
class Report:
    manifest: str
    fast: bool
    seeds: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    records_checked: int = 0
    bytes_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, code: str, where: str, message: str, seed: str | None = None) -> None:
        self.problems.append(Problem(code, where, message, seed))

    def seed_ok(self, path: str) -> bool:
        return not any(problem.seed == path for problem in self.problems)

    def general_problems(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.seed is None]

    def to_json(self) -> dict[str, Any]:
        return {
            "manifest": self.manifest, "ok": self.ok,
            "mode": "fast (structure only, no fixity check)" if self.fast else "full",
            "records_checked": self.records_checked, "bytes_checked": self.bytes_checked,
            "seeds": [{"path": path, "ok": self.seed_ok(path)} for path in self.seeds],
            "problems": [asdict(problem) for problem in self.problems],
        }


@dataclass
class Expected:
    """A record the manifest promises, and the record the manifest's content implies."""

    record: Record
    warc_file: str
    offset: int
    length: int
    sha256: str
    seed: str | None


def verify(manifest_path: Path, *, warc: Path | None = None, fast: bool = False,
           seeds_dir: Path | None = None, jobs: int | None = None) -> Report:
    """Check a snapshot, and every earlier batch its chain names, against their manifests.

    Raises ManifestError only if there is nothing to check (no manifest at that path).
    """
    jobs = jobs or default_jobs()
    report, links = _verify_one(manifest_path, warc=warc, fast=fast, jobs=jobs)
    document = links[0].document if links else None
    for link in links[1:]:
        earlier, _ = _verify_one(link.path, warc=None, fast=fast, jobs=jobs, follow=False)
        _merge_earlier(report, link, earlier, document)
    if seeds_dir is not None and document is not None:
        _check_seeds_folder(seeds_dir, document, report)
    return report


def _verify_one(manifest_path: Path, *, warc: Path | None, fast: bool, jobs: int,
                follow: bool = True) -> tuple[Report, list[Link]]:
    """Verify one manifest and its WARC files; return it with its chain (itself first)."""
    data = manifest.read_manifest_bytes(manifest_path)
    report = Report(manifest=str(manifest_path), fast=fast)
    _check_sidecar(manifest_path, data, report)
    try:
        document = manifest.parse_manifest(data)
    except ValueError as err:
        report.add("manifest-unreadable", str(manifest_path), str(err))
        return report, []
    errors = schema_errors(document)
    for error in errors:
        report.add("manifest-schema", str(manifest_path), f"manifest breaks its schema {error}")
    if errors:
        return report, []
    report.seeds = [seed["path"] for seed in document["seeds"]]
    links = [Link(manifest_path, sha256_hex(data), document)]
    if follow and document["previous"] is not None:
        try:
            links += earlier_links(links[0])
        except ArchiverError as err:
            report.add("chain-broken", str(manifest_path), str(err))
    paths = {entry["name"]: manifest.warc_location(manifest_path, entry["name"], warc)
             for entry in document["warc_files"]}
    # Workers start reading the WARC now, while this process works out what it should hold.
    reads = {} if fast or jobs < 2 else {
        entry["name"]: _start_read(paths[entry["name"]], entry, document, len(data), jobs)
        for entry in document["warc_files"]}
    try:
        expected = _expected_records(document, report, str(manifest_path), links)
        for warc_entry in document["warc_files"]:
            name = warc_entry["name"]
            _check_warc(paths[name], warc_entry, [e for e in expected if e.warc_file == name],
                        report, fast, reads.get(name))
    finally:
        for pending in reads.values():
            if pending is not None:
                pending.close()
    return report, links


def _start_read(path: Path, entry: dict[str, Any], document: dict[str, Any], manifest_size: int,
                jobs: int) -> ParallelRead | None:
    """Read a WARC on every core if the manifest's records tile it exactly, else leave it to
    the sequential read. No block may inflate past the largest seed or the manifest's own size
    (metadata and warcinfo blocks are made from the manifest), so a gzip bomb stops early."""
    spans = [(entry["warcinfo"]["offset"], entry["warcinfo"]["length"])]
    spans += [(record["offset"], record["length"]) for seed in document["seeds"]
              for record in seed["records"] if record["warc_file"] == entry["name"]]
    spans.sort()
    position = 0
    for offset, length in spans:
        if offset != position:
            return None
        position += length
    try:
        info = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size != position or position != entry["bytes"]:
        return None
    limit = max([manifest_size, *(seed["bytes"] for seed in document["seeds"])])
    return ParallelRead(path, [offset for offset, _ in spans], position, jobs, limit)


def _merge_earlier(report: Report, link: Link, earlier: Report,
                   document: dict[str, Any] | None) -> None:
    """An earlier batch's problems, named by batch; seeds revisiting its damage fail too."""
    damaged = {problem.seed for problem in earlier.problems if problem.seed}
    for problem in earlier.problems:
        seed = f"{problem.seed}: " if problem.seed else ""
        report.add(problem.code, problem.where,
                   f"earlier batch {link.batch_id} ({link.path.name}): {seed}{problem.message}")
    for seed in (document or {}).get("seeds", []):
        duplicate = seed["duplicate_of"]
        if duplicate and duplicate["batch"] == link.batch_id and (
                duplicate["path"] in damaged or not earlier.ok and not earlier.seeds):
            report.add("revisit-unresolved", seed["path"],
                       f"revisits {duplicate['path']} in batch {link.batch_id}, which is damaged",
                       seed["path"])


def _check_sidecar(manifest_path: Path, data: bytes, report: Report) -> None:
    sidecar = manifest_path.with_name(manifest_path.name + ".sha256")
    try:
        text = manifest.read_sidecar(manifest_path)
    except FileNotFoundError:
        report.add("sidecar-missing", str(sidecar), "no sidecar digest file beside the manifest")
        return
    except (OSError, UnicodeDecodeError) as err:
        report.add("sidecar-mismatch", str(sidecar), f"unreadable sidecar: {err}")
        return
    recorded = manifest.parse_sidecar(text, manifest_path.name)
    actual = sha256_hex(data)
    if recorded is None:
        report.add("sidecar-mismatch", str(sidecar),
                   f"sidecar does not list {manifest_path.name} in sha256sum format")
    elif recorded != actual:
        report.add("sidecar-mismatch", str(sidecar),
                   f"manifest sha256 is {actual}, sidecar records {recorded}")


def _expected_records(document: dict[str, Any], report: Report, where: str,
                      links: list[Link]) -> list[Expected]:
    """Rebuild every record the manifest implies; note manifest-level inconsistencies."""
    if manifest.snapshot_id(document) != document["snapshot_id"]:
        report.add("snapshot-id", where, "snapshot_id does not match the manifest's content")
    batch_id, packaged = document["batch"]["id"], document["packaged"]
    by_path = {seed["path"]: seed for seed in document["seeds"]}
    if len(by_path) != len(document["seeds"]):
        report.add("manifest-inconsistent", where, "a seed path is listed twice")
    expected = []
    for warc_entry in document["warc_files"]:
        info = warc_entry["warcinfo"]
        try:
            record = layout.warcinfo_record(document, warc_entry["name"],
                                            compression=warc_entry.get("compression", ""))
        except ValueError as err:  # schema-valid, yet no record could carry it
            report.add("warcinfo-mismatch", warc_entry["name"],
                       f"the manifest's batch fields make no valid warcinfo record: {err}")
            continue
        if record.record_id != info["id"]:
            report.add("warcinfo-mismatch", warc_entry["name"],
                       "warcinfo record id does not match the batch fields in the manifest")
        expected.append(Expected(record, warc_entry["name"], info["offset"], info["length"],
                                 info["sha256"], None))
    warcinfo_id = document["warc_files"][0]["warcinfo"]["id"]
    warc_names = {entry["name"] for entry in document["warc_files"]}
    for seed in document["seeds"]:
        for message in _entry_inconsistencies(seed, warc_names):
            report.add("manifest-inconsistent", seed["path"], message, seed["path"])
        try:
            built = _seed_records(seed, by_path, batch_id, warcinfo_id, packaged, links)
        except ValueError as err:  # a date or header value the schema lets through
            report.add("manifest-inconsistent", seed["path"],
                       f"the seed's entry makes no valid record: {err}", seed["path"])
            continue
        if built is None:
            report.add("revisit-unresolved", seed["path"],
                       "revisit names no earlier seed with the same bytes", seed["path"])
            continue
        for record, placed in zip(built, seed["records"]):
            if record.record_id != placed["id"]:
                report.add("manifest-inconsistent", seed["path"],
                           f"{placed['type']} record id {placed['id']} does not follow from the "
                           "seed's entry", seed["path"])
            expected.append(Expected(record, placed["warc_file"], placed["offset"],
                                     placed["length"], placed["sha256"], seed["path"]))
    return expected


def _entry_inconsistencies(seed: dict[str, Any], warc_names: set[str]) -> list[str]:
    """Fields of a seed's entry that no record carries, checked against each other instead."""
    found = []
    if seed["content_type"].split(";")[0].strip() != seed["media_type"]:
        found.append(f"media_type {seed['media_type']!r} disagrees with content_type "
                     f"{seed['content_type']!r}")
    for placed in seed["records"]:
        if placed["warc_file"] not in warc_names:
            found.append(f"{placed['type']} record names WARC file {placed['warc_file']!r}, "
                         "which the manifest does not list")
    if (seed["duplicate_of"] is None) != (seed["records"][0]["type"] == "resource"):
        found.append("duplicate_of must be set for a revisit and only for a revisit")
    return found


def _seed_records(seed: dict[str, Any], by_path: dict[str, Any], batch_id: str,
                  warcinfo_id: str, packaged: str, links: list[Link]) -> list[Record] | None:
    """The main and metadata records a seed's entry implies; None for an unresolved revisit."""
    main = seed["records"][0]
    original = _original(seed, by_path, packaged, batch_id, links)
    if main["type"] == "revisit" and original is None:
        return None
    return [
        layout.main_record(seed, batch_id=batch_id, warcinfo_id=warcinfo_id, packaged=packaged,
                           original=original, body=None),
        layout.metadata_record(seed, batch_id=batch_id, warcinfo_id=warcinfo_id,
                               packaged=packaged, refers_to=main["id"]),
    ]


def _original(seed: dict[str, Any], by_path: dict[str, Any], packaged: str, batch_id: str,
              links: list[Link]) -> dict | None:
    """The seed a revisit repeats, in this batch or an earlier one, if it holds the same bytes."""
    duplicate = seed["duplicate_of"]
    if seed["records"][0]["type"] != "revisit" or duplicate is None:
        return None
    if duplicate["batch"] != batch_id:
        original = find_seed(links, duplicate["batch"], duplicate["record_id"])
    else:
        original = by_path.get(duplicate["path"])
        if original is not None:
            original = {**original, "warc_date": layout.record_date(original, packaged)}
    if original is None or original["path"] != duplicate["path"]:
        return None
    main = original["records"][0]
    if (main["id"], main["warc_file"]) != (duplicate["record_id"], duplicate["warc_file"]):
        return None
    if (original["sha256"], original["bytes"]) != (seed["sha256"], seed["bytes"]):
        return None
    return original


def _check_warc(path: Path, entry: dict[str, Any], expected: list[Expected], report: Report,
                fast: bool, pending: ParallelRead | None) -> None:
    name = entry["name"]
    try:
        info = path.stat()
        unusable = "" if stat.S_ISREG(info.st_mode) else "not a regular file"  # a FIFO would hang
    except OSError as err:
        unusable = err.strerror or str(err)
    if unusable:
        report.add("warc-missing", str(path), f"cannot open the WARC: {unusable}")
        for item in expected:
            if item.seed:
                report.add("record-missing", name, "its WARC file is missing", item.seed)
        return
    if info.st_size != entry["bytes"]:
        report.add("warc-size", str(path),
                   f"WARC is {info.st_size} bytes, manifest says {entry['bytes']}")
    tiled = _check_layout(path, entry, expected, report) and info.st_size == entry["bytes"]
    if fast:
        return
    # No record may claim more than the largest block the manifest promises: a gzip bomb or a
    # forged Content-Length stops at its header instead of being inflated.
    limit = max((item.record.length for item in expected), default=0)
    found = pending.result() if pending is not None and tiled else None
    if found is None:  # one core, or damage: one sequential read reports it exactly
        members = _read_warc(path, entry, report, limit)
    else:
        members, digest = found
        report.records_checked += len(members)
        report.bytes_checked += digest.size
        if digest.sha256 != entry["sha256"]:
            report.add("warc-sha256", str(path),
                       f"WARC sha256 is {digest.sha256}, manifest says {entry['sha256']}")
    _compare_records(name, members, expected, report)


def _check_layout(path: Path, entry: dict[str, Any], expected: list[Expected],
                  report: Report) -> bool:
    """Records must tile the file: each starts where the previous one ends. True if they do."""
    before = len(report.problems)
    if len(expected) != entry["records"]:
        report.add("manifest-inconsistent", str(path),
                   f"manifest lists {len(expected)} records but counts {entry['records']}")
    position = 0
    for item in sorted(expected, key=lambda e: e.offset):
        if item.offset != position:
            report.add("manifest-inconsistent", str(path),
                       f"record {item.record.record_id} at offset {item.offset}, expected "
                       f"{position}", item.seed)
        position = item.offset + item.length
    if position != entry["bytes"]:
        report.add("manifest-inconsistent", str(path),
                   f"records end at {position}, the file at {entry['bytes']}")
    return len(report.problems) == before


def _read_warc(path: Path, entry: dict[str, Any], report: Report, limit: int) -> list[Member]:
    """Read every member once, hashing the whole file on the way."""
    hasher = Hasher()
    members: list[Member] = []
    try:
        stream = open(path, "rb")
    except OSError as err:
        report.add("warc-missing", str(path), f"cannot open the WARC: {err.strerror}")
        return members
    with stream:
        reader = MemberReader(stream, hasher=hasher, limit=limit)
        while (member := reader.next_member()) is not None:
            members.append(member)
            if not member.whole:
                break
        while chunk := stream.read(1 << 20):  # the rest still counts towards the file's digest
            hasher.update(chunk)
    report.records_checked += len(members)
    report.bytes_checked += hasher.size
    if hasher.hexdigest() != entry["sha256"]:
        report.add("warc-sha256", str(path),
                   f"WARC sha256 is {hasher.hexdigest()}, manifest says {entry['sha256']}")
    return members


def _compare_records(name: str, found: list[Member], expected: list[Expected],
                     report: Report) -> None:
    by_offset = {item.offset: item for item in expected}
    end = max((item.offset + item.length for item in expected), default=0)
    readable_to = found[-1].offset if found and not found[-1].whole else None
    by_id: dict[str, list[Member]] = {}
    for member in found:
        if member.problem:
            code = "warc-trailing" if member.offset >= end else "record-damaged"
            report.add(code, f"{name}@{member.offset}", member.problem,
                       _seed_at(by_offset, member.offset))
        record_id = member.header("WARC-Record-ID")
        if record_id:
            by_id.setdefault(record_id, []).append(member)
    expected_ids = {item.record.record_id: item for item in expected}
    for record_id, members in by_id.items():
        item = expected_ids.get(record_id)
        if item is None:
            for member in members:
                report.add("record-unexpected", f"{name}@{member.offset}",
                           f"record {record_id} is not in the manifest",
                           _seed_at(by_offset, member.offset))
        elif len(members) > 1:
            report.add("record-duplicate", name,
                       f"record {record_id} appears {len(members)} times", item.seed)
    for item in expected:
        members = by_id.get(item.record.record_id, [])
        if members:
            _check_found(name, members[0], item, report)
        elif readable_to is not None and item.offset > readable_to:
            report.add("record-damaged", f"{name}@{item.offset}",
                       f"not readable: the WARC cannot be read past offset {readable_to}",
                       item.seed)
        elif not any(m.offset == item.offset and m.problem for m in found):
            report.add("record-missing", f"{name}@{item.offset}",
                       f"{item.record.rec_type} record {item.record.record_id} is not in the WARC",
                       item.seed)
    if found and found[0].header("WARC-Type") != "warcinfo":
        report.add("record-misplaced", f"{name}@0", "the first record is not the warcinfo record",
                   _seed_at(by_offset, 0))


def _check_found(name: str, member: Member, item: Expected, report: Report) -> None:
    if (member.offset, member.length) != (item.offset, item.length) and member.whole:
        report.add("record-misplaced", f"{name}@{member.offset}",
                   f"{item.record.rec_type} record found at offset {member.offset} "
                   f"(length {member.length}), manifest says {item.offset} "
                   f"(length {item.length})", item.seed)
    if not member.problem:
        _compare_record(name, member, item, report)
        if member.sha256 != item.sha256:
            report.add("record-member", f"{name}@{member.offset}",
                       f"{item.record.rec_type} record's gzip member has sha256 {member.sha256}, "
                       f"manifest says {item.sha256}", item.seed)


def _seed_at(by_offset: dict[int, Expected], offset: int) -> str | None:
    item = by_offset.get(offset)
    return item.seed if item else None


def _compare_record(name: str, member: Member, item: Expected, report: Report) -> None:
    where = f"{name}@{member.offset}"
    record = item.record
    actual = dict((key.lower(), value) for key, value in member.headers)
    for key, value in record.headers:
        if actual.get(key.lower()) != value:
            report.add("record-header", where,
                       f"{record.rec_type} record header {key}: expected {value!r}, found "
                       f"{actual.get(key.lower())!r}", item.seed)
    extra = set(actual) - {key.lower() for key, _ in record.headers} - {"content-length"}
    for key in sorted(extra):
        report.add("record-header", where, f"unexpected header {key}", item.seed)
    if len(actual) != len(member.headers):
        report.add("record-header", where, "a header appears twice", item.seed)
    if actual.get("content-length") != str(record.length):
        report.add("record-header", where,
                   f"Content-Length {actual.get('content-length')!r}, expected {record.length}",
                   item.seed)
    block = "sha256:" + member.block_sha256
    declared = actual.get("warc-block-digest")
    if declared != block:
        code = {"resource": "seed-digest", "metadata": "metadata-mismatch",
                "warcinfo": "warcinfo-mismatch"}.get(record.rec_type, "block-digest")
        report.add(code, where, f"{record.rec_type} block sha256 is {member.block_sha256}, "
                   f"its header says {declared}", item.seed)
    elif block != dict(record.headers).get("WARC-Block-Digest"):
        report.add("block-digest", where, f"{record.rec_type} block differs from the manifest",
                   item.seed)


def _check_seeds_folder(seeds_dir: Path, document: dict[str, Any], report: Report) -> None:
    """Compare original seed files with the manifest, so they can be checked before sharing."""
    try:
        files = {file.path: file for file in find_seeds(seeds_dir)}
    except ArchiverError as err:
        report.add("seeds-unreadable", str(seeds_dir), str(err))
        return
    listed = {seed["path"]: seed for seed in document["seeds"]}
    for path, seed in listed.items():
        file = files.get(path)
        if file is None:
            report.add("seeds-missing", str(seeds_dir / path), "not in the seeds folder", path)
            continue
        try:
            digest = sha256_file(file.location)
        except OSError as err:
            report.add("seeds-unreadable", str(file.location), err.strerror or str(err), path)
            continue
        if (digest.sha256, digest.size) != (seed["sha256"], seed["bytes"]):
            report.add("seeds-differs", str(file.location),
                       f"sha256 {digest.sha256} ({digest.size} bytes), manifest records "
                       f"{seed['sha256']} ({seed['bytes']} bytes)", path)
    for path in sorted(set(files) - set(listed)):
        report.add("seeds-unexpected", str(seeds_dir / path), "seed file is not in the manifest")


__all__ = ["Problem", "Report", "verify"]
