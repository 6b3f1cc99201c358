"""The records a manifest promises, rebuilt from its content with the functions pack uses.

Verification compares these, header for header, with what the WARC holds. Each seed's records
are built on their own (`seed_expected`), so worker processes can rebuild their share.
"""

from __future__ import annotations

from dataclasses import dataclass

from archiver.manifest.chain import resolve_revisit
from archiver.manifest.consistency import document_problems, entry_problems, snapshot_problems
from archiver.manifest.implied import (
    RecordContext,
    RevisitTarget,
    main_record,
    metadata_record,
    warcinfo_record,
)
from archiver.manifest.loader import Link
from archiver.manifest.types import Manifest, SeedEntry, main_ref
from archiver.verification.report import Report
from archiver.warc.records import Record


@dataclass
class Expected:
    """A record the manifest promises, and the record the manifest's content implies."""

    record: Record
    warc_file: str
    offset: int
    length: int
    sha256: str
    seed: str | None


def manifest_expected(document: Manifest, report: Report, where: str,
                      links: list[Link]) -> list[Expected]:
    """Rebuild every record the manifest implies; note manifest-level inconsistencies."""
    check_document(document, report, where)
    check_previous(document, report, where, links)
    expected = warcinfo_expected(document, report)
    context = RecordContext.of(document)
    names = warc_names(document)
    by_path = {seed["path"]: seed for seed in document["seeds"]}
    for seed in document["seeds"]:
        expected += seed_expected(seed, context, names, original_of(seed, links, by_path),
                                  report)
    return expected


def warc_names(document: Manifest) -> frozenset[str]:
    return frozenset(entry["name"] for entry in document["warc_files"])


def check_document(document: Manifest, report: Report, where: str, *,
                   snapshot: bool = True) -> None:
    """What no single record shows: the snapshot id (unless `snapshot` is False: the parallel
    check derives it from its workers' texts), names listed once, the dependencies."""
    for problem in snapshot_problems(document) if snapshot else []:
        report.add("snapshot-id", where, problem)
    for problem in document_problems(document):
        report.add("manifest-inconsistent", where, problem)


def check_previous(document: Manifest, report: Report, where: str, links: list[Link]) -> None:
    """The previous manifest's snapshot id as the manifest records it."""
    previous = document["previous"]
    older = [link for link in links[1:] if previous and link.path.name == previous["manifest"]]
    if older and older[0].document["snapshot_id"] != previous["snapshot_id"]:
        report.add("chain-broken", where, f"previous.snapshot_id is {previous['snapshot_id']}, "
                   f"{previous['manifest']} has {older[0].document['snapshot_id']}")


def warcinfo_expected(document: Manifest, report: Report) -> list[Expected]:
    expected = []
    for warc_entry in document["warc_files"]:
        info = warc_entry["warcinfo"]
        try:
            record = warcinfo_record(document, warc_entry["name"],
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
    return expected


def seed_expected(seed: SeedEntry, context: RecordContext, names: frozenset[str],
                  original: RevisitTarget | None, report: Report) -> list[Expected]:
    """A seed's records as its entry implies them (`original`: what a revisit repeats; `names`:
    the manifest's WARC files)."""
    for message in entry_problems(seed, context.batch_id, names):
        report.add("manifest-inconsistent", seed["path"], message, seed["path"])
    main = main_ref(seed)
    if main["type"] == "revisit" and original is None:
        report.add("revisit-unresolved", seed["path"],
                   "revisit names no earlier seed with the same bytes", seed["path"])
        return []
    try:
        built = [
            main_record(seed, context, original=original, body=None),
            metadata_record(seed, context, refers_to=main["id"]),
        ]
    except ValueError as err:  # a date or header value the schema lets through
        report.add("manifest-inconsistent", seed["path"],
                   f"the seed's entry makes no valid record: {err}", seed["path"])
        return []
    expected = []
    for record, placed in zip(built, seed["records"]):
        if record.record_id != placed["id"]:
            report.add("manifest-inconsistent", seed["path"],
                       f"{placed['type']} record id {placed['id']} does not follow from the "
                       "seed's entry", seed["path"])
        expected.append(Expected(record, placed["warc_file"], placed["offset"],
                                 placed["length"], placed["sha256"], seed["path"]))
    return expected


def original_of(seed: SeedEntry, links: list[Link],
                by_path: dict[str, SeedEntry]) -> RevisitTarget | None:
    """What a revisit record of `seed` must name, if its revisit resolves (`chain`)."""
    original = resolve_revisit(seed, links, by_path)
    return original.target() if original is not None else None
