"""Describe a seed from the one read of it: encoding, media type and language, found beside declared.

The stored bytes are always the original bytes; what is found here only labels them. Where the
detected language disagrees with the one INDEX.md declares, a warning names the seed: people err,
and so do detectors, so neither overrides the other.
"""

from __future__ import annotations

from .encoding import EncodingResult, decode_sample, detect_encoding
from .errors import IndexFileError
from .hashing import SeedRead
from .language import detect_language, same_language
from .mediatype import content_type, is_textual, media_type
from .model import Row, Seed, SeedFile


def describe(file: SeedFile, row: Row, read: SeedRead) -> Seed:
    """What the tool finds in a seed's first bytes, beside what INDEX.md declares."""
    encoding = _encoding(file, row, read.sample)
    media = media_type(file.path, read.sample, encoding=encoding)
    language: dict[str, str] = {}
    if is_textual(media):
        found = detect_language(decode_sample(read.sample, encoding))
        language = {"tag": found.tag, "detector": found.detector,
                    "detector_version": found.detector_version, "model": found.model,
                    "confidence": found.confidence}
    return Seed(file=file, row=row, digest=read.digest, media_type=media,
                content_type=content_type(media, encoding),
                encoding={"charset": encoding.encoding, "method": encoding.method,
                          "confidence": encoding.confidence},
                language=language)


def language_warning(seed: Seed) -> str | None:
    """A one-line warning if the declared and detected languages disagree."""
    detected = seed.language.get("tag")
    if not detected or same_language(seed.row.language, detected):
        return None
    return (f"{seed.file.location}: INDEX.md declares language {seed.row.language!r}, "
            f"{seed.language['detector']} detected {detected!r} "
            f"(confidence {seed.language['confidence']}%)")


def _encoding(file: SeedFile, row: Row, sample: bytes) -> EncodingResult:
    try:
        return detect_encoding(sample, declared=row.charset or None)
    except ValueError as err:
        raise IndexFileError(f"{file.location}: INDEX.md line {row.line}: charset: {err}") from None
