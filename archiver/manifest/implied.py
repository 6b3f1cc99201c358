"""Which records a manifest implies, header for header.

Packing builds each record from a seed's manifest entry through these functions; verification
calls the same functions on the manifest it reads and compares what it finds in the WARC with
what they return. One definition, so the two sides cannot drift apart.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from archiver.base.dates import parse_capture
from archiver.manifest.document import metadata_fields, warcinfo_fields
from archiver.warc.records import (
    Record,
    metadata,
    resource,
    revisit,
    warc_fields,
    warcinfo,
)


def record_date(entry: dict[str, Any], packaged: str) -> str:
    """WARC-Date of a seed's records: its capture time to the second, else the packaging time."""
    return parse_capture(entry["captured"]["value"]).warc_date() or packaged


def warcinfo_record(document: dict[str, Any], warc_file: str, *, compression: str = "") -> Record:
    return warcinfo(
        batch_id=document["batch"]["id"], date=document["packaged"], filename=warc_file,
        fields=warc_fields(warcinfo_fields(document, compression=compression)))


def main_record(entry: dict[str, Any], *, batch_id: str, warcinfo_id: str, packaged: str,
                original: dict[str, Any] | None, body: BinaryIO | bytes | None) -> Record:
    """The resource record of a seed, or its revisit record if `original` holds the same bytes.

    `original` is the earlier seed's entry, with `warc_date` added for cross-batch originals.
    """
    date = record_date(entry, packaged)
    digest = "sha256:" + entry["sha256"]
    if original is None:
        return resource(
            batch_id=batch_id, warcinfo_id=warcinfo_id, uri=entry["id"],
            source_uri=entry["source_uri"], date=date, digest=digest,
            content_type=entry["content_type"], body=body if body is not None else b"",
            length=entry["bytes"])
    return revisit(
        batch_id=batch_id, warcinfo_id=warcinfo_id, uri=entry["id"], date=date, digest=digest,
        refers_to=original["records"][0]["id"], refers_to_uri=original["id"],
        refers_to_date=original["warc_date"])


def metadata_record(entry: dict[str, Any], *, batch_id: str, warcinfo_id: str, packaged: str,
                    refers_to: str) -> Record:
    return metadata(
        batch_id=batch_id, warcinfo_id=warcinfo_id, uri=entry["id"],
        date=record_date(entry, packaged), refers_to=refers_to,
        fields=warc_fields(metadata_fields(entry)))
