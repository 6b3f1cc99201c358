"""What a document is, found from its first bytes: encoding, then media type, then language.

One function for every caller (`pack` and `add` alike), so a seed is described the same way
whoever asks. The stored bytes are always the original bytes; what is found here only labels them.
"""

from __future__ import annotations

from dataclasses import dataclass

from archiver.detect.encoding import EncodingResult, decode_sample, detect_encoding
from archiver.detect.language import LanguageResult, detect_language
from archiver.detect.media_type import content_type, is_textual, media_type


@dataclass(frozen=True)
class Findings:
    """A document's encoding, media type (and the Content-Type naming its charset) and language.

    `language` is None for a document that is not text: no language is detected for it.
    """

    encoding: EncodingResult
    media_type: str
    content_type: str
    language: LanguageResult | None


def detect(name: str, sample: bytes, *, charset: str | None = None) -> Findings:
    """Describe the document called `name` from its first bytes; `charset` is a declared one,
    which overrides detection (ValueError if it is no charset Python knows)."""
    encoding = detect_encoding(sample, declared=charset)
    media = media_type(name, sample, encoding=encoding)
    language = detect_language(decode_sample(sample, encoding)) if is_textual(media) else None
    return Findings(encoding, media, content_type(media, encoding), language)
