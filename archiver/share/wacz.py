"""Package a snapshot as WACZ, the zip that ReplayWeb.page, pywb and `wacz validate` open.

Layout (the WACZ 1.2.0 directory layout; see below for the version marker):

    archive/BATCH.warc.gz      the snapshot's WARC, byte for byte, STORED (never compressed twice)
    archive/EARLIER.warc.gz    for a later batch, each earlier batch's WARC its revisits point into
    archive/BATCH.aliases.warc the seeds' replay addresses at https://archiver.invalid/ (alias.py)
    indexes/index.cdx          CDXJ of all of them, sorted, as cdxj-indexer writes it (cdxj.py)
    pages/pages.jsonl          a header line, then one page per seed (pages.py): its replay
                               address, title and text
    datapackage.json           every other entry's path, sha256 and size; title, description,
                               created (the packaging time), software; `metadata` with the
                               batch's title and description, where ReplayWeb.page reads them
    datapackage-digest.json    the sha256 of datapackage.json

`datapackage.json` says `"profile": "data-package"` and `"wacz_version": "1.1.1"`: WACZ 1.2.0
renamed the profile to `wacz` and dropped `wacz_version`, but py-wacz 0.6.0, the reference
validator, rejects any file whose `wacz_version` is not "1.1.1", and ReplayWeb.page reads both.

Byte-reproducible: entries in a fixed order, every entry STORED (deflate output depends on the
zlib build, and zlib-ng is in some Pythons), timestamps set to the packaging time, fixed
permissions, no extra fields. The same snapshot and archiver version give the same WACZ.
"""

from __future__ import annotations

import json
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from archiver._version import __version__
from archiver.base.atomic import discard, publish, temp_path
from archiver.base.digests import Hasher, iter_blocks, sha256_hex
from archiver.errors import DamageError, InputError
from archiver.manifest.types import Manifest
from archiver.warc.records import TRAILER
from archiver.share.alias import Alias, alias_name, alias_records
from archiver.share.cdxj import Entry, index_text, revisit_entry
from archiver.share.pages import pages_jsonl

# A WARC file name that `wacz validate` and the replay tools accept (`+` fails validation).
SAFE_NAME = re.compile(r"[a-z0-9._-]+")


_MODE = 0o100644 << 16


_EARLIEST = (1980, 1, 1, 0, 0, 0)
_RECORD_HEAD = 1 << 10  # an alias record's bytes besides its two URIs are well under this


def write_wacz(out: Path, *, document: Manifest, warcs: list[tuple[str, Path, str]],
               entries: list[Entry], aliases: list[Alias], pages: list[dict[str, Any]]) -> None:
    """Write the WACZ for `document` to `out`: `warcs` are (name, path, sha256) to store, the
    snapshot's first, `entries` their index, then the seeds' `aliases` and `pages`."""
    for name, _, _ in warcs:
        if not SAFE_NAME.fullmatch(name):
            raise InputError(f"{name}: WARC file names in a WACZ must be [a-z0-9._-] only")
    created = str(document.get("packaged") or "")
    when = _zip_time(created)
    temp = temp_path(out)
    try:
        with zipfile.ZipFile(temp, "x") as archive:
            resources = [_store_file(archive, f"archive/{name}", path, sha256, when)
                         for name, path, sha256 in warcs]
            resource, alias_entries = _store_aliases(archive, document, aliases, when)
            resources.append(resource)
            texts = {"indexes/index.cdx": index_text(entries + alias_entries).encode(),
                     "pages/pages.jsonl": pages_jsonl(pages).encode()}
            resources += [_store_bytes(archive, path, data, when) for path, data in texts.items()]
            package = _datapackage(document, created, resources)
            _store_bytes(archive, "datapackage.json", package, when)
            _store_bytes(archive, "datapackage-digest.json", _digest(package), when)
        publish([(temp, out)])
    except BaseException:
        discard([temp])
        raise


def _store_aliases(archive: zipfile.ZipFile, document: Manifest, aliases: list[Alias],
                   when: tuple[int, ...]) -> tuple[dict[str, Any], list[Entry]]:
    """The alias WARC, streamed into its entry, and its index entries."""
    name = alias_name(document["batch"]["id"])
    hasher, entries = Hasher(), []
    bound = sum(_RECORD_HEAD + len(alias.url) + len(alias.target.uri) for alias in aliases)
    big = bound + _RECORD_HEAD >= zipfile.ZIP64_LIMIT  # zip64 only where zip needs it
    with archive.open(_info(f"archive/{name}", when), "w", force_zip64=big) as sink:
        for alias, data in alias_records(document, aliases):
            if alias is not None:
                # cdxj-indexer counts an uncompressed record without its closing CRLF CRLF
                entries.append(revisit_entry(alias.url, alias.date, alias.digest,
                                             offset=hasher.size, length=len(data) - len(TRAILER),
                                             filename=name))
            hasher.update(data)
            sink.write(data)
    return _resource(f"archive/{name}", hasher.hexdigest(), hasher.size), entries


def _datapackage(document: Manifest, created: str, resources: list[dict[str, Any]]) -> bytes:
    batch = document.get("batch") or {}
    title = batch.get("title") or batch.get("id")
    package: dict[str, Any] = {
        "profile": "data-package", "wacz_version": "1.1.1", "title": title, "created": created,
        "software": f"archiver {__version__}", "resources": resources,
    }
    metadata = {"title": title}
    if batch.get("description"):
        package["description"] = metadata["description"] = batch["description"]
    package["metadata"] = metadata
    return (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode()


def _digest(package: bytes) -> bytes:
    digest = {"path": "datapackage.json", "hash": "sha256:" + sha256_hex(package)}
    return (json.dumps(digest, indent=2) + "\n").encode()


def _info(path: str, when: tuple[int, ...]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=when)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = _MODE
    return info


def _resource(path: str, sha256: str, size: int) -> dict[str, Any]:
    return {"name": path.rsplit("/", 1)[-1], "path": path, "hash": "sha256:" + sha256, "bytes": size}


def _store_bytes(archive: zipfile.ZipFile, path: str, data: bytes,
                 when: tuple[int, ...]) -> dict[str, Any]:
    archive.writestr(_info(path, when), data)
    return _resource(path, sha256_hex(data), len(data))


def _store_file(archive: zipfile.ZipFile, path: str, source: Path, sha256: str,
                when: tuple[int, ...]) -> dict[str, Any]:
    """Copy a WARC in blocks, hashing it on the way: a changed WARC is never packaged."""
    hasher = Hasher()
    size = source.stat().st_size
    with open(source, "rb") as stream, archive.open(_info(path, when), "w",
                                                   force_zip64=size >= zipfile.ZIP64_LIMIT) as sink:
        for block in _hashed(iter_blocks(stream), hasher):
            sink.write(block)
    if hasher.hexdigest() != sha256:
        raise DamageError(f"{source}: sha256 is not the manifest's; run archiver verify")
    return _resource(path, sha256, hasher.size)


def _hashed(blocks: Iterable[bytes], hasher: Hasher) -> Iterable[bytes]:
    for block in blocks:
        hasher.update(block)
        yield block


def _zip_time(timestamp: str) -> tuple[int, ...]:
    """The packaging time as a zip timestamp (zip cannot hold dates before 1980)."""
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return _EARLIEST
    return max(_EARLIEST, (moment.year, moment.month, moment.day, moment.hour, moment.minute,
                           moment.second - moment.second % 2))
