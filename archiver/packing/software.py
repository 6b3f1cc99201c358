"""The software a shard was made with: what its bytes depend on besides the seeds.

Shards of one snapshot are made on many machines; the root manifest accepts them only if every
one names the same software. The compressed probe catches two builds of one library version that
deflate differently (the WARC's bytes would differ, though no version string does).
"""

from __future__ import annotations

import importlib.metadata
import platform
from functools import cache

from archiver._version import __version__
from archiver.base.digests import sha256_hex
from archiver.detect.language import DETECTOR, MODEL
from archiver.manifest.types import Software
from archiver.warc.compression import Deflate, gzip_member

PROBE = "".join(f"{n} archiver probe: the same bytes on every machine, or no snapshot.\n"
                for n in range(2_000)).encode("utf-8")


def _versions(*distributions: str) -> str:
    return ", ".join(f"{name} {importlib.metadata.version(name)}" for name in distributions)


@cache
def software(compression: str) -> Software:
    deflate = Deflate.named(compression)
    return {
        "archiver": __version__,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "language_detector": f"{DETECTOR} {importlib.metadata.version(DETECTOR)} model={MODEL}",
        "charset_detector": f"charset-normalizer {importlib.metadata.version('charset-normalizer')}",
        # Siegfried and its PRONOM signatures ship inside pygfried's wheel: its version names
        # both (read from the package's metadata: loading it starts Go's runtime here).
        "format_identifier": _versions("pygfried"),
        "document_readers": _versions("selectolax", "pypdfium2"),
        "compressor": deflate.describe(),
        "compressed_probe": "sha256:" + sha256_hex(gzip_member(deflate, [PROBE])),
    }
