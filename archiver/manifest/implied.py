"""Which records a manifest implies, header for header.

Packing builds each record from a seed's manifest entry through these functions; verification
calls the same functions on the manifest it reads and compares what it finds in the WARC with
what they return. One definition, so the two sides cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, NamedTuple

from archiver.base.dates import parse_capture
from archiver.manifest.document import metadata_fields, warcinfo_fields
from archiver.manifest.types import Manifest, SeedEntry
from archiver.warc.records import (
    Record,
    metadata,
    resource,
    revisit,
    warc_fields,
    warcinfo,
)


@dataclass(frozen=True)
class RecordContext:
    """What every seed's records share: the batch, its warcinfo record and its packaging time.

    Packing makes it from the batch it writes, verification from the manifest it reads."""

    batch_id: str
    warcinfo_id: str
    packaged: str

    @classmethod
    def of(cls, document: Manifest) -> "RecordContext":
        return cls(document["batch"]["id"], document["warc_files"][0]["warcinfo"]["id"],
                   document["packaged"])


class RevisitTarget(NamedTuple):
    """What a revisit record names of the record holding the same bytes."""

    record_id: str
    uri: str
    date: str


def record_date(entry: SeedEntry, packaged: str) -> str:
    """WARC-Date of a seed's records: its capture time to the second, else the packaging time."""
    return parse_capture(entry["captured"]["value"]).warc_date() or packaged


def warcinfo_record(document: Manifest, warc_file: str, *, compression: str = "") -> Record:
    return warcinfo(
        batch_id=document["batch"]["id"], date=document["packaged"], filename=warc_file,
        fields=warc_fields(warcinfo_fields(document, compression=compression)))


def main_record(entry: SeedEntry, context: RecordContext, *, original: RevisitTarget | None,
                body: BinaryIO | bytes | None) -> Record:
    """The resource record of a seed, or its revisit record if `original` holds the same bytes."""
    date = record_date(entry, context.packaged)
    digest = "sha256:" + entry["sha256"]
    if original is None:
        return resource(
            batch_id=context.batch_id, warcinfo_id=context.warcinfo_id, uri=entry["id"],
            source_uri=entry["source_uri"], date=date, digest=digest,
            content_type=entry["content_type"], body=body if body is not None else b"",
            length=entry["bytes"])
    return revisit_record(entry["id"], context, date=date, digest=digest, original=original)


def revisit_record(uri: str, context: RecordContext, *, date: str, digest: str,
                   original: RevisitTarget) -> Record:
    return revisit(
        batch_id=context.batch_id, warcinfo_id=context.warcinfo_id, uri=uri, date=date,
        digest=digest, refers_to=original.record_id, refers_to_uri=original.uri,
        refers_to_date=original.date)


def metadata_body(entry: SeedEntry) -> bytes:
    """The metadata record's block: the entry's fields as `application/warc-fields`."""
    return warc_fields(metadata_fields(entry))


def metadata_record(entry: SeedEntry, context: RecordContext, *, refers_to: str,
                    body: bytes | None = None) -> Record:
    """The metadata record of a seed (`body`: its `metadata_body`, if already made)."""
    return metadata_record_at(entry["id"], context, date=record_date(entry, context.packaged),
                              refers_to=refers_to,
                              body=metadata_body(entry) if body is None else body)


def metadata_record_at(uri: str, context: RecordContext, *, date: str, refers_to: str,
                       body: bytes) -> Record:
    """`metadata_record` from the parts of the entry it uses."""
    return metadata(batch_id=context.batch_id, warcinfo_id=context.warcinfo_id, uri=uri,
                    date=date, refers_to=refers_to, fields=body)
