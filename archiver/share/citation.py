"""Cite a snapshot: its manifest's batch fields and digests become a `CitationData` (see cite.py).

The batch fields (title, creators, licence, description, keywords) come from INDEX.md through
the manifest; the snapshot id, the sha256 of the manifest file's bytes, the packaging date, the
batch id (as the version) and the generator come from the manifest itself.
"""

from __future__ import annotations

from pathlib import Path

from archiver.errors import InputError
from archiver.formats.bibliographic import FORMATS, CitationData, render
from archiver.manifest.loader import load_manifest
from archiver.manifest.types import Manifest


def citation(manifest_path: Path, fmt: str) -> str:
    """The citation of the snapshot at `manifest_path` in `fmt` (one of cite.FORMATS)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown citation format {fmt!r}: use one of {', '.join(FORMATS)}")
    loaded = load_manifest(manifest_path)
    try:
        data = citation_data(loaded.document, manifest_sha256=loaded.sha256)
    except ValueError as err:
        raise InputError(f"{manifest_path}: cannot cite this snapshot: {err} "
                         "(set the batch fields at the top of INDEX.md and pack again)") from None
    return render(data, fmt)


def citation_data(document: Manifest, *, manifest_sha256: str) -> CitationData:
    batch = document.get("batch") or {}
    generator = document.get("generator") or {}
    tool = " ".join(filter(None, [generator.get("name"), generator.get("version")]))
    return CitationData(
        title=batch.get("title") or batch.get("id") or "",
        creators=tuple(batch.get("creators") or ()),
        license=batch.get("license") or None,
        description=batch.get("description") or None,
        snapshot_id=document.get("snapshot_id") or "",
        manifest_sha256=manifest_sha256,
        date=str(document.get("packaged") or "")[:10],
        version=batch.get("id") or "",
        tool=tool or "archiver",
        keywords=tuple(batch.get("keywords") or ()),
    )
