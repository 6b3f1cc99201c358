"""What a schema-valid manifest says of itself that must agree, checked without any WARC.

Every field that follows from others is derived again and compared: the snapshot id, each seed's
target URI and source URI, the ids of the records an entry implies, the WARC files revisits point
into. verify reports each disagreement (`manifest-inconsistent`, `snapshot-id`); the loader
refuses a manifest with any, so that no sharing command acts on one verify would reject.
"""

from __future__ import annotations

from collections.abc import Iterator

from archiver.base.uris import source_uri, target_uri
from archiver.detect.encoding import charset_problem
from archiver.manifest.identity import snapshot_id
from archiver.manifest.implied import (
    RecordContext,
    main_record,
    metadata_record,
    warcinfo_record,
)
from archiver.manifest.types import Dependency, Manifest, SeedEntry, main_ref


def snapshot_problems(document: Manifest) -> list[str]:
    return [] if snapshot_id(document) == document["snapshot_id"] else [
        "snapshot_id does not match the manifest's content"]


def document_problems(document: Manifest) -> list[str]:
    """Names listed twice, and dependencies that are not the ones the revisits need."""
    seeds = document["seeds"]
    return listing_problems(
        len({seed["path"] for seed in seeds}) == len(seeds),
        [entry["name"] for entry in document["warc_files"]],
        {(seed["duplicate_of"]["batch"], seed["duplicate_of"]["warc_file"])
         for seed in seeds if seed["duplicate_of"] is not None},
        document["dependencies"])


def listing_problems(paths_distinct: bool, names: list[str], revisited: set[tuple[str, str]],
                     dependencies: list[Dependency]) -> list[str]:
    """`document_problems` from what it needs of the seeds: whether their paths are distinct,
    and the (batch, WARC file) pairs their revisits name."""
    found = []
    if not paths_distinct:
        found.append("a seed path is listed twice")
    if len(set(names)) != len(names):
        found.append("a WARC file is listed twice")
    needed = {pair for pair in revisited if pair[1] not in names}
    listed = {(dependency["batch"], dependency["warc_file"]) for dependency in dependencies}
    if needed != listed:
        found.append(f"dependencies list {sorted(listed)}, the revisits point into "
                     f"{sorted(needed)}")
    return found


def entry_problems(seed: SeedEntry, batch_id: str, names: frozenset[str]) -> list[str]:
    """Fields of a seed's entry that no record carries, checked against each other instead."""
    found = []
    if seed["id"] != target_uri(batch_id, seed["path"]):
        found.append(f"id {seed['id']!r} is not the target URI of {seed['path']!r} in batch "
                     f"{batch_id}")
    if seed["source_uri"] != source_uri(seed["source"]):
        found.append(f"source_uri {seed['source_uri']!r} does not follow from its source")
    if seed["content_type"].split(";")[0].strip() != seed["media_type"]:
        found.append(f"media_type {seed['media_type']!r} disagrees with content_type "
                     f"{seed['content_type']!r}")
    found += _charset_problems(seed)
    for placed in seed["records"]:
        if placed["warc_file"] not in names:
            found.append(f"{placed['type']} record names WARC file {placed['warc_file']!r}, "
                         "which the manifest does not list")
    if (seed["duplicate_of"] is None) != (main_ref(seed)["type"] == "resource"):
        found.append("duplicate_of must be set for a revisit and only for a revisit")
    return found


def _charset_problems(seed: SeedEntry) -> list[str]:
    """A charset the entry records (its encoding, its Content-Type's parameter) must name a
    character encoding: export decodes the seed with it, and replay tools read the header."""
    _, _, parameter = seed["content_type"].partition("charset=")
    found = []
    for field, charset in (("encoding", seed["encoding"]["charset"]),
                           ("content_type", parameter.split(";")[0].strip())):
        if charset and (problem := charset_problem(charset)):
            found.append(f"{field} charset: {problem}")
    return found


def inconsistencies(document: Manifest) -> Iterator[str]:
    """Every disagreement that needs nothing but this manifest: the ones above, and the ids of
    the warcinfo, resource and metadata records (a revisit's id also names the record it
    repeats, which verify resolves through the chain)."""
    yield from snapshot_problems(document)
    yield from document_problems(document)
    names = frozenset(entry["name"] for entry in document["warc_files"])
    for entry in document["warc_files"]:
        try:
            made = warcinfo_record(document, entry["name"], compression=entry.get("compression", ""))
        except ValueError as err:
            yield f"{entry['name']}: the batch fields make no valid warcinfo record: {err}"
            continue
        if made.record_id != entry["warcinfo"]["id"]:
            yield f"{entry['name']}: warcinfo record id does not follow from the batch fields"
    context = RecordContext.of(document)
    for seed in document["seeds"]:
        for problem in entry_problems(seed, context.batch_id, names):
            yield f"{seed['path']}: {problem}"
        main = main_ref(seed)
        try:
            made_ids = [metadata_record(seed, context, refers_to=main["id"]).record_id]
            if main["type"] == "resource":
                made_ids.append(main_record(seed, context, original=None, body=None).record_id)
        except ValueError as err:
            yield f"{seed['path']}: the entry makes no valid record: {err}"
            continue
        listed = [seed["records"][1]["id"], main["id"]][:len(made_ids)]
        if made_ids != listed:
            yield f"{seed['path']}: record ids do not follow from the seed's entry"
