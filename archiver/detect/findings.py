"""What a document is: media type and encoding, its text, what it says of itself, its language.

One way for every caller (`pack` and `add` alike), so a seed is described the same way whoever
asks: `detect` for one document, or `examine` for each of a batch and `conclude` for them all,
which asks the language model about the batch's texts one after another (fastText's tables stay
in the CPU's caches: a third of the time it took between other work). The stored bytes are always the original bytes; what is found here only labels them.

The order matters for cost: a magic number that proves a binary format (PDF, PNG, gzip, …)
settles the encoding at once, so charset detection only ever runs on what may be text (on a
copy of /usr/share/doc it had taken 45% of pack's time, running on gzip and PNG files).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from archiver.detect.described import DocumentText
from archiver.detect.encoding import EncodingResult, detect_encoding, reads_alike
from archiver.detect.language import NO_LANGUAGE, LanguageResult, detect_languages, result_for
from archiver.detect.media_type import content_type, is_textual, media_type, sniff
from archiver.detect.pronom import FormatId, identify
from archiver.detect.prose import PROSE, text_kind
from archiver.detect.text import document_text

_BINARY = EncodingResult("", "binary", "high")


@dataclass(frozen=True)
class Findings:
    """A document's encoding, media type (and the Content-Type naming its charset), its text
    and what it declares of itself, the kind of text it is, and its language.

    `language` is None for a document with no text: no language is detected for it.
    """

    encoding: EncodingResult
    media_type: str
    content_type: str
    language: LanguageResult | None
    text: DocumentText
    text_kind: str = PROSE
    charset_disagrees: bool = False  # the document's own charset reads its bytes otherwise
    format: FormatId | None = None  # PRONOM, when the caller gave the file's location


def detect(name: str, sample: bytes, *, charset: str | None = None, location: str | None = None,
           body: bytes | None = None, complete: bool = False,
           format: FormatId | None = None, pronom: bool = True) -> Findings:
    """Describe the document called `name` from its first bytes; `charset` is a declared one,
    which overrides detection (CharsetError if it is no charset Python knows).

    `location` is the file's path (for its PRONOM identifier, and a PDF's text when `body`,
    all its bytes, is not in memory); `complete` says whether `sample` is the whole document.
    `format` is the PRONOM identifier when the caller asked for it already (`identify_each`);
    `pronom=False` leaves it out (`add`, whose rows name no format, only reads the text).
    """
    return conclude([examine(name, sample, charset=charset, location=location, body=body,
                             complete=complete, format=format, pronom=pronom)])[0]


@dataclass(frozen=True)
class Examined:
    """A document described but for its language: what `conclude` finishes."""

    findings: Findings  # its language not yet known where `judge` is True
    judge: bool  # whether the language of its text is still to be detected


def examine(name: str, sample: bytes, *, charset: str | None = None,
            location: str | None = None, body: bytes | None = None, complete: bool = False,
            format: FormatId | None = None, pronom: bool = True) -> Examined:
    """`detect`'s work but the language model's, with `detect`'s arguments. Examine a batch of
    documents, then `conclude` them together: the model then answers for them one after another,
    several times faster than between other work (`detect_languages`)."""
    binary = charset is None and sniff(sample) is not None
    encoding = _BINARY if binary else detect_encoding(sample, declared=charset)
    media = media_type(name, sample, encoding=encoding)
    text = document_text(media, sample, encoding, document=body if body is not None else location,
                         complete=complete)
    found = format if format is not None or location is None or not pronom else identify(location)
    disagrees = bool(text.declared.charset and encoding.encoding) and not reads_alike(
        sample, text.declared.charset, encoding.encoding)
    if not text.source:
        return Examined(Findings(encoding, media, content_type(media, encoding), None, text,
                                 format=found), judge=False)
    kind = text_kind(name, media, text.text, lines_kept=text.source == "plain")
    judge = kind == PROSE and bool(text.text or is_textual(media))
    # not judged: text that is not prose, or a PDF without a text layer (scanned pages)
    language = result_for(NO_LANGUAGE) if kind != PROSE else None
    return Examined(Findings(encoding, media, content_type(media, encoding), language, text,
                             kind, disagrees, found), judge)


def conclude(examined: Sequence[Examined]) -> list[Findings]:
    """The findings of each examined document, the language of those with prose detected in
    one pass of the model over them all."""
    judged = [item.findings for item in examined if item.judge]
    languages = iter(detect_languages([findings.text.text for findings in judged]))
    return [replace(item.findings, language=next(languages)) if item.judge else item.findings
            for item in examined]
