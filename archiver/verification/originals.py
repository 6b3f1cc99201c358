"""The original seed files compared with a snapshot (`verify --seeds`), before they are shared.

A one-file snapshot: the folder listed once, each listed seed's file hashed. A sharded one: each
shard's task hashes its own seeds' files and sums the names it found there (`LineSum`); this
process walks the folder once, summing the names that fall in each shard's range of names, and
only a range whose sums differ (it holds a file no manifest lists) is looked at again, with its
shard's names. No process holds every name, and both report the same problems. A bad link in
the folder (outside, dangling, looping) is passed over: no snapshot can hold one.
"""

from __future__ import annotations

import bisect
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from archiver.errors import ArchiverError
from archiver.manifest.digest_index import LineSum
from archiver.manifest.types import Manifest, SeedEntry
from archiver.seeds.folder import find_seeds, walk_seeds
from archiver.seeds.reading import read_link, sha256_seed, stat_seed, why
from archiver.verification.report import Report


@dataclass(frozen=True)
class SeedRange:
    """A shard's seeds by name (the plan cuts the sorted names into consecutive ranges), and the
    sum of the names of those found in the folder."""

    first: str
    last: str
    found: tuple[int, int]  # LineSum's value and count


def check_seeds_folder(seeds_dir: Path, document: Manifest, report: Report) -> None:
    """Compare a one-file snapshot's seeds with the files of `seeds_dir`."""
    try:
        files = {file.path: file for file in find_seeds(seeds_dir, skipped={})}
    except ArchiverError as err:
        report.add("seeds-unreadable", str(seeds_dir), str(err))
        return
    listed = {seed["path"]: seed for seed in document["seeds"]}
    for path, seed in listed.items():
        file = files.get(path)
        if file is None:
            report.add("seeds-missing", str(seeds_dir / path), "not in the seeds folder", path)
        else:
            compare_seed_file(str(seeds_dir), seed, report)
    _unexpected(seeds_dir, sorted(set(files) - set(listed)), report)


def compare_seed_file(seeds_dir: str, seed: SeedEntry, report: Report) -> None:
    """The seed's file below `seeds_dir` must hold its bytes (no link on its way followed)."""
    location = os.path.join(seeds_dir, seed["path"])
    if "link" in seed:
        _compare_link(seeds_dir, seed, report)
        return
    try:
        digest = sha256_seed(seeds_dir, seed["path"])
    except OSError as err:
        report.add("seeds-unreadable", location, why(err), seed["path"])
        return
    if (digest.sha256, digest.size) != (seed["sha256"], seed["bytes"]):
        report.add("seeds-differs", location,
                   f"sha256 {digest.sha256} ({digest.size} bytes), manifest records "
                   f"{seed['sha256']} ({seed['bytes']} bytes)", seed["path"])


def _compare_link(seeds_dir: str, seed: SeedEntry, report: Report) -> None:
    """The seed's link below `seeds_dir` must be a link to the target its entry records."""
    location = os.path.join(seeds_dir, seed["path"])
    try:
        found = read_link(seeds_dir, seed["path"])
    except OSError as err:
        report.add("seeds-unreadable", location, why(err), seed["path"])
        return
    if found != seed["link"]["target"]:
        shown = "is no symbolic link" if found is None else f"is a link to {found!r}"
        report.add("link-target", location, f"{shown}; the manifest records a link to "
                   f"{seed['link']['target']!r}", seed["path"])


def check_shard_seeds(seeds_dir: Path, document: Manifest, report: Report) -> SeedRange | None:
    """A shard's task: each of its seeds' files hashed; its range of names and what was found."""
    found = LineSum()
    for seed in document["seeds"]:
        location = os.path.join(seeds_dir, seed["path"])
        try:
            mode = stat_seed(str(seeds_dir), seed["path"]).st_mode
            regular = stat.S_ISREG(mode) or (stat.S_ISLNK(mode) and "link" in seed)
        except OSError:
            regular = False
        if not regular:  # what `find_seeds` would not list
            report.add("seeds-missing", location, "not in the seeds folder", seed["path"])
            continue
        found.add(seed["path"])
        compare_seed_file(str(seeds_dir), seed, report)
    seeds = document["seeds"]
    if not seeds:
        return None
    return SeedRange(seeds[0]["path"], seeds[-1]["path"], (found.value, found.count))


def check_unlisted(seeds_dir: Path, ranges: list[SeedRange | None],
                   listed: Callable[[int], set[str]], report: Report) -> None:
    """This process: every file of `seeds_dir` that no shard lists (`ranges[i]` from shard i's
    task, None if its manifest could not be read; `listed(i)` reads shard i's names)."""
    known = [(index, seed_range) for index, seed_range in enumerate(ranges) if seed_range]
    firsts = [seed_range.first for _, seed_range in known]

    def place(name: str) -> int | None:
        at = bisect.bisect_right(firsts, name) - 1
        return at if at >= 0 and name <= known[at][1].last else None

    sums = [LineSum() for _ in known]
    outside: list[str] = []
    try:
        for file in walk_seeds(seeds_dir, skipped={}):
            at = place(file.path)
            if at is None:
                outside.append(file.path)
            else:
                sums[at].add(file.path)
        differ: dict[int, list[str]] = {at: [] for at, (_, seed_range) in enumerate(known)
                                        if LineSum(*seed_range.found) != sums[at]}
        if differ:  # look again at those ranges alone, with their shard's names
            for file in walk_seeds(seeds_dir, skipped={}):
                at = place(file.path)
                if at in differ:
                    differ[at].append(file.path)
    except ArchiverError as err:
        report.add("seeds-unreadable", str(seeds_dir), str(err))
        return
    for at, names in differ.items():
        names_listed = listed(known[at][0])
        outside += [name for name in names if name not in names_listed]
    _unexpected(seeds_dir, sorted(outside), report)


def _unexpected(seeds_dir: Path, names: list[str], report: Report) -> None:
    for name in names:
        report.add("seeds-unexpected", str(seeds_dir / name), "seed file is not in the manifest")
