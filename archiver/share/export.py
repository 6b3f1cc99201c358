"""Export a snapshot for other tools: WACZ for replay, CDXJ alone, JSON lines for corpora.

Every export starts from a manifest that matches its sidecar and schema, checks each WARC
file's sha256 against it first, and reads what it exports from the WARC files (each seed's
bytes checked again against its own sha256): a damaged snapshot is never exported.
"""

from __future__ import annotations

from pathlib import Path

from archiver.base.atomic import write_atomically
from archiver.errors import InputError
from archiver.manifest.chain import chain_of
from archiver.manifest.loader import load_manifest
from archiver.share.cdxj import Entry, index_text, index_warc
from archiver.share.jsonl import json_lines
from archiver.share.wacz import write_wacz


def export(manifest_path: Path, *, wacz: Path | None = None, cdxj_out: Path | None = None,
           jsonl: Path | None = None, warc: Path | None = None) -> list[Path]:
    """Write each export asked for; return the paths written."""
    if not (wacz or cdxj_out or jsonl):
        raise InputError("nothing to export: give --wacz, --cdxj and/or --jsonl")
    loaded = load_manifest(manifest_path)
    document = loaded.document
    warcs = [(w["name"], loaded.warc_path(w["name"], warc), w["sha256"])
             for w in document.get("warc_files", [])]
    entries = _index(warcs)  # also checks each WARC's sha256 before anything is written
    written = []
    if cdxj_out:
        write_atomically(cdxj_out, index_text(entries).encode())
        written.append(cdxj_out)
    if wacz:
        write_wacz(wacz, document=document, warcs=warcs, entries=entries)
        written.append(wacz)
    if jsonl:
        text = json_lines(document, lambda name: loaded.warc_path(name, warc),
                          chain_of(loaded))
        write_atomically(jsonl, text.encode())
        written.append(jsonl)
    return written


def _index(warcs: list[tuple[str, Path, str]]) -> list[Entry]:
    return [entry for name, path, sha256 in warcs
            for entry in index_warc(path, name=name, sha256=sha256)]
