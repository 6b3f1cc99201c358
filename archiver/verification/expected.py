"""The records a manifest promises, rebuilt from its content with the functions pack uses.

Verification compares these, header for header, with what the WARC holds. Each seed's records
are built on their own (`seed_expected`), so worker processes can rebuild their share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archiver.manifest.chain import find_seed
from archiver.manifest.identity import snapshot_id
from archiver.manifest.implied import (
    main_record,
    metadata_record,
    record_date,
    warcinfo_record,
)
from archiver.manifest.loader import Link
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


def manifest_expected(document: dict[str, Any], report: Report, where: str,
                      links: list[Link]) -> list[Expected]:
    """Rebuild every record the manifest implies; note manifest-level inconsistencies."""
    check_document(document, report, where)
    expected = warcinfo_expected(document, report)
    context = SeedContext.of(document)
    by_path = {seed["path"]: seed for seed in document["seeds"]}
    for seed in document["seeds"]:
        expected += seed_expected(seed, context, original_of(seed, by_path, context, links),
                                  report)
    return expected


def check_document(document: dict[str, Any], report: Report, where: str) -> None:
    """What no single record shows: the snapshot id, and each seed path listed once."""
    if snapshot_id(document) != document["snapshot_id"]:
        report.add("snapshot-id", where, "snapshot_id does not match the manifest's content")
    if len({seed["path"] for seed in document["seeds"]}) != len(document["seeds"]):
        report.add("manifest-inconsistent", where, "a seed path is listed twice")


def warcinfo_expected(document: dict[str, Any], report: Report) -> list[Expected]:
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


@dataclass(frozen=True)
class SeedContext:
    """What every seed's records share, from the manifest's top level."""

    batch_id: str
    warcinfo_id: str
    packaged: str
    warc_names: frozenset[str]

    @classmethod
    def of(cls, document: dict[str, Any]) -> "SeedContext":
        return cls(document["batch"]["id"], document["warc_files"][0]["warcinfo"]["id"],
                   document["packaged"], frozenset(e["name"] for e in document["warc_files"]))


def seed_expected(seed: dict[str, Any], context: SeedContext, original: dict[str, Any] | None,
                  report: Report) -> list[Expected]:
    """A seed's records as its entry implies them (`original`: what a revisit repeats)."""
    for message in _entry_inconsistencies(seed, context.warc_names):
        report.add("manifest-inconsistent", seed["path"], message, seed["path"])
    main = seed["records"][0]
    if main["type"] == "revisit" and original is None:
        report.add("revisit-unresolved", seed["path"],
                   "revisit names no earlier seed with the same bytes", seed["path"])
        return []
    try:
        built = [
            main_record(seed, batch_id=context.batch_id, warcinfo_id=context.warcinfo_id,
                               packaged=context.packaged, original=original, body=None),
            metadata_record(seed, batch_id=context.batch_id,
                                   warcinfo_id=context.warcinfo_id, packaged=context.packaged,
                                   refers_to=main["id"]),
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


def original_of(seed: dict[str, Any], by_path: dict[str, Any], context: SeedContext,
                links: list[Link]) -> dict[str, Any] | None:
    """The seed a revisit repeats, in this batch or an earlier one, if it holds the same bytes."""
    duplicate = seed["duplicate_of"]
    if seed["records"][0]["type"] != "revisit" or duplicate is None:
        return None
    if duplicate["batch"] != context.batch_id:
        original = find_seed(links, duplicate["batch"], duplicate["record_id"])
    else:
        original = by_path.get(duplicate["path"])
        if original is not None:
            original = {**original, "warc_date": record_date(original, context.packaged)}
    if original is None or original["path"] != duplicate["path"]:
        return None
    main = original["records"][0]
    if (main["id"], main["warc_file"]) != (duplicate["record_id"], duplicate["warc_file"]):
        return None
    if (original["sha256"], original["bytes"]) != (seed["sha256"], seed["bytes"]):
        return None
    return original
