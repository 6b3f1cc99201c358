"""The manifest: what a snapshot holds, where each record is, and the digests to check it.

The metadata and warcinfo record bodies are derived from manifest entries here, so packing writes
them and verification rebuilds and compares them from one definition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from archiver._version import __version__
from archiver.manifest.identity import snapshot_id
from archiver.manifest.types import (
    BatchEntry,
    DetectedLanguage,
    Encoding,
    Manifest,
    Previous,
    SeedEntry,
    SelfDeclared,
)
from archiver.warc.records import CONFORMS_TO

if TYPE_CHECKING:  # verification reads manifests without loading any detector
    from archiver.detect.findings import Findings
    from archiver.seeds.types import Batch, Seed

SCHEMA_VERSION = "1.1"


GENERATOR = {"name": "archiver", "version": __version__}


def manifest_name(batch_id: str) -> str:
    return f"{batch_id}.manifest.json"


def warc_name(batch_id: str) -> str:
    return f"{batch_id}.warc.gz"


def batch_entry(batch: Batch) -> BatchEntry:
    return {
        "id": batch.batch_id, "title": batch.title, "description": batch.description,
        "creators": list(batch.creators), "license": batch.license,
        "keywords": list(batch.keywords),
    }


def seed_entry(seed: Seed, *, uri: str, source_uri: str | None) -> SeedEntry:
    """A seed's manifest entry, without its records (they are placed after writing)."""
    row, found = seed.row, seed.findings
    encoding: Encoding = {"charset": found.encoding.encoding, "method": found.encoding.method,
                          "confidence": found.encoding.confidence}
    own = found.text.declared
    entry: SeedEntry = {
        "id": uri, "path": seed.file.path, "bytes": seed.digest.size,
        "sha256": seed.digest.sha256, "media_type": found.media_type,
        "content_type": found.content_type, "encoding": encoding,
        "language": {"declared": row.language, "detected": _detected(found)},
        "title": row.title or own.title, "source": row.source, "source_uri": source_uri,
        "captured": {"value": row.captured.value, "precision": row.captured.precision},
        "notes": row.notes, "extra": dict(row.extra), "records": [], "duplicate_of": None,
        **({"link": {"target": seed.link}} if seed.link is not None else {}),  # type: ignore[typeddict-item]
    }
    if own.fields():
        entry["document"] = cast(SelfDeclared, own.fields())
    if own.title and not row.title:
        entry["title_source"] = "document"
    if found.format is not None:
        entry["format"] = {"pronom": found.format.pronom, "tool": found.format.tool,
                           "tool_version": found.format.tool_version,
                           "signatures": found.format.signatures}
    return entry


def _detected(found: Findings) -> DetectedLanguage | None:
    from archiver.detect.language import THRESHOLD  # loaded already: it made `found`

    language = found.language
    if language is None:
        return None
    detected: DetectedLanguage = {
        "tag": language.tag, "detector": language.detector,
        "detector_version": language.detector_version, "model": language.model,
        "confidence": language.confidence, "threshold": str(THRESHOLD),
        "text": {"source": found.text.source, "kind": found.text_kind}}
    if language.guess:
        detected["guess"] = language.guess
    return detected


def described_fields(entry: SeedEntry) -> list[tuple[str, str]]:
    """The metadata fields of schema 1.1's additions, each only where the entry has it (a 1.0
    manifest's records are rebuilt without them)."""
    detected = entry["language"]["detected"]
    text = detected.get("text") if detected else None
    own = entry.get("document") or {}
    found = entry.get("format")
    fields = [
        ("language-guess", detected.get("guess", "") if detected else ""),
        ("language-threshold", detected.get("threshold", "") if detected else ""),
        ("text-source", text["source"] if text else ""), ("text-kind", text["kind"] if text else ""),
        ("language-document", own.get("language", "")),
        ("charset-document", own.get("charset", "")), ("title-document", own.get("title", "")),
        ("date-created-document", own.get("created", "")),
        ("date-modified-document", own.get("modified", "")),
        ("title-source", entry.get("title_source", "")),
        ("format-pronom", found["pronom"] if found else ""),
        ("format-identifier", " ".join((found["tool"], found["tool_version"],
                                        found["signatures"])) if found else ""),
    ]
    return [(name, value) for name, value in fields if value]


def metadata_fields(entry: SeedEntry) -> list[tuple[str, str]]:
    """The metadata record's warc-fields for a seed entry, Dublin Core style (WARC 1.1 §6.6)."""
    detected = entry["language"]["detected"] or {}
    fields = [
        ("filename", entry["path"]), ("title", entry["title"]), ("source", entry["source"]),
        ("source-uri", entry["source_uri"] or ""), ("language", entry["language"]["declared"]),
        ("language-detected", detected.get("tag", "")),
        ("language-detector", " ".join(
            filter(None, [detected.get("detector"), detected.get("detector_version"),
                          detected.get("model") and "model=" + detected["model"]]))),
        ("language-confidence", detected.get("confidence", "")),
        ("date-captured", entry["captured"]["value"]),
        ("date-captured-precision", entry["captured"]["precision"]),
        ("format", entry["content_type"]), ("charset-detected", entry["encoding"]["charset"]),
        ("charset-method", entry["encoding"]["method"]),
        ("charset-confidence", entry["encoding"]["confidence"]),
        ("payload-sha256", entry["sha256"]), ("notes", entry["notes"]),
        *described_fields(entry),
    ]
    if "link" in entry:
        fields.append(("link-target", entry["link"]["target"]))
    fields += [("x-" + _token(name), value) for name, value in sorted(entry["extra"].items())]
    return fields


def warcinfo_fields(document: Manifest, *, compression: str = "") -> list[tuple[str, str]]:
    """Written first in the WARC, so it can only hold what is known before any seed is read.

    `compression` names the deflate library and level the WARC's bytes depend on (left out when
    empty, as in manifests made before it was recorded).
    """
    batch = document["batch"]
    generator = document["generator"]
    return [
        ("software", f"{generator['name']}/{generator['version']}"),
        ("format", "WARC File Format 1.1"), ("conformsTo", CONFORMS_TO),
        ("isPartOf", batch["id"]), ("title", batch["title"]),
        ("description", batch["description"]), ("creator", "; ".join(batch["creators"])),
        ("license", batch["license"]), ("compression", compression),
    ]


def new_document(batch: Batch, *, packaged: str, previous: Previous | None,
                 seeds: list[SeedEntry]) -> Manifest:
    document: Manifest = {
        "schema_version": SCHEMA_VERSION, "generator": {"name": GENERATOR["name"], "version": GENERATOR["version"]},
        "batch": batch_entry(batch), "packaged": packaged, "previous": previous,
        "dependencies": [], "warc_files": [], "seeds": seeds, "snapshot_id": "",
    }
    document["snapshot_id"] = snapshot_id(document)
    return document


def _token(name: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in name)
