"""Verify a sharded snapshot: each shard as a task, each digest-index bucket as a task, then a
small join in this process.

A shard is verified as a one-file snapshot is (sidecar, schema, every record), its revisits into
other shards or batches resolved through the digest indexes, and then held to what the root says
of it. A bucket must be the bytes the root names, sorted, and hold exactly the payloads the
shards stored first: each shard sums its resources' index lines per bucket (`LineSum`), each
bucket task sums its lines, and this process compares the sums. The report names every problem
by its shard's files and seed, and is the same whatever the executor and its number of workers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from archiver.base.digests import sha256_file, sha256_hex
from archiver.base.executors import Executor
from archiver.errors import ArchiverError
from archiver.manifest.chain import earlier_links
from archiver.manifest.digest_index import LineSum, Stored, bucket_name, bucket_prefixes
from archiver.manifest.files import WarcPlace, read_sidecar, sidecar_entries
from archiver.manifest.loader import Link, Sidecar, load_manifest, sidecar_path
from archiver.manifest.root import root_errors, root_snapshot_id
from archiver.manifest.types import Manifest, RootManifest
from archiver.verification.originals import SeedRange, check_shard_seeds, check_unlisted
from archiver.verification.report import Problem, Report


@dataclass(frozen=True)
class RootJob:
    root: Link
    fast: bool
    seeds_dir: str | None = None  # verify --seeds: each shard compares its seeds' files
    warc: WarcPlace | None = None  # verify --warc: a folder holding the shards' WARC files


@dataclass
class ShardCheck:
    index: int
    problems: list[Problem]
    failed: list[str]
    seeds: int
    records: int
    bytes: int
    sums: dict[str, tuple[int, int]] = field(default_factory=dict)
    seed_range: SeedRange | None = None


def verify_root(path: Path, digest: str, document: RootManifest, report: Report, *,
                fast: bool, executor: Executor, follow: bool, seeds_dir: Path | None = None,
                warc: Path | WarcPlace | None = None) -> tuple[Report, list[Link]]:
    errors = root_errors(document)
    for error in errors:
        report.add("manifest-schema", str(path), f"root manifest breaks its schema {error}")
    if errors:
        return report, []
    root = Link(path, digest, document)
    links = [root]
    if follow and document["previous"] is not None:
        try:
            links += earlier_links(root)
        except ArchiverError as err:
            report.add("chain-broken", str(path), str(err))
    _check_root(path, document, report)
    job = RootJob(root, fast, None if seeds_dir is None else str(seeds_dir),
                  WarcPlace.of(warc, document))  # a file is refused: a root lists no WARC
    checks = executor.map(verify_shard, [(job, i) for i in range(len(document["shards"]))],
                          label="verify-shards")
    buckets = document["index"]["buckets"]
    sums = executor.map(check_bucket, [(job, i) for i in range(len(buckets))],
                        label="verify-index")
    expected: dict[str, LineSum] = defaultdict(LineSum)
    failed: list[str] = []
    for check, entry in zip(checks, document["shards"]):
        report.problems += check.problems
        report.records_checked += check.records
        report.bytes_checked += check.bytes
        failed += check.failed
        report.shards.append({"manifest": entry["manifest"], "seeds": check.seeds,
                              "ok": not check.problems})
        for prefix, (value, count) in check.sums.items():
            expected[prefix] += LineSum(value, count)
    # A shard manifest that is not the root's makes its sums meaningless: it is named already.
    trusted = not any(p.code in ("shard-manifest", "shard-missing") for p in report.problems)
    for (problems, found), entry in zip(sums, buckets):
        report.problems += problems
        prefix = _prefix(entry["name"], document)
        if not fast and trusted and not problems and found != expected[prefix]:
            report.add("index-mismatch", str(path.with_name(entry["name"])),
                       f"bucket lists {found.count} payloads, not the {expected[prefix].count} "
                       "the shards stored first (or other ones)")
    if seeds_dir is not None:
        check_unlisted(seeds_dir, [check.seed_range for check in checks],
                       lambda index: _names(root, index), report)
    report.seeds = sorted(set(failed))
    report.seed_total = sum(check.seeds for check in checks)
    return report, links


def _check_root(path: Path, document: RootManifest, report: Report) -> None:
    where = str(path)
    if root_snapshot_id(document) != document["snapshot_id"]:
        report.add("snapshot-id", where, "snapshot_id does not match the root's content")
    software = {tuple(sorted(document["software"].items()))}
    if len(software) != 1:
        report.add("shard-software", where, "the root names mixed software")
    shards = document["shards"]
    if [shard["index"] for shard in shards] != list(range(len(shards))):
        report.add("manifest-inconsistent", where, "shards are not numbered 0, 1, 2, …")
    index = document["index"]
    names = [bucket_name(index["stem"], prefix) for prefix in bucket_prefixes(index["digits"])]
    if [bucket["name"] for bucket in index["buckets"]] != names:
        report.add("manifest-inconsistent", where, "the digest index does not list its "
                   f"{len(names)} buckets in order")
    if sum(shard["seeds"] for shard in shards) != document["seed_count"]:
        report.add("manifest-inconsistent", where, "seed_count is not the shards' sum")
    plan = path.with_name(document["plan"]["name"])
    try:
        found = sha256_file(plan).sha256
    except OSError as err:
        report.add("plan-mismatch", str(plan), f"cannot read the plan: {err.strerror}")
    else:
        if found != document["plan"]["sha256"]:
            report.add("plan-mismatch", str(plan),
                       f"plan sha256 is {found}, the root records {document['plan']['sha256']}")
    _check_root_sidecar(path, document, report)


def _check_root_sidecar(path: Path, document: RootManifest, report: Report) -> None:
    """Beyond the root's own line (checked as for any manifest), every file the sidecar lists
    must carry the digest the root records, so `sha256sum -c` and verify agree."""
    try:
        listed = sidecar_entries(read_sidecar(path))
    except (OSError, UnicodeDecodeError):
        return  # reported as sidecar-missing or sidecar-mismatch already
    recorded = {document["plan"]["name"]: document["plan"]["sha256"]}
    for shard in document["shards"]:
        recorded[shard["manifest"]] = shard["sha256"]
        recorded[shard["warc_file"]] = shard["warc_sha256"]
    for bucket in document["index"]["buckets"]:
        recorded[bucket["name"]] = bucket["sha256"]
    for name, sha256 in recorded.items():
        if listed.get(name) != sha256:
            report.add("sidecar-mismatch", str(sidecar_path(path)),
                       f"sidecar does not list {name} with the sha256 the root records")


def verify_shard(task: tuple[RootJob, int]) -> ShardCheck:
    """A task: one shard verified as a one-file snapshot, then held to the root's entry."""
    from archiver.verification.checker import _verify_one

    job, index = task
    root = job.root.document
    entry = root["shards"][index]
    path = job.root.path.with_name(entry["manifest"])
    try:
        checked = _verify_one(path, warc=job.warc, fast=job.fast, jobs=1, follow=True,
                              also=(job.root,), entries=job.seeds_dir is not None,
                              digits=root["index"]["digits"])
    except ArchiverError as err:
        problem = Problem("shard-missing", str(path), f"shard {index}: {err}")
        return ShardCheck(index, [problem], [], entry["seeds"], 0, 0)
    problems = []
    if checked.sha256 != entry["sha256"]:  # of the very bytes verified
        problems.append(Problem("shard-manifest", str(path),
                                f"shard {index}'s manifest is not the one the root records "
                                f"(sha256 {checked.sha256}, root: {entry['sha256']})"))
    report, links = checked.report, checked.links
    stem = path.name.removesuffix(".manifest.json")  # every problem names its shard
    problems += [problem if stem in problem.where else
                 replace(problem, where=f"{path.name}: {problem.where}")
                 for problem in report.problems]
    sums: dict[str, tuple[int, int]] = {}
    seed_range = None
    if links:
        document = links[0].document
        problems += _against_root(path, index, document, len(checked.listing.paths), root)
        sums = {prefix: (total.value, total.count)
                for prefix, total in checked.listing.sums.items()}
        if job.seeds_dir is not None:
            originals = Report(manifest=str(path), fast=job.fast)
            seed_range = check_shard_seeds(Path(job.seeds_dir), document, originals)
            problems += originals.problems
    failed = sorted({problem.seed for problem in problems if problem.seed})
    return ShardCheck(index, problems, failed, entry["seeds"], report.records_checked,
                      report.bytes_checked, sums, seed_range)


def _names(root: Link, index: int) -> set[str]:
    """The seed names shard `index` lists (read only when a range of the folder needs them)."""
    path = root.path.with_name(root.document["shards"][index]["manifest"])
    try:
        shard = load_manifest(path, sidecar=Sidecar.TRUST_DIGEST)
    except ArchiverError:
        return set()  # named already as shard-missing
    return {seed["path"] for seed in shard.document["seeds"]}


def _against_root(path: Path, index: int, document: Manifest, seeds: int,
                  root: RootManifest) -> list[Problem]:
    entry = root["shards"][index]
    shard = document.get("shard") or {}
    warc = document["warc_files"][0] if document["warc_files"] else {}
    want = {
        "batch": root["batch"], "packaged": root["packaged"], "previous": root["previous"],
        "shard index": index, "shard count": len(root["shards"]),
        "plan": {"name": root["plan"]["name"], "sha256": root["plan"]["sha256"]},
        "software": root["software"], "snapshot_id": entry["snapshot_id"],
        "seeds": entry["seeds"], "WARC file": entry["warc_file"],
        "WARC sha256": entry["warc_sha256"], "WARC bytes": entry["warc_bytes"],
        "records": entry["records"],
    }
    found = {
        "batch": document["batch"], "packaged": document["packaged"],
        "previous": document["previous"], "shard index": shard.get("index"),
        "shard count": shard.get("count"), "plan": shard.get("plan"),
        "software": shard.get("software"), "snapshot_id": document["snapshot_id"],
        "seeds": seeds, "WARC file": warc.get("name"),
        "WARC sha256": warc.get("sha256"), "WARC bytes": warc.get("bytes"),
        "records": warc.get("records"),
    }
    code = {"software": "shard-software"}
    return [Problem(code.get(key, "shard-mismatch"), str(path),
                    f"shard {index}: {key} is {found[key]!r}, the root says {want[key]!r}")
            for key in want if found[key] != want[key]]


def check_bucket(task: tuple[RootJob, int]) -> tuple[list[Problem], LineSum]:
    """A task: one bucket file, its digest, its order, and the sum of its lines."""
    job, position = task
    entry = job.root.document["index"]["buckets"][position]
    path = job.root.path.with_name(entry["name"])
    prefix = _prefix(entry["name"], job.root.document)
    total = LineSum()
    try:
        data = path.read_bytes()
    except OSError as err:
        return [Problem("index-bucket", str(path), f"cannot read: {err.strerror}")], total
    if (sha256_hex(data), len(data)) != (entry["sha256"], entry["bytes"]):
        return [Problem("index-bucket", str(path),
                        f"bucket sha256 is {sha256_hex(data)}, the root records "
                        f"{entry['sha256']}")], total
    previous = ""
    for number, line in enumerate(data.decode("utf-8").splitlines(keepends=True), 1):
        try:
            Stored.parse(line)
        except ValueError:
            return [Problem("index-bucket", f"{path}:{number}", "not an index line")], total
        if not line.startswith(prefix) or line <= previous:
            return [Problem("index-bucket", f"{path}:{number}",
                            "line out of order or outside the bucket")], total
        previous = line
        total.add(line)
    if total.count != entry["entries"]:
        return [Problem("index-bucket", str(path), f"bucket has {total.count} lines, the root "
                        f"records {entry['entries']}")], total
    return [], total


def _prefix(name: str, document: RootManifest) -> str:
    return name.removeprefix(document["index"]["stem"] + ".digests-").removesuffix(".tsv")
