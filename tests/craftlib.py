"""Crafted snapshots, as an attacker who can write the manifest, its sidecar and the WARC makes
them: `repack` changes the manifest, then rebuilds the WARC with archiver's own record builders
and fixes every field that follows from the others (record ids, offsets, lengths, digests, the
snapshot id, the sidecar, a link's record and digests from its target; the events log, which
names the old bytes, goes), so that only what the change itself says is false."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from faultlib import Snapshot

from archiver.base.digests import sha256_hex
from archiver.base.uris import target_uri
from archiver.formats.canonical_json import pretty
from archiver.manifest.events import log_path
from archiver.manifest.files import sidecar_text
from archiver.manifest.identity import snapshot_id
from archiver.manifest.implied import (
    RecordContext,
    RevisitTarget,
    main_record,
    metadata_record,
    record_date,
    warcinfo_record,
)
from archiver.manifest.types import main_ref
from archiver.share.jsonl import stream_seed
from archiver.warc.compression import DEFAULT, Deflate
from archiver.warc.writer import WarcOutput


def repack(snap: Snapshot, change: Callable[[dict[str, Any]], None], *,
           derive_ids: bool = True) -> dict[str, Any]:
    """Apply `change` to the snapshot's manifest and make the rest agree with it; `derive_ids`:
    each seed's target URI follows from its (changed) path, as pack makes it."""
    document = snap.document
    contents = [_content(snap, document, seed) for seed in document["seeds"]]
    change(document)
    for index, seed in enumerate(document["seeds"]):
        if "link" in seed:  # a link's block is its target, so its record and digests follow it
            contents[index] = os.fsencode(seed["link"]["target"])
            seed["bytes"], seed["sha256"] = len(contents[index]), sha256_hex(contents[index])
    entry = document["warc_files"][0]
    with open(snap.warc, "wb") as stream:
        out = WarcOutput(stream, Deflate.named(DEFAULT))
        info = warcinfo_record(document, entry["name"], compression=entry.get("compression", ""))
        entry["warcinfo"].update(_placed(out.write(info)))
        context = RecordContext.of(document)
        main_ids: dict[str, RevisitTarget] = {}
        for seed, data in zip(document["seeds"], contents):
            if derive_ids:
                seed["id"] = target_uri(document["batch"]["id"], seed["path"])
            duplicate = seed["duplicate_of"]
            original = main_ids.get(duplicate["path"]) if duplicate else None
            if duplicate and original:
                duplicate["record_id"] = original.record_id
            main = main_record(seed, context, original=original, body=data)
            metadata = metadata_record(seed, context, refers_to=main.record_id)
            for placed, record in zip(seed["records"], (main, metadata)):
                placed.update(_placed(out.write(record)))
            if original is None:
                main_ids[seed["path"]] = RevisitTarget(
                    main.record_id, seed["id"], record_date(seed, document["packaged"]))
        entry["records"] = 1 + 2 * len(document["seeds"])
    data = snap.warc.read_bytes()
    entry["bytes"], entry["sha256"] = len(data), sha256_hex(data)
    document["snapshot_id"] = snapshot_id(document)
    manifest = pretty(document)
    snap.manifest.write_bytes(manifest)
    snap.sidecar.write_text(sidecar_text(snap.manifest.name, sha256_hex(manifest)))
    log_path(snap.manifest).unlink(missing_ok=True)  # it names the old manifest's sha256
    return document


def rewrite(snap: Snapshot, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Apply `change` to the manifest alone and fix only its snapshot id and sidecar, the WARC
    left as it is: for fields no record could carry (archiver's builders refuse them), which
    verify then names but still prints."""
    document = snap.document
    change(document)
    document["snapshot_id"] = snapshot_id(document)
    manifest = pretty(document)
    snap.manifest.write_bytes(manifest)
    snap.sidecar.write_text(sidecar_text(snap.manifest.name, sha256_hex(manifest)))
    log_path(snap.manifest).unlink(missing_ok=True)
    return document


def _placed(placement: Any) -> dict[str, Any]:
    return {"id": placement.record_id, "offset": placement.offset, "length": placement.length,
            "sha256": placement.sha256}


def _content(snap: Snapshot, document: dict[str, Any], seed: dict[str, Any]) -> bytes:
    duplicate = seed["duplicate_of"]
    if duplicate is not None:
        seed = next(s for s in document["seeds"] if s["path"] == duplicate["path"])
    blocks: list[bytes] = []
    stream_seed(seed, main_ref(seed), lambda name: snap.folder / name, sink=blocks.append)
    return b"".join(blocks)
