"""One JSON line per seed, for corpus pipelines that want text and provenance, not WARC records.

(datatrove's WARC reader, for one, skips resource records.) The text is decoded from the bytes in
the WARC, checked against the manifest's sha256 first, with the charset recorded at packing;
a binary seed gets `"text": null`. Each line: id (the target URI), path, title, text, language
(the declared BCP 47 tag), encoding (the charset), source, captured, sha256, snapshot_id.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any, Callable

from archiver.base.digests import Hasher
from archiver.detect.encoding import python_codec
from archiver.errors import DamageError, ManifestError
from archiver.manifest.chain import content_record
from archiver.manifest.loader import Link
from archiver.manifest.types import Encoding, Manifest, RecordRef, SeedEntry
from archiver.warc.reader import read_member_at

WarcPath = Callable[[str], Path]


def json_lines(document: Manifest, warc_path: WarcPath, links: list[Link]) -> str:
    """`links` is the manifest's chain (itself first), to resolve revisits into earlier batches,
    whose WARC files lie in the same folder."""
    seeds = {seed["path"]: seed for seed in document.get("seeds", [])}
    return "".join(_json_line(_line(seed, seeds, document, warc_path, links))
                   for seed in seeds.values())


def _json_line(value: dict[str, Any]) -> str:
    """One line: U+2028/U+2029 escaped too, as readers that split on every line break need."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


def _line(seed: SeedEntry, seeds: dict[str, SeedEntry], document: Manifest,
          warc_path: WarcPath, links: list[Link]) -> dict[str, Any]:
    encoding = seed.get("encoding") or {}
    record, _ = content_record(seed, seeds, links)
    data = seed_bytes(seed, record, warc_path)
    return {
        "id": seed["id"], "path": seed["path"], "title": seed.get("title"),
        "text": decode(data, encoding), "language": (seed.get("language") or {}).get("declared"),
        "encoding": encoding.get("charset"), "source": seed.get("source"),
        "captured": (seed.get("captured") or {}).get("value"), "sha256": seed["sha256"],
        "snapshot_id": document.get("snapshot_id"),
    }


def seed_bytes(seed: SeedEntry, record: RecordRef, warc_path: WarcPath) -> bytes:
    """A seed's bytes read from its record in the WARC; DamageError unless they match its sha256."""
    path = warc_path(record["warc_file"])
    chunks: list[bytes] = []
    hasher = Hasher()

    def sink(block: bytes) -> None:
        hasher.update(block)
        chunks.append(block)

    try:
        with open(path, "rb") as stream:
            member = read_member_at(stream, record["offset"], sink=sink, limit=seed["bytes"])
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such WARC file") from None
    if member.problem or member.header("WARC-Record-ID") != record["id"]:
        raise DamageError(f"{seed['path']}: record at offset {record['offset']} of {path} is not "
                          f"the one the manifest lists ({member.problem or 'another record'})")
    if hasher.hexdigest() != seed["sha256"]:
        raise DamageError(f"{seed['path']}: bytes in {path} do not match the manifest's sha256")
    return b"".join(chunks)


def decode(data: bytes, encoding: Encoding) -> str | None:
    """A seed's text from the manifest's `encoding` entry (None for a binary seed)."""
    if encoding.get("method") == "binary" or not encoding.get("charset"):
        return None
    # The charset was found from a sample; an odd byte further on becomes U+FFFD, not a failure.
    text = codecs.decode(data, python_codec(encoding["charset"]), errors="replace")
    return text.removeprefix("\ufeff")
