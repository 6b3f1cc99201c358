"""The manifest's shape, as types: what `manifest-1.schema.json` promises, for the code to read.

TypedDicts, not classes: a manifest is JSON, and these validate, hash and serialise as the dicts
they are (the snapshot id is a digest of exactly that JSON). The schema is the authority on
values; these name the fields.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class Generator(TypedDict):
    name: str
    version: str


class BatchEntry(TypedDict):
    id: str
    title: str
    description: str
    creators: list[str]
    license: str
    keywords: list[str]


class Previous(TypedDict):
    """How a manifest names the one before it in its chain."""

    manifest: str
    sha256: str
    snapshot_id: str


class Dependency(TypedDict):
    """An earlier batch's WARC that this batch's revisits point into."""

    batch: str
    manifest: str
    warc_file: str


class Placement(TypedDict):
    id: str
    offset: int
    length: int
    sha256: str


class WarcFile(TypedDict):
    name: str
    bytes: int
    sha256: str
    records: int
    compression: str  # absent from manifests made before it was recorded
    warcinfo: Placement


class RecordRef(TypedDict):
    """Where one of a seed's records is: its WARC file, offset, length and member digest."""

    type: str
    id: str
    warc_file: str
    offset: int
    length: int
    sha256: str


class Encoding(TypedDict):
    charset: str
    method: str
    confidence: str


class TextRead(TypedDict):
    """Which text a language was judged on (schema 1.1): its reader and its kind."""

    source: str  # html, xml, pdf, plain
    kind: str  # prose, stylesheet, data, code


class DetectedLanguage(TypedDict):
    tag: str
    detector: str
    detector_version: str
    model: str
    confidence: str
    guess: NotRequired[str]  # 1.1: the model's answer when `tag` is "und" below the threshold
    threshold: NotRequired[str]  # 1.1: the confidence below which a guess is "und"
    text: NotRequired[TextRead]  # 1.1


class Language(TypedDict):
    declared: str
    detected: DetectedLanguage | None


class SelfDeclared(TypedDict, total=False):
    """What the document says about itself, as written (schema 1.1): only what it says."""

    language: str
    charset: str
    title: str
    created: str
    modified: str


class FormatId(TypedDict):
    """A PRONOM identifier and the tool and signature files that gave it (schema 1.1)."""

    pronom: str
    tool: str
    tool_version: str
    signatures: str


class Captured(TypedDict):
    value: str
    precision: str


class Duplicate(TypedDict):
    """What a revisit repeats: the seed, record and WARC holding the original bytes."""

    path: str
    record_id: str
    warc_file: str
    batch: str


class SeedEntry(TypedDict):
    id: str
    path: str
    bytes: int
    sha256: str
    media_type: str
    content_type: str
    encoding: Encoding
    language: Language
    title: str
    source: str
    source_uri: str | None
    captured: Captured
    notes: str
    extra: dict[str, str]
    records: list[RecordRef]
    duplicate_of: Duplicate | None
    document: NotRequired[SelfDeclared]  # 1.1, when the document declares anything
    title_source: NotRequired[str]  # 1.1: "document" when INDEX.md gave no title
    format: NotRequired[FormatId]  # 1.1
    link: NotRequired[LinkEntry]  # since 1.1: a symbolic link


class LinkEntry(TypedDict):
    target: str  # exactly as stored: the link's bytes


class Software(TypedDict):
    """What a shard's bytes depend on besides its seeds (packing/software.py)."""

    archiver: str
    python: str
    language_detector: str
    charset_detector: str
    format_identifier: NotRequired[str]  # schema 1.1
    document_readers: NotRequired[str]  # schema 1.1
    compressor: str
    compressed_probe: str


class PlanRef(TypedDict):
    name: str
    sha256: str


class ShardInfo(TypedDict):
    """A shard manifest's place in its sharded snapshot."""

    index: int
    count: int
    plan: PlanRef
    software: Software


class Manifest(TypedDict):
    schema_version: str
    generator: Generator
    batch: BatchEntry
    packaged: str
    previous: Previous | None
    dependencies: list[Dependency]
    warc_files: list[WarcFile]
    seeds: list[SeedEntry]
    snapshot_id: str
    links: NotRequired[int]  # since 1.1: how many seeds are symbolic links, when some are
    shard: NotRequired[ShardInfo]


# --- the root manifest of a sharded snapshot (root-1.schema.json) ---------------------------------

class RootPlan(TypedDict):
    name: str
    sha256: str
    limits: dict[str, int]
    compression: str


class RootShard(TypedDict):
    index: int
    manifest: str
    sha256: str
    bytes: int
    warc_file: str
    warc_sha256: str
    warc_bytes: int
    seeds: int
    records: int
    snapshot_id: str


class Bucket(TypedDict):
    """One bucket file of a sharded snapshot's digest index."""

    name: str
    sha256: str
    bytes: int
    entries: int


class RootIndex(TypedDict):
    stem: str
    digits: int
    buckets: list[Bucket]


class RootManifest(TypedDict):
    schema_version: str
    generator: Generator
    batch: BatchEntry
    packaged: str
    previous: Previous | None
    plan: RootPlan
    software: Software
    seed_count: int
    seed_bytes: int
    revisits: int
    shards: list[RootShard]
    index: RootIndex
    dependencies: list[Dependency]
    snapshot_id: str


def main_ref(seed: SeedEntry) -> RecordRef:
    """Where a seed's main record is: its resource, or its revisit if its bytes were archived
    before (the metadata record follows it)."""
    return seed["records"][0]
