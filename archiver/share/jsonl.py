"""One JSON line per seed, for corpus pipelines that want text and provenance, not WARC records.

(datatrove's WARC reader, for one, skips resource records.) The text is decoded from the bytes in
the WARC, checked against the manifest's sha256 first, with the charset recorded at packing;
a binary seed gets `"text": null`. Each line: id (the target URI), path, title, text, language
(the declared BCP 47 tag), encoding (the charset), source, captured, sha256, snapshot_id.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from archiver.base.digests import Hasher
from archiver.detect.encoding import text_decoder
from archiver.errors import DamageError, ManifestError
from archiver.manifest.chain import content_record
from archiver.manifest.loader import Link
from archiver.manifest.types import Encoding, Manifest, RecordRef, SeedEntry
from archiver.warc.reader import Sink, read_member_at

WarcPath = Callable[[str], Path]


def write_json_lines(out: BinaryIO, document: Manifest, warc_path: WarcPath,
                     links: list[Link]) -> None:
    """Write one line per seed to `out` as each seed is read and decoded, so memory stays bounded
    whatever the seeds' size; DamageError (after the line was written: the caller discards the
    file) if a seed's bytes do not match its sha256. `links` is the manifest's chain (itself
    first), to resolve revisits into earlier batches."""
    seeds = {seed["path"]: seed for seed in document.get("seeds", [])}
    for seed in seeds.values():
        record, _ = content_record(seed, seeds, links)
        before = {"id": seed["id"], "path": seed["path"], "title": seed.get("title")}
        encoding = seed.get("encoding") or {}
        after = {
            "language": (seed.get("language") or {}).get("declared"),
            "encoding": encoding.get("charset"), "source": seed.get("source"),
            "captured": (seed.get("captured") or {}).get("value"), "sha256": seed["sha256"],
            "snapshot_id": document.get("snapshot_id"),
        }
        out.write(_escaped(json.dumps(before, ensure_ascii=False)[:-1] + ', "text": '))
        text = _TextWriter(out, encoding)
        stream_seed(seed, record, warc_path, sink=text.write)
        text.close()
        out.write(_escaped(", " + json.dumps(after, ensure_ascii=False)[1:] + "\n"))


def _escaped(text: str) -> bytes:
    """U+2028/U+2029 escaped too, as readers that split on every line break need."""
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


class _TextWriter:
    """A seed's bytes as they arrive, decoded with the manifest's charset and written as one JSON
    string (`null` for a binary seed). JSON escapes character by character, so each piece is
    escaped on its own."""

    def __init__(self, out: BinaryIO, encoding: Encoding) -> None:
        self._out = out
        self._decoder = _decoder(encoding)
        self._first = True
        out.write(b'"' if self._decoder else b"null")

    def write(self, block: bytes) -> None:
        if self._decoder:
            self._text(self._decoder.decode(block))

    def close(self) -> None:
        if self._decoder:
            self._text(self._decoder.decode(b"", True))
            self._out.write(b'"')

    def _text(self, text: str) -> None:
        if self._first and text:
            text, self._first = text.removeprefix("\ufeff"), False
        self._out.write(_escaped(json.dumps(text, ensure_ascii=False)[1:-1]))


def stream_seed(seed: SeedEntry, record: RecordRef, warc_path: WarcPath, *, sink: Sink) -> None:
    """Pass a seed's bytes from its record in the WARC to `sink` as they are read; DamageError
    unless they match its sha256 (the sink has had them by then)."""
    path = warc_path(record["warc_file"])
    hasher = Hasher()

    def both(block: bytes) -> None:
        hasher.update(block)
        sink(block)

    try:
        with open(path, "rb") as stream:
            member = read_member_at(stream, record["offset"], sink=both, limit=seed["bytes"])
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such WARC file") from None
    if member.problem or member.header("WARC-Record-ID") != record["id"]:
        raise DamageError(f"{seed['path']}: record at offset {record['offset']} of {path} is not "
                          f"the one the manifest lists ({member.problem or 'another record'})")
    if hasher.hexdigest() != seed["sha256"]:
        raise DamageError(f"{seed['path']}: bytes in {path} do not match the manifest's sha256")


def _decoder(encoding: Encoding) -> codecs.IncrementalDecoder | None:
    if encoding.get("method") == "binary" or not encoding.get("charset"):
        return None
    # The charset was found from a sample; an odd byte further on becomes U+FFFD, not a failure.
    return text_decoder(encoding["charset"])


def decode(data: bytes, encoding: Encoding) -> str | None:
    """A seed's text from the manifest's `encoding` entry (None for a binary seed)."""
    decoder = _decoder(encoding)
    return None if decoder is None else decoder.decode(data, True).removeprefix("\ufeff")
