"""Describe a seed from the one read of it: media type, encoding and language, found and declared."""

from __future__ import annotations

from .hashing import SeedRead
from .model import Row, Seed, SeedFile


def describe(file: SeedFile, row: Row, read: SeedRead) -> Seed:
    """What the tool finds in a seed's bytes, beside what INDEX.md declares."""
    try:
        read.sample.decode("utf-8")
        encoding = {"charset": "utf-8", "method": "utf-8", "confidence": "high"}
        media, content_type = "text/plain", "text/plain; charset=utf-8"
    except UnicodeDecodeError:
        encoding = {"charset": "", "method": "binary", "confidence": "low"}
        media = content_type = "application/octet-stream"
    return Seed(file=file, row=row, digest=read.digest, media_type=media,
                content_type=content_type, encoding=encoding, language={})
