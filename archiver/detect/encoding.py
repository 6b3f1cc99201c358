"""Find which character encoding a seed's bytes are in, and decode a sample of them.

The answer names the charset as a MIME `charset=` parameter would (IANA/WHATWG names such as
"utf-8", "gb18030", "shift_jis", "windows-1251"), says how it was found and how sure that is.
Confidence is a word, not a float, because manifests are hashed and floats vary by platform.

Order of evidence, strongest first: a charset the caller declares, a byte order mark, then
either (bytes with NULs) the NUL layout of BOM-less UTF-16/32 or else binary, or (without NULs) a
strict UTF-8 decode, and last charset-normalizer's guess.
Callers may hand in only the first 64 KiB of a seed, so a sample may end part-way through a
character: every step here tolerates that.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by `_detected`: verify checks charsets here and detects none
    import charset_normalizer

# How an encoding was found, and how sure that is: the words the manifest uses.
METHODS = ("bom", "utf-8", "detected", "declared", "binary")
CONFIDENCES = ("high", "medium", "low")


# Fewer non-ASCII bytes than this is too little evidence to tell one encoding from another.
MIN_EVIDENCE = 32


# Valid UTF-8 needs fewer: 8 bytes are at least 3 multibyte characters, all well formed.
MIN_UTF8_EVIDENCE = 8


# charset-normalizer's "mess" ratio above which its best guess still reads as partly garbled.
MAX_CHAOS = 0.1


# A multibyte character is at most 4 bytes (UTF-8, GB18030), so a cut sample loses at most 3.
MAX_CUT = 3


# Checked longest first: the UTF-32LE mark begins with the UTF-16LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32le"),
    (codecs.BOM_UTF32_BE, "utf-32be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16le"),
    (codecs.BOM_UTF16_BE, "utf-16be"),
)


# Python codec name (as codecs.lookup spells it) -> the charset name we report.
_CHARSET_NAMES = {
    "ascii": "us-ascii",
    "utf-8-sig": "utf-8",
    "utf-16-le": "utf-16le",
    "utf-16-be": "utf-16be",
    "utf-32-le": "utf-32le",
    "utf-32-be": "utf-32be",
    # GB2312 and GBK are subsets of GB18030, and a GB18030 decoder reads them unchanged. A
    # detector that saw only a sample can say "gb2312" for a file that uses GBK or GB18030
    # characters further on; naming the superset keeps the whole file decodable. WHATWG does
    # the same: its "gbk" and "gb2312" labels decode with the GB18030 tables.
    "gb2312": "gb18030",
    "gbk": "gb18030",
    # Microsoft's Shift_JIS (NEC/IBM extensions such as circled digits) is what the WHATWG
    # "shift_jis" decoder implements, and what real files use.
    "cp932": "shift_jis",
    "cp949": "euc-kr",
    # JIS X 0213 supersets of EUC-JP, which charset-normalizer names for plain EUC-JP text.
    "euc_jis_2004": "euc-jp",
    "euc_jisx0213": "euc-jp",
    "cp950": "big5",
    "big5hkscs": "big5-hkscs",
    "mac-roman": "macintosh",
    "mac-cyrillic": "x-mac-cyrillic",
    "hz": "hz-gb-2312",
}


# Reported names Python does not know, or knows as a narrower table than real files need.
_DECODE_AS = {
    "shift_jis": "cp932",
    "big5": "cp950",
    "euc-kr": "cp949",
    "euc-jp": "euc_jis_2004",
    "macintosh": "mac-roman",
    "x-mac-cyrillic": "mac-cyrillic",
    "windows-874": "cp874",
}


# Codecs Python counts as text encodings that are no charset a document is written in: they
# transform text (idna and punycode for host names, unicode-escape for Python literals), decode
# nothing (undefined), follow the machine's code page (mbcs, oem) or need a table (charmap).
# Codecs from bytes to bytes or str to str (zlib, base64, hex, rot13, …) say so themselves.
_NOT_CHARSETS = frozenset({"idna", "punycode", "unicode-escape", "raw-unicode-escape",
                           "undefined", "mbcs", "oem", "charmap"})


# Python's incremental decoders for these refuse a stream that has no byte order mark.
_MARKED = {"utf-16": (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE),
           "utf-32": (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)}


class CharsetError(ValueError):
    """A declared charset that cannot read the file: no text encoding, or one needing a byte
    order mark the file lacks. Only this is the declaration's fault; other errors are not."""


@dataclass(frozen=True)
class EncodingResult:
    """How a sample's bytes map to text.

    `encoding` is a MIME charset name, or "" when the bytes are not text (`method` "binary").
    """

    encoding: str
    method: str
    confidence: str


def detect_encoding(sample: bytes, *, declared: str | None = None) -> EncodingResult:
    """Name the encoding of `sample`, trusting a `declared` charset over any guess.

    Raises CharsetError when `declared` names no codec Python knows.
    """
    if declared is not None:
        return _declared(sample, declared)
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return EncodingResult(name, "bom", "high")
    if b"\x00" in sample:
        return _wide_unicode(sample) or _detected(sample, wide_only=True)
    if _decodes(sample, "utf-8"):
        return EncodingResult("utf-8", "utf-8", _utf8_confidence(sample))
    return _detected(sample, wide_only=False)


def decode_sample(sample: bytes, result: EncodingResult) -> str:
    """Decode `sample` as `result` says, dropping a character cut off at the end.

    Undecodable bytes become U+FFFD rather than failing: the text feeds language detection,
    which a few replacement characters do not disturb. Binary data decodes to "".
    """
    if result.method == "binary":
        return ""
    return text_decoder(result.encoding).decode(sample, final=False).removeprefix("\ufeff")


def text_decoder(charset: str, errors: str = "replace") -> codecs.IncrementalDecoder:
    """An incremental decoder for a charset name this module reports (or a manifest records).

    `utf-16` and `utf-32` read as the Unicode standard reads them (D98, D101): the byte order
    mark says the order, and none means big-endian (Python's own decoders refuse such a stream).
    LookupError for a name that is no character encoding.
    """
    problem = charset_problem(charset)
    if problem:
        raise LookupError(problem)
    codec = codecs.lookup(python_codec(charset.lower())).name
    if codec in _MARKED:
        return _MarkedOrBigEndian(errors, codec)
    return codecs.getincrementaldecoder(codec)(errors=errors)


class _MarkedOrBigEndian(codecs.IncrementalDecoder):
    def __init__(self, errors: str, codec: str) -> None:
        super().__init__(errors)
        self._codec, self._head = codec, b""
        self._inner: codecs.IncrementalDecoder | None = None

    def decode(self, input: bytes, final: bool = False) -> str:
        if self._inner is None:
            self._head += input
            little, big = _MARKED[self._codec]
            if len(self._head) < len(little) and not final:
                return ""
            input, self._head = self._head, b""
            order = "le" if input.startswith(little) else "be"
            input = input.removeprefix(little if order == "le" else big)
            self._inner = codecs.getincrementaldecoder(f"{self._codec}-{order}")(self.errors)
        return self._inner.decode(input, final)


def reads_alike(sample: bytes, charset: str, other: str) -> bool:
    """Whether two charset names read `sample` as the same text (any two ASCII-compatible
    charsets do for ASCII bytes); a name Python does not know reads nothing alike."""
    try:
        first, second = python_codec(charset_name(charset)), python_codec(charset_name(other))
    except LookupError:
        return False
    if first == second:
        return True
    decoded = [text_decoder(codec).decode(sample, final=False) for codec in (first, second)]
    return decoded[0] == decoded[1]


def python_codec(charset: str) -> str:
    """The Python codec that decodes a charset name this module reports."""
    return _DECODE_AS.get(charset, charset)


def charset_name(codec: str) -> str:
    """The MIME charset name for a Python codec name or alias, or a name this module reports:
    LookupError if it names no character encoding (`charset_problem` says why)."""
    problem = charset_problem(codec)
    if problem:
        raise LookupError(problem)
    name = codecs.lookup(python_codec(codec.lower())).name
    charset = _CHARSET_NAMES.get(name) or _iana_spelling(name)
    try:
        codecs.lookup(python_codec(charset))
    except LookupError:  # an IANA spelling Python has no alias for, such as ibm720
        return name
    return charset


def _iana_spelling(name: str) -> str:
    if name.startswith("cp125") or name == "cp874":
        return "windows-" + name[2:]
    if name.startswith("cp"):
        return "ibm" + name[2:]
    if name.startswith(("iso8859", "iso2022")):
        return "iso-" + name[3:].replace("_", "-")
    return name if name == "shift_jis" else name.replace("_", "-")


def charset_problem(charset: str) -> str | None:
    """Why `charset` (as INDEX.md, a values file or a manifest gives it) names no character
    encoding, or None when it names one."""
    try:
        info = codecs.lookup(python_codec(charset.lower()))
    except LookupError:
        return f"{charset!r} is not a character encoding Python knows"
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return f"{charset!r} is Python's {info.name} codec, not a character encoding"
    return None


def _declared(sample: bytes, declared: str) -> EncodingResult:
    problem = charset_problem(declared)
    if problem:
        raise CharsetError(f"declared encoding {problem}")
    name = charset_name(declared)
    marks = _MARKED.get(codecs.lookup(python_codec(name)).name)
    if marks and sample and not sample.startswith(marks):
        raise CharsetError(f"declared encoding {declared!r} needs a byte order mark, and the file "
                         f"has none: declare {name}le or {name}be")
    confidence = "high" if _decodes(sample, name) else "low"
    return EncodingResult(name, "declared", confidence)


def _decodes(sample: bytes, charset: str) -> bool:
    """Whether `sample` decodes strictly, allowing for one character cut off at the end."""
    try:
        text_decoder(charset, "strict").decode(sample, final=False)
    except UnicodeError:
        return False
    return True


def _utf8_confidence(sample: bytes) -> str:
    # Text in a legacy 8-bit charset almost never forms valid multibyte UTF-8 sequences, so a
    # few of them suffice. Pure ASCII reads the same in UTF-8 and every ASCII-compatible
    # charset, so there the length is the evidence.
    non_ascii = _non_ascii(sample)
    if non_ascii:
        return "high" if non_ascii >= MIN_UTF8_EVIDENCE else "low"
    return "high" if len(sample) >= MIN_EVIDENCE else "low"


def _non_ascii(sample: bytes) -> int:
    return len(sample) - len(sample.translate(None, bytes(range(0x80, 0x100))))


def _wide_unicode(sample: bytes) -> EncodingResult | None:
    """UTF-32 or UTF-16 without a BOM, told by where its NUL bytes fall.

    ASCII and Latin text in UTF-16LE has a NUL in every odd byte, in UTF-16BE in every even
    one (UTF-32 likewise, in its top bytes). A guess needs that pattern in at least a quarter
    of the code units, and must decode strictly to text without NUL or control characters,
    which binary formats with NULs (images, archives, executables) fail at once. Wide text
    that is mostly CJK has few NULs: charset-normalizer is left to find that.
    """
    for width in (4, 2):
        body = sample[: len(sample) - len(sample) % width]
        nuls = [body[i::width].count(0) for i in range(width)]
        little = nuls[-1] > nuls[0]
        heavy, light = (nuls[-1], nuls[0]) if little else (nuls[0], nuls[-1])
        if not body or heavy < len(body) / width / 4 or light * 4 > heavy:
            continue
        name = f"utf-{8 * width}{'le' if little else 'be'}"
        if _looks_like_text(body, name):
            confidence = "high" if len(body) >= MIN_EVIDENCE * width else "low"
            return EncodingResult(name, "detected", confidence)
    return None


def _looks_like_text(body: bytes, codec: str) -> bool:
    """Whether `body` decodes strictly to text without NUL and with few control characters."""
    try:
        text = codecs.getincrementaldecoder(codec)().decode(body, final=False)
    except UnicodeDecodeError:
        return False
    if not text or "\x00" in text:
        return False
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\t\n\r\f")
    return printable >= 0.95 * len(text)


def _detected(sample: bytes, *, wide_only: bool) -> EncodingResult:
    """charset-normalizer's best guess, retrying without a character cut off at the end.

    It decodes strictly, so a sample cut inside a GB18030 or Shift_JIS character gets no
    answer at all until the partial character is dropped. With `wide_only` (the sample has
    NUL bytes) only UTF-16/32 counts as text: in any other charset NUL means binary.
    """
    import charset_normalizer

    for cut in range(MAX_CUT + 1):
        best = charset_normalizer.from_bytes(sample[: len(sample) - cut]).best()
        if best is None:
            continue
        name = charset_name(best.encoding)
        if wide_only and not _wide_text(sample, name):
            break
        return EncodingResult(name, "detected", _confidence(sample, best))
    return EncodingResult("", "binary", "high" if wide_only else "medium")


def _wide_text(sample: bytes, name: str) -> bool:
    """Whether a UTF-16/32 guess for bytes with NULs is long enough and reads as text."""
    return (
        name.startswith(("utf-16", "utf-32"))
        and len(sample) >= 2 * MIN_EVIDENCE
        and _looks_like_text(sample, python_codec(name))
    )


def _confidence(sample: bytes, best: charset_normalizer.CharsetMatch) -> str:
    if _non_ascii(sample) < MIN_EVIDENCE:
        return "low"
    return "high" if best.chaos <= MAX_CHAOS else "medium"
