"""Export a snapshot for other tools: WACZ for replay, CDXJ alone, JSON lines for corpora.

Every export starts from a manifest that matches its sidecar and schema, checks each WARC
file's sha256 against it first, and reads what it exports from the WARC files (each seed's
bytes checked again against its own sha256): a damaged snapshot is never exported.

A later batch's WACZ carries, beside its own WARC, the earlier batches' WARC files that its
revisits point into (the manifest's `dependencies`), each checked against its own manifest's
sha256, so that a replay tool finds every seed's bytes in the one file.
"""

from __future__ import annotations

from pathlib import Path

from archiver.base.atomic import write_atomically, writing_atomically
from archiver.errors import InputError
from archiver.manifest.chain import chain_of, content_record
from archiver.manifest.files import WarcPlace
from archiver.manifest.loader import Link, load_manifest
from archiver.manifest.root import is_root
from archiver.share.alias import aliases
from archiver.share.cdxj import Entry, index_text, index_warc
from archiver.share.jsonl import write_json_lines
from archiver.share.pages import page
from archiver.share.wacz import write_wacz

Warcs = list[tuple[str, Path, str]]  # (name, path, sha256)


def export(manifest_path: Path, *, wacz: Path | None = None, cdxj_out: Path | None = None,
           jsonl: Path | None = None, warc: Path | None = None) -> list[Path]:
    """Write each export asked for; return the paths written."""
    if not (wacz or cdxj_out or jsonl):
        raise InputError("nothing to export: give --wacz, --cdxj and/or --jsonl")
    loaded = load_manifest(manifest_path)
    document = loaded.document
    if is_root(document):
        first = document["shards"][0]["manifest"]  # type: ignore[typeddict-item]
        raise InputError(f"{manifest_path}: is the root of a sharded snapshot, which is exported "
                         f"shard by shard: give its shard manifests ({first}, …)")
    place = WarcPlace.of(warc, document)
    warcs = [(w["name"], loaded.warc_path(w["name"], place), w["sha256"])
             for w in document.get("warc_files", [])]
    entries = _index(warcs)  # also checks each WARC's sha256 before anything is written
    written = []
    if cdxj_out:
        write_atomically(cdxj_out, index_text(entries).encode())
        written.append(cdxj_out)
    if wacz:
        links = chain_of(loaded)
        earlier = _earlier_warcs(links, place)
        _write_wacz(wacz, links, warcs + earlier, entries + _index(earlier))
        written.append(wacz)
    if jsonl:
        with writing_atomically(jsonl) as stream:
            write_json_lines(stream, document, lambda name: loaded.warc_path(name, place),
                             chain_of(loaded))
        written.append(jsonl)
    return written


def _write_wacz(out: Path, links: list[Link], warcs: Warcs, entries: list[Entry]) -> None:
    document = links[0].document
    paths = {name: path for name, path, _ in warcs}
    by_path = {seed["path"]: seed for seed in document["seeds"]}
    found = aliases(links)
    pages = [page(seed, url=alias.url, ts=alias.date, record=content_record(seed, by_path, links)[0],
                  warc_path=paths.__getitem__)
             for seed, alias in zip(document["seeds"], found)]
    write_wacz(out, document=document, warcs=warcs, entries=entries, aliases=found, pages=pages)


def _earlier_warcs(links: list[Link], place: WarcPlace) -> Warcs:
    """The other WARC files this manifest's revisits need, as their own manifests record them: an
    earlier batch's, or a sharded batch's (this one's sibling shards too), which its root lists."""
    by_manifest = {link.path.name: link for link in links[1:]}
    found: Warcs = []
    for dependency in links[0].document["dependencies"]:
        name = dependency["warc_file"]
        link = by_manifest.get(dependency["manifest"])
        if link is None and "shard" in links[0].document:
            link = links[1]  # a sibling shard: the shard's root follows it in its chain
        if link is not None and is_root(link.document):
            found += [(name, link.warc_path(name, place), shard["warc_sha256"])
                      for shard in link.document["shards"]  # type: ignore[typeddict-item]
                      if shard["warc_file"] == name]
            continue
        found += [(name, link.warc_path(name, place), entry["sha256"])
                  for entry in by_manifest[dependency["manifest"]].document["warc_files"]
                  if entry["name"] == name]
    return found


def _index(warcs: Warcs) -> list[Entry]:
    return [entry for name, path, sha256 in warcs
            for entry in index_warc(path, name=name, sha256=sha256)]

