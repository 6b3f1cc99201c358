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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from archiver.base.digests import Hasher, Signed, sha256_hex
from archiver.base.executors import Executor, LocalExecutor
from archiver.base.pool import default_jobs
from archiver.errors import ArchiverError
from archiver.manifest.chain import earlier_links
from archiver.manifest.consistency import listing_problems
from archiver.manifest.events import log_path, read_log
from archiver.manifest.files import WarcPlace, parse_manifest
from archiver.manifest.loader import Link, sidecar_path, sidecar_state_of
from archiver.manifest.root import is_root
from archiver.manifest.schema import is_valid, schema_errors
from archiver.manifest.streamed import ManifestFile, Unstreamable, scan
from archiver.manifest.types import Manifest, WarcFile
from archiver.verification.comparison import compare_records
from archiver.verification.expected import (
    Expected,
    check_previous,
    manifest_expected,
    warcinfo_expected,
)
from archiver.verification.links import check_links, check_listed_links
from archiver.verification.parallel import (
    Listing,
    Plan,
    Refused,
    check_in_parallel,
    worth_workers,
)
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
    checked = _verify_one(manifest_path, warc=warc, fast=fast, jobs=jobs, executor=executor,
                          seeds_dir=seeds_dir, signed=signed)
    report, links = checked.report, checked.links
    document = links[0].document if links else None
    place = WarcPlace.of(warc, document) if links else WarcPlace()
    for link in links[1:]:  # each earlier batch's WARC: in a --warc folder, else beside it
        earlier = _verify_one(link.path, warc=place, fast=fast, jobs=jobs, follow=False,
                              executor=executor, pinned=link.sha256).report
        _merge_earlier(report, link, earlier, checked.listing)
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


@dataclass
class Checked:
    """One manifest verified: the report, the digest of its bytes, its chain (itself first; its
    document without the seeds' entries unless they were asked for), and what is kept of its
    seeds."""

    report: Report
    sha256: str  # of the manifest's bytes that were verified
    links: list[Link]
    listing: Listing = field(default_factory=lambda: Listing([], []))


def _verify_one(manifest_path: Path, *, warc: Path | WarcPlace | None, fast: bool, jobs: int,
                follow: bool = True, executor: Executor | None = None,
                also: tuple[Link, ...] = (), seeds_dir: Path | None = None,
                signed: Callable[[bytes | Signed, Report], None] | None = None,
                pinned: str | None = None, entries: bool = False,
                digits: int | None = None) -> Checked:
    """Verify one manifest and its WARC files; with it, its chain (itself first). A sharded
    snapshot's root is checked shard by shard on `executor`, each shard comparing its seeds with
    `seeds_dir` if given. `entries`: the first link's document holds the seeds' entries (for
    `--seeds`; otherwise a proved manifest's link has its top level only). `digits`: a shard's,
    whose listing sums its resources' index lines.

    First the manifest is proved whole without being held (`_proved`: workers check the WARC on
    several cores); anything wrong, and the one-core check below runs from the start on the
    manifest read whole, so that every problem is named the same way on any machine.

    The manifest is read from one open file: `signed` checks its signature over the bytes that
    are verified, and an earlier link whose bytes are no longer the ones its chain was checked
    with (`pinned`) is broken.
    """
    with ManifestFile(manifest_path) as manifest:
        if not fast:
            proved = _proved(manifest, warc=warc, jobs=jobs, follow=follow, also=also,
                             signed=signed, pinned=pinned, digits=digits,
                             entries=entries or seeds_dir is not None)
            if proved is not None:
                return proved
        data = manifest.read_all()
    report = Report(manifest=str(manifest_path), fast=fast)
    digest = sha256_hex(data)
    if pinned is not None and digest != pinned:
        return Checked(_changed(report, manifest_path, digest, pinned), digest, [])
    if signed is not None:
        signed(data, report)
    _check_sidecar(manifest_path, digest, report)
    try:
        document = parse_manifest(data)
    except ValueError as err:
        report.add("manifest-unreadable", str(manifest_path), str(err))
        return Checked(report, digest, [])
    del data  # the parsed document is what is checked from here on
    if is_root(document):
        from archiver.verification.sharded import verify_root

        report, links = verify_root(manifest_path, digest, document, report, fast=fast,
                                    executor=executor or LocalExecutor(jobs), follow=follow,
                                    seeds_dir=seeds_dir, warc=warc)
        return Checked(report, digest, links)
    errors = schema_errors(document)
    for error in errors:
        report.add("manifest-schema", str(manifest_path), f"manifest breaks its schema {error}")
    if errors:
        return Checked(report, digest, [])
    report.seeds = [seed["path"] for seed in document["seeds"]]
    check_links(document, report, str(manifest_path))
    links, broken = _chain(manifest_path, digest, document, follow, also)
    if broken:
        report.add("chain-broken", str(manifest_path), broken)
    expected = manifest_expected(document, report, str(manifest_path), links)
    place = WarcPlace.of(warc, document)
    for warc_entry in document["warc_files"]:
        name = warc_entry["name"]
        path = place.locate(manifest_path.parent, name)
        _check_warc(path, warc_entry, [e for e in expected if e.warc_file == name], report, fast)
    return Checked(report, digest, links, Listing.of(document, digits))


def _changed(report: Report, manifest_path: Path, digest: str, pinned: str) -> Report:
    report.add("chain-broken", str(manifest_path), f"changed while being verified: its "
               f"sha256 is now {digest}, the chain was checked with {pinned}")
    return report


def _top_level_valid(top: dict[str, Any]) -> bool:
    """The manifest meets its schema but for its seeds' entries, which are checked one by one."""
    return is_valid({**top, "seeds": []})


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


def _proved(manifest: ManifestFile, *, warc: Path | WarcPlace | None, jobs: int, follow: bool,
            also: tuple[Link, ...], signed: Callable[[bytes | Signed, Report], None] | None,
            pinned: str | None, digits: int | None, entries: bool) -> Checked | None:
    """The manifest proved whole, read as a stream (`verification/parallel.py`): its top level
    and every seed's entry meet the schema and agree with the snapshot id, and every record is
    exactly as the manifest says. None if anything is wrong or not read this way: the one-core
    check then names each problem. A pinned manifest that changed is named here."""
    path = manifest.path
    plan = Plan()
    try:
        scanned = scan(manifest, plan.add, signed=signed is not None)
    except (Unstreamable, Refused):
        return None
    top, digest = scanned.top, scanned.digest.sha256
    report = Report(manifest=str(path), fast=False)
    if pinned is not None and digest != pinned:
        return Checked(_changed(report, path, digest, pinned), digest, [])
    if is_root(top) or not _top_level_valid(top) or len(top["warc_files"]) != 1:
        return None  # a root is small: read whole
    document = cast(Manifest, top)
    links, broken = _chain(path, digest, document, follow, also)
    trial = Report(manifest=str(path), fast=False)
    warcinfo = warcinfo_expected(document, trial)
    for problem in listing_problems(True, [top["warc_files"][0]["name"]], plan.revisited,
                                    top["dependencies"]):
        trial.add("manifest-inconsistent", str(path), problem)
    check_previous(document, trial, str(path), links)
    entry = top["warc_files"][0]
    place = WarcPlace.of(warc, top)
    warc_path = place.locate(path.parent, entry["name"])
    try:
        if broken or trial.problems or not stat.S_ISREG(warc_path.stat().st_mode):
            return None
    except OSError:
        return None
    found = check_in_parallel(manifest, scanned, plan, links, warc_path, warcinfo, jobs,
                              pooled=jobs > 1 and worth_workers(plan), digits=digits)
    if found is None:
        return None
    records, whole, snapshot_id = found
    if snapshot_id != top["snapshot_id"] or (whole.sha256, whole.size, records) != (
            entry["sha256"], entry["bytes"], entry["records"]):
        return None
    if entries:  # the seeds' entries, from the bytes just proved
        data = manifest.read_all()
        if sha256_hex(data) != digest:
            return None
        document = cast(Manifest, parse_manifest(data))
        links[0] = Link(path, digest, document)
    if signed is not None and scanned.signed is not None:
        signed(scanned.signed, report)  # over the digests of the bytes proved
    _check_sidecar(path, digest, report)
    report.records_checked, report.bytes_checked = records, whole.size
    listing = plan.listing()
    report.seeds = listing.paths
    linked = {seed["path"] for seed in plan.linked}
    check_listed_links(top.get("links", 0), [p for p in listing.paths if p not in linked],
                       plan.linked, report, str(path))
    return Checked(report, digest, links, listing)


def _merge_earlier(report: Report, link: Link, earlier: Report, listing: Listing) -> None:
    """An earlier batch's problems, named by batch; seeds revisiting its damage fail too."""
    damaged = {problem.seed for problem in earlier.problems if problem.seed}
    for problem in earlier.problems:
        seed = f"{problem.seed}: " if problem.seed else ""
        report.add(problem.code, problem.where,
                   f"earlier batch {link.batch_id} ({link.path.name}): {seed}{problem.message}")
    for path, batch, original in listing.revisits:
        if batch == link.batch_id and (original in damaged or not earlier.ok and not earlier.seeds):
            report.add("revisit-unresolved", path,
                       f"revisits {original} in batch {link.batch_id}, which is damaged", path)


def _check_sidecar(manifest_path: Path, sha256: str, report: Report) -> None:
    sidecar = str(sidecar_path(manifest_path))
    found = sidecar_state_of(manifest_path, sha256)
    if found.state == "missing":
        report.add("sidecar-missing", sidecar, "no sidecar digest file beside the manifest")
    elif found.state == "unreadable":
        report.add("sidecar-mismatch", sidecar, f"unreadable sidecar: {found.error}")
    elif found.state == "unlisted":
        report.add("sidecar-mismatch", sidecar,
                   f"sidecar does not list {manifest_path.name} in sha256sum format")
    elif found.state == "differs":
        report.add("sidecar-mismatch", sidecar,
                   f"manifest sha256 is {sha256}, sidecar records {found.recorded}")


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
