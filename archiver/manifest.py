"""The manifest: what a snapshot holds, where each record is, and the digests to check it.

The metadata and warcinfo record bodies are derived from manifest entries here, so packing writes
them and verification rebuilds and compares them from one definition.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path
from typing import Any, BinaryIO

from ._version import __version__
from .canonical import compact, digest_label
from .hashing import Hasher
from .memory import collector_paused
from .errors import ManifestError
from .model import Batch, Seed
from .records import CONFORMS_TO

SCHEMA_VERSION = "1.0"
MAX_SIDECAR = 64 << 10  # one line is ~100 bytes; never read an unbounded file into memory
GENERATOR = {"name": "archiver", "version": __version__}
_SNAPSHOT_KEYS = ("id", "path", "bytes", "sha256", "media_type", "content_type", "encoding",
                  "language", "title", "source", "source_uri", "captured", "notes", "extra")


def manifest_name(batch_id: str) -> str:
    return f"{batch_id}.manifest.json"


def warc_name(batch_id: str) -> str:
    return f"{batch_id}.warc.gz"


def batch_entry(batch: Batch) -> dict[str, Any]:
    return {
        "id": batch.batch_id, "title": batch.title, "description": batch.description,
        "creators": list(batch.creators), "license": batch.license,
        "keywords": list(batch.keywords),
    }


def seed_entry(seed: Seed, *, uri: str, source_uri: str | None) -> dict[str, Any]:
    """A seed's manifest entry, without its records (they are placed after writing)."""
    row = seed.row
    return {
        "id": uri, "path": seed.file.path, "bytes": seed.digest.size,
        "sha256": seed.digest.sha256, "media_type": seed.media_type,
        "content_type": seed.content_type, "encoding": dict(seed.encoding),
        "language": {"declared": row.language, "detected": seed.language or None},
        "title": row.title, "source": row.source, "source_uri": source_uri,
        "captured": {"value": row.captured.value, "precision": row.captured.precision},
        "notes": row.notes, "extra": dict(row.extra), "records": [], "duplicate_of": None,
    }


def metadata_fields(entry: dict[str, Any]) -> list[tuple[str, str]]:
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
    ]
    fields += [("x-" + _token(name), value) for name, value in sorted(entry["extra"].items())]
    return fields


def warcinfo_fields(document: dict[str, Any], *, compression: str = "") -> list[tuple[str, str]]:
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


def snapshot_id(document: dict[str, Any]) -> str:
    """Derived from content alone: not from the WARC bytes, offsets or compressor."""
    return digest_label(snapshot_basis(document, [snapshot_seed(s) for s in document["seeds"]]))


def snapshot_basis(document: dict[str, Any], seeds: list[Any]) -> dict[str, Any]:
    """What snapshot_id hashes, given each seed's `snapshot_seed` part."""
    previous = document["previous"]
    return {"batch": document["batch"], "packaged": document["packaged"],
            "previous": previous and previous["snapshot_id"], "seeds": seeds}


def snapshot_seed(seed: dict[str, Any]) -> dict[str, Any]:
    """The part of a seed's entry the snapshot identifier covers: content, not placement."""
    return {key: seed[key] for key in _SNAPSHOT_KEYS}


class SnapshotHasher:
    """`snapshot_id` computed seed by seed, for manifests too large to hold whole twice.

    `compact` of the basis is `{"batch":…,"packaged":…,"previous":…,"seeds":[…]}` with "seeds"
    the last key, and of an array the items' own bytes joined by commas, so the hash can take
    the part before the seeds, each seed in order, then `]}`.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        text = compact(snapshot_basis(document, []))
        assert text.endswith(b'"seeds":[]}')
        self._hasher = Hasher()
        self._hasher.update(text[:-2])
        self.count = 0

    def add_bytes(self, seed_bytes: bytes) -> None:
        """Add `compact(snapshot_seed(seed))`, already made (as pack's workers do)."""
        self._hasher.update(b"," + seed_bytes if self.count else seed_bytes)
        self.count += 1

    def add(self, seed: dict[str, Any]) -> None:
        self.add_bytes(compact(snapshot_seed(seed)))

    def label(self) -> str:
        """The snapshot id of the seeds added so far."""
        hasher = self._hasher.copy()
        hasher.update(b"]}")
        return "sha256:" + hasher.hexdigest()


def new_document(batch: Batch, *, packaged: str, previous: dict[str, str] | None,
                 seeds: list[dict[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION, "generator": dict(GENERATOR),
        "batch": batch_entry(batch), "packaged": packaged, "previous": previous,
        "dependencies": [], "warc_files": [], "seeds": seeds, "snapshot_id": "",
    }
    document["snapshot_id"] = snapshot_id(document)
    return document


def warc_location(manifest_path: Path, name: str, given: Path | None = None) -> Path:
    """Where the WARC file `name` of a manifest is: in or at `given` (--warc), else beside it."""
    if given is not None:
        return given / name if given.is_dir() else given
    return manifest_path.with_name(name)


def sidecar_text(name: str, sha256: str) -> str:
    """`sha256sum` format, so `sha256sum -c` checks the manifest without archiver."""
    return f"{sha256}  {name}\n"


def parse_sidecar(text: str, name: str) -> str | None:
    """The digest the sidecar records for `name`, or None if it does not record one."""
    for line in text.split("\n"):  # sha256sum's lines end in LF only: a CR or FF is damage
        digest, _, listed = line.partition("  ")
        if listed.lstrip("*") == name and len(digest) == 64:
            return digest
    return None


def read_manifest_bytes(path: Path) -> bytes:
    try:
        with _open_regular(path) as stream:
            return stream.read()
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such manifest") from None
    except IsADirectoryError:
        raise ManifestError(f"{path}: is a directory, not a manifest") from None
    except OSError as err:
        raise ManifestError(f"{path}: cannot read: {err.strerror}") from None


def read_sidecar(manifest_path: Path) -> str:
    """The sidecar's text exactly, with no newline translation (a CR is damage); OSError if none."""
    with _open_regular(manifest_path.with_name(manifest_path.name + ".sha256")) as stream:
        return stream.read(MAX_SIDECAR).decode("utf-8")


def _open_regular(path: Path) -> BinaryIO:
    """Open a regular file for reading; a FIFO or device would block or never end, so refuse it."""
    stream = open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb")
    mode = os.fstat(stream.fileno()).st_mode
    if not stat.S_ISREG(mode):
        stream.close()
        raise OSError(errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL, "not a regular file")
    return stream


def parse_manifest(data: bytes) -> dict[str, Any]:
    """Decode manifest bytes; raise ValueError saying why they are not a JSON object.
    The collector is paused meanwhile (see `memory`): JSON makes no cycle.
    """
    try:
        with collector_paused():
            document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ValueError(f"not UTF-8 ({err.reason} at byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"not JSON ({err.msg} at line {err.lineno} column {err.colno})") from None
    except RecursionError:
        raise ValueError("not a usable manifest (JSON nested too deeply)") from None
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    return document


def _token(name: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in name)
