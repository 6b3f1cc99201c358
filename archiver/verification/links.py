"""A snapshot's symbolic links checked like any other entry: each link's target is the bytes its
entry records, and leads inside the snapshot's folder without looping (resolved over the
manifest's entries, as extract resolves it before restoring the link)."""

from __future__ import annotations

import os

from archiver.base.digests import sha256_hex
from archiver.manifest.types import Manifest, SeedEntry
from archiver.seeds.links import MEDIA_TYPE, BadLink, entries_lookup, resolve
from archiver.verification.report import Report


def check_links(document: Manifest, report: Report, where: str) -> None:
    seeds = document["seeds"]
    check_listed_links(document.get("links", 0),
                       [seed["path"] for seed in seeds if "link" not in seed],
                       [seed for seed in seeds if "link" in seed], report, where)


def check_listed_links(counted: int, plain: list[str], linked: list[SeedEntry], report: Report,
                       where: str) -> None:
    """`check_links` from the paths of the seeds that are not links and the link seeds' entries
    (`counted`: the links the manifest counts)."""
    links = {seed["path"]: seed["link"]["target"] for seed in linked}
    if counted != len(links):
        report.add("manifest-inconsistent", where, f"the manifest counts {counted} "
                   f"links, its seeds hold {len(links)}")
    if not links:
        return
    lookup = entries_lookup(plain, links)
    for seed in linked:
        target = seed["link"]["target"]
        data = os.fsencode(target)
        if (sha256_hex(data), len(data)) != (seed["sha256"], seed["bytes"]):
            report.add("link-target", where, f"the link's target {target!r} is not the bytes its "
                       f"entry records (sha256 {seed['sha256']})", seed["path"])
        if seed["media_type"] != MEDIA_TYPE:
            report.add("link-target", where, f"a link's media type is {MEDIA_TYPE}, the entry "
                       f"says {seed['media_type']}", seed["path"])
        try:
            resolve(seed["path"], target, lookup)
        except BadLink as bad:
            report.add("link-target", where, f"the link {bad}", seed["path"])
