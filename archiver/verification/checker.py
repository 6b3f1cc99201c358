"""Verify a snapshot: load manifest → check sidecar and schema → read each WARC → recompute → report.

Every problem is collected, not just the first, each with a stable code and the seed or record it
concerns. Nothing is ever written. `fast=True` stops after the structural checks (schema, sidecar,
sizes, counts, record layout) and the report says that no fixity was checked.

The events log beside the manifest (`manifest/events.py`), when there is one, is checked too:
its chain line by line; it is never written here. The problem codes and their meanings are
registered in `problems.py`.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any, Callable

from archiver.base.digests import Hasher, sha256_hex
from archiver.base.executors import Executor, LocalExecutor
from archiver.base.pool import default_jobs
from archiver.errors import ArchiverError
from archiver.manifest.chain import earlier_links
from archiver.manifest.events import log_path, read_log
from archiver.manifest.files import (
    WarcPlace,
    parse_manifest,
    read_manifest_bytes,
)
from archiver.manifest.loader import Link, sidecar_path, sidecar_state
from archiver.manifest.root import is_root
from archiver.manifest.schema import is_valid, schema_errors
from archiver.manifest.types import Manifest, SeedEntry, WarcFile
from archiver.verification.comparison import compare_records
from archiver.verification.expected import (
    Expected,
    check_document,
    check_previous,
    manifest_expected,
    original_of,
    warcinfo_expected,
)
from archiver.verification.links import check_links
from archiver.verification.parallel import check_in_parallel, worth_workers
from archiver.verification.report import Problem, Report
from archiver.verification.signature import SignatureCheck, signature_checker
from archiver.warc.reader import Member, MemberReader


def verify(manifest_path: Path, *, warc: Path | None = None, fast: bool = False,
           seeds_dir: Path | None = None, jobs: int | None = None,
           executor: Executor | None = None, signature: SignatureCheck | None = None) -> Report:
    """Check a snapshot, and every earlier batch its chain names, against their manifests.

    A sharded snapshot's shards are checked as tasks on `executor` (default: this machine's
    pool of `jobs` processes); the report is the same on any executor. With `signature`, its
    SSH signature is checked over the very bytes of the manifest that are verified. Raises
    ManifestError only if there is nothing to check (no manifest at that path), InputError if
    the signature or allowed-signers file cannot be read.
    """
    jobs = jobs or default_jobs()
    executor = executor or LocalExecutor(jobs)
    signed = signature_checker(signature) if signature is not None else None
    report, links = _verify_one(manifest_path, warc=warc, fast=fast, jobs=jobs, executor=executor,
                                seeds_dir=seeds_dir, signed=signed)
    document = links[0].document if links else None
    place = WarcPlace.of(warc, document) if links else WarcPlace()
    for link in links[1:]:  # each earlier batch's WARC: in a --warc folder, else beside it
        earlier, _ = _verify_one(link.path, warc=place, fast=fast, jobs=jobs, follow=False,
                                 executor=executor, pinned=link.sha256)
        _merge_earlier(report, link, earlier, document)
    if seeds_dir is not None and document is not None and not is_root(document):
        # Imported here: reading a seeds folder loads INDEX.md's parser and the language tags.
        from archiver.verification.originals import check_seeds_folder

        check_seeds_folder(seeds_dir, document, report)  # a root's shards did theirs
    _check_events(manifest_path, links[0].sha256 if links else None, report)
    return report


def _check_events(manifest_path: Path, sha256: str | None, report: Report) -> None:
    """The events log beside the manifest, if there is one: its chain, line by line."""
    history = read_log(log_path(manifest_path), manifest_sha256=sha256)
    for damage in history.damage if history else []:
        report.add(damage.code, damage.where, damage.message)


def _verify_one(manifest_path: Path, *, warc: Path | WarcPlace | None, fast: bool, jobs: int,
                follow: bool = True, executor: Executor | None = None,
                also: tuple[Link, ...] = (), seeds_dir: Path | None = None,
                signed: Callable[[bytes, Report], None] | None = None,
                pinned: str | None = None) -> tuple[Report, list[Link]]:
    """Verify one manifest and its WARC files; return it with its chain (itself first). A
    sharded snapshot's root is checked shard by shard on `executor`, each shard comparing its
    seeds with `seeds_dir` if given.

    On several cores, with the manifest's top level sound, workers check the WARC while this
    process checks the seeds' entries (`_proved_whole`); anything wrong, and the one-core check
    below runs from the start, so that every problem is named the same way on any machine.

    The manifest is read once: `signed` checks its signature over these bytes, and an earlier
    link whose bytes are no longer the ones its chain was checked with (`pinned`) is broken.
    """
    data = read_manifest_bytes(manifest_path)
    report = Report(manifest=str(manifest_path), fast=fast)
    digest = sha256_hex(data)
    if pinned is not None and digest != pinned:
        report.add("chain-broken", str(manifest_path), f"changed while being verified: its "
                   f"sha256 is now {digest}, the chain was checked with {pinned}")
        return report, []
    if signed is not None:
        signed(data, report)
    _check_sidecar(manifest_path, data, report)
    try:
        document = parse_manifest(data)
    except ValueError as err:
        report.add("manifest-unreadable", str(manifest_path), str(err))
        return report, []
    del data  # the parsed document is what is checked from here on
    if is_root(document):
        from archiver.verification.sharded import verify_root

        return verify_root(manifest_path, digest, document, report, fast=fast,
                           executor=executor or LocalExecutor(jobs), follow=follow,
                           seeds_dir=seeds_dir, warc=warc)
    chain: tuple[list[Link], str] | None = None  # read once: earlier manifests are files too
    if not fast and jobs > 1 and _top_level_valid(document) and worth_workers(document):
        chain = _chain(manifest_path, digest, document, follow, also)
        links, broken = chain
        place = WarcPlace.of(warc, document)
        if not broken and _proved_whole(manifest_path, place, document, links, report, jobs):
            report.seeds = [seed["path"] for seed in document["seeds"]]
            check_links(document, report, str(manifest_path))
            return report, links
    errors = schema_errors(document)
    for error in errors:
        report.add("manifest-schema", str(manifest_path), f"manifest breaks its schema {error}")
    if errors:
        return report, []
    report.seeds = [seed["path"] for seed in document["seeds"]]
    check_links(document, report, str(manifest_path))
    links, broken = chain or _chain(manifest_path, digest, document, follow, also)
    if broken:
        report.add("chain-broken", str(manifest_path), broken)
    expected = manifest_expected(document, report, str(manifest_path), links)
    place = WarcPlace.of(warc, document)
    for warc_entry in document["warc_files"]:
        name = warc_entry["name"]
        path = place.locate(manifest_path.parent, name)
        _check_warc(path, warc_entry, [e for e in expected if e.warc_file == name], report, fast)
    return report, links


def _top_level_valid(document: Any) -> bool:
    """The manifest meets its schema but for its seeds' entries, which are checked one by one."""
    return (isinstance(document, dict) and isinstance(document.get("seeds"), list)
            and is_valid({**document, "seeds": []}))


def _chain(manifest_path: Path, digest: str, document: Manifest, follow: bool,
           also: tuple[Link, ...] = ()) -> tuple[list[Link], str]:
    """This manifest, then `also` (a shard's root), and, if `follow`, the earlier ones it names;
    and why the chain broke, if."""
    links = [Link(manifest_path, digest, document), *also]
    if follow and document["previous"] is not None:
        try:
            links += earlier_links(links[0])
        except ArchiverError as err:
            return links, str(err)
    return links, ""


def _proved_whole(manifest_path: Path, place: WarcPlace, document: Manifest,
                  links: list[Link], report: Report, jobs: int) -> bool:
    """True if the seeds' entries meet the schema and agree with the snapshot id, and worker
    processes found every record exactly as the manifest says. Otherwise nothing is reported
    here: the one-core check then names each problem."""
    trial = Report(manifest=report.manifest, fast=False)
    warcinfo = warcinfo_expected(document, trial)
    try:  # over entries not yet checked against the schema (the workers do that)
        check_document(document, trial, report.manifest, snapshot=False)  # workers derive it
    except (KeyError, TypeError, AttributeError):
        return False  # an entry the schema refuses: the one-core check names it
    check_previous(document, trial, report.manifest, links)
    if trial.problems or len(document["warc_files"]) != 1:
        return False
    entry = document["warc_files"][0]
    path = place.locate(manifest_path.parent, entry["name"])
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return False
    except OSError:
        return False
    by_path: dict[str, SeedEntry] = {}

    def accept(seed: Any) -> bool:
        """Keep one seed's entry, listed once (workers check it against the schema)."""
        if seed["path"] in by_path:
            return False
        by_path[seed["path"]] = seed
        return True

    found = check_in_parallel(path, entry, document, warcinfo, accept,
                              lambda seed: original_of(seed, links, by_path), jobs)
    if found is None:
        return False
    records, digest, snapshot_id = found
    if snapshot_id != document["snapshot_id"] or (digest.sha256, digest.size, records) != (
            entry["sha256"], entry["bytes"], entry["records"]):
        return False
    report.records_checked += records
    report.bytes_checked += digest.size
    return True


def _merge_earlier(report: Report, link: Link, earlier: Report,
                   document: Manifest | None) -> None:
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
    sidecar = str(sidecar_path(manifest_path))
    found = sidecar_state(manifest_path, data)
    if found.state == "missing":
        report.add("sidecar-missing", sidecar, "no sidecar digest file beside the manifest")
    elif found.state == "unreadable":
        report.add("sidecar-mismatch", sidecar, f"unreadable sidecar: {found.error}")
    elif found.state == "unlisted":
        report.add("sidecar-mismatch", sidecar,
                   f"sidecar does not list {manifest_path.name} in sha256sum format")
    elif found.state == "differs":
        report.add("sidecar-mismatch", sidecar,
                   f"manifest sha256 is {sha256_hex(data)}, sidecar records {found.recorded}")


def _check_warc(path: Path, entry: WarcFile, expected: list[Expected], report: Report,
                fast: bool) -> None:
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
    _check_layout(path, entry, expected, report)
    if fast:
        return
    # No record may claim more than the largest block the manifest promises: a gzip bomb or a
    # forged Content-Length stops at its header instead of being inflated.
    limit = max((item.record.length for item in expected), default=0)
    compare_records(name, _read_warc(path, entry, report, limit), expected, report)


def _check_layout(path: Path, entry: WarcFile, expected: list[Expected],
                  report: Report) -> None:
    """Records must tile the file: each starts where the previous one ends."""
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


def _read_warc(path: Path, entry: WarcFile, report: Report, limit: int) -> list[Member]:
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


__all__ = ["Problem", "Report", "verify"]
