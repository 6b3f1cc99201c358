"""Replay addresses: every seed of a WACZ aliased at `https://archiver.invalid/BATCH/PATH`.

A snapshot's target URIs are `urn:x-archiver:BATCH:PATH`, location-independent, and stay so.
But a browser resolves a page's relative links (`style.css`, `img/a.png`, `second.html`) only
against an http(s) address, and ReplayWeb.page and pywb rewrite only those: from a `urn:` page
no stylesheet, image or link to another seed loads. So a WACZ carries a second WARC,
`BATCH.aliases.warc`, of revisit records (profile identical-payload-digest) that give each seed
an https address under `archiver.invalid`, a host reserved never to resolve (RFC 2606), each
pointing at the resource record that holds the seed's bytes: its own, or for a seed that
repeats an earlier one, that one's, in this batch or an earlier batch whose WARC the WACZ
carries too. The snapshot's WARC is stored in the WACZ untouched.

The alias WARC is not compressed: its records are small, and uncompressed bytes are the same
whatever deflate library a Python has, so the WACZ stays byte-reproducible. Record ids are
derived (UUIDv5) like every archiver record's.

A path is percent-encoded from the name's UTF-8 bytes as a browser encodes a path it resolves
(`a b.html` → `a%20b.html`); the characters a browser leaves as they are (`!$&'()*+,;=:@`)
stay too, so a relative link written in a page finds its alias byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator
from urllib.parse import quote

from archiver.errors import DamageError
from archiver.manifest.chain import resolve_revisit
from archiver.manifest.implied import RevisitTarget, record_date
from archiver.manifest.loader import Link
from archiver.manifest.types import Manifest, SeedEntry, main_ref
from archiver.warc.records import TRAILER, Record, revisit, warc_fields, warcinfo

HOST = "archiver.invalid"
PREFIX = f"https://{HOST}/"
_PATH_SAFE = "/-._~!$&'()*+,;=:@"


@dataclass(frozen=True)
class Alias:
    """One seed's replay address, its date, and the record that holds its bytes."""

    path: str
    url: str
    date: str
    digest: str
    target: RevisitTarget


def alias_url(batch_id: str, path: str) -> str:
    """`https://archiver.invalid/BATCH/PATH`, the path percent-encoded as a browser does."""
    return PREFIX + batch_id + "/" + quote(path.encode("utf-8"), safe=_PATH_SAFE)


def alias_name(batch_id: str) -> str:
    """The alias WARC's file name; no snapshot WARC ends in `.warc`, so none is the same."""
    return f"{batch_id}.aliases.warc"


def aliases(links: list[Link]) -> list[Alias]:
    """Each seed's alias, in manifest order; `links` is the manifest's chain, itself first."""
    document = links[0].document
    by_path = {seed["path"]: seed for seed in document["seeds"]}
    return [Alias(seed["path"], alias_url(document["batch"]["id"], seed["path"]),
                  record_date(seed, document["packaged"]), "sha256:" + seed["sha256"],
                  _holder(seed, by_path, links))
            for seed in document["seeds"]]


def alias_records(document: Manifest, found: list[Alias]) -> Iterator[tuple[Alias | None, bytes]]:
    """The alias WARC as (alias, the record's bytes), its warcinfo first (with alias None)."""
    batch_id = document["batch"]["id"]
    info = warcinfo(batch_id=batch_id, date=document["packaged"], filename=alias_name(batch_id),
                    fields=warc_fields([
                        ("software", f"archiver {document['generator']['version']}"),
                        ("format", "WARC File Format 1.1"), ("isPartOf", batch_id),
                        ("description", f"replay addresses of batch {batch_id}'s seeds under "
                                        f"{PREFIX}, each a revisit of the record holding its "
                                        "bytes"),
                    ]))
    yield None, _bytes(info)
    for alias in found:
        yield alias, _bytes(revisit(
            batch_id=batch_id, warcinfo_id=info.record_id, uri=alias.url, date=alias.date,
            digest=alias.digest, refers_to=alias.target.record_id,
            refers_to_uri=alias.target.uri, refers_to_date=alias.target.date))


def _bytes(record: Record) -> bytes:
    assert isinstance(record.body, bytes)
    return record.head() + record.body + TRAILER


def _holder(seed: SeedEntry, by_path: dict[str, SeedEntry], links: list[Link]) -> RevisitTarget:
    """The resource record holding `seed`'s bytes: its own, or its revisit's original."""
    main = main_ref(seed)
    if main["type"] == "resource":
        return RevisitTarget(main["id"], seed["id"],
                             record_date(seed, links[0].document["packaged"]))
    original = resolve_revisit(seed, links, by_path)
    if original is None:
        raise DamageError(f"{seed['path']}: revisit does not resolve to a seed with the same bytes")
    return original.target()
