"""A manifest read without holding it: its top level whole, its seeds' entries one by one.

verify reads a manifest of any size this way (`verification/parallel.py`): each entry goes to
the caller with where its text lies, and is dropped; the bytes are hashed on the way. The text
is decoded as `files.parse_manifest` decodes it and every value by the same JSON decoder, so an
entry read here is the entry the whole document holds. Whatever this reader does not follow (a
key listed twice at the top level, `seeds` not an array, anything `parse_manifest` would refuse)
is `Unstreamable`, and the caller reads the manifest whole, which names the problem.

Everything is read from one open file (`ManifestFile`), never again by its path: a manifest
replaced while it is verified is not read halfway from the new file.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from archiver.base.digests import Digest, Hasher, Signed
from archiver.base.memory import collector_paused
from archiver.manifest.files import open_manifest, read_open, refuse_fraction

BLOCK = 1 << 20
_SPACES = re.compile("[ \t\n\r]*")  # the whitespace JSON allows, and nothing else
_DECODER = json.JSONDecoder(parse_float=refuse_fraction)
# raw_decode without its wrapping: StopIteration where no value starts
_SCAN = _DECODER.scan_once  # type: ignore[attr-defined]


class Unstreamable(Exception):
    """The manifest is not read this way: the caller reads it whole."""


class ManifestFile:
    """A manifest opened once (a regular file only: OSError otherwise, as `read_manifest_bytes`
    refuses it); every read below is of this open file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stream = open_manifest(path)

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> ManifestFile:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def read_all(self) -> bytes:
        """Its bytes, from the start (the one-core check reads them so)."""
        self._stream.seek(0)
        return read_open(self.path, self._stream)

    def text(self, *, signed: bool = False) -> _Text:
        """Its text from the start, decoded block by block (`signed`: and its sha512 made, for
        an SSH signature)."""
        self._stream.seek(0)
        return _Text(self._stream, signed)


class _Text:
    """The text read so far and not yet dropped: `self.text[i]` is the manifest's character
    `self.base + i`. The bytes are hashed as they are read."""

    def __init__(self, stream: BinaryIO, signed: bool) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._hasher = Hasher(sha512=signed)
        self.text = ""
        self.base = 0
        self._dropped = 0
        self.eof = False

    def more(self, size: int = 0) -> bool:
        """Read another block (of `size` characters, else BLOCK); False at the end of the file."""
        if self.eof:
            return False
        try:
            block = self._stream.read(size or BLOCK)
        except OSError:  # read whole, it is named as unreadable
            raise Unstreamable from None
        self._hasher.update(block)
        self.eof = not block
        try:
            decoded = self._decoder.decode(block, final=self.eof)
        except UnicodeDecodeError:
            raise Unstreamable from None
        self.text = self.text[self._dropped - self.base:] + decoded  # one copy a block
        self.base = self._dropped
        return True

    def drop(self, upto: int) -> None:
        """The text before character `upto` is no longer needed (forgotten at the next read)."""
        self._dropped = upto

    def to_end(self) -> Digest:
        while self.more():
            pass
        return Digest(self._hasher.hexdigest(), self._hasher.size)

    def signed(self) -> Signed | None:
        return self._hasher.signed()

    def skip_space(self, at: int) -> int:
        """The first character at or after `at` that is not whitespace (read as far as needed)."""
        while True:
            local = _SPACES.match(self.text, at - self.base).end()  # type: ignore[union-attr]
            at = local + self.base  # before a read moves the base
            if local < len(self.text) or not self.more():
                return at

    def char(self, at: int) -> str:
        while at - self.base >= len(self.text):
            if not self.more():
                return ""
        return self.text[at - self.base]

    def value(self, at: int) -> tuple[Any, int]:
        """The JSON value starting at `at`, and where it ends. A value that ends where the text
        read so far ends may go on (a number): it is taken only with the next character read."""
        size = BLOCK
        while True:
            local = at - self.base
            try:
                found, end = _SCAN(self.text, local)
            except (StopIteration, json.JSONDecodeError):  # perhaps only cut short: read on
                if not self.more(size):
                    raise Unstreamable from None
                size *= 2  # an entry larger than a block: read ahead faster than it grows
                continue
            except (ValueError, RecursionError):  # a fraction, or nested too deeply
                raise Unstreamable from None
            if end < len(self.text) or not self.more(size):
                return found, end + self.base


@dataclass(frozen=True)
class Scanned:
    """The manifest's top level (`seeds` left out: the entries went to the caller), the digest
    of its bytes, and what an SSH signature of them covers if asked."""

    top: dict[str, Any]
    digest: Digest
    signed: Signed | None


def scan(manifest: ManifestFile, on_seed: Callable[[Any, int, int], None], *,
         signed: bool = False) -> Scanned:
    """Read the manifest once: each seed's entry goes to `on_seed(entry, begin, end)`, in order,
    with the characters its text spans; Unstreamable if it is not read this way. `signed`: its
    sha256 and sha512 made too, for an SSH signature."""
    with collector_paused():  # JSON makes no cycle (`files.parse_manifest`)
        return _scan(manifest.text(signed=signed), on_seed)


def _scan(text: _Text, on_seed: Callable[[Any, int, int], None]) -> Scanned:
    top: dict[str, Any] = {}
    at = text.skip_space(0)
    if text.char(at) != "{":
        raise Unstreamable
    at = text.skip_space(at + 1)
    while text.char(at) != "}":
        if top and text.char(at) == ",":
            at = text.skip_space(at + 1)
        elif top:
            raise Unstreamable
        key, at = text.value(at)
        at = text.skip_space(at)
        if not isinstance(key, str) or key in top or text.char(at) != ":":
            raise Unstreamable
        at = text.skip_space(at + 1)
        if key == "seeds":
            at = _entries(text, at, on_seed)
            top[key] = None
        else:
            top[key], at = text.value(at)
        at = text.skip_space(at)
        text.drop(at)
    if text.skip_space(at + 1) - text.base != len(text.text) or "seeds" not in top:
        raise Unstreamable  # anything after the object, or no seeds array
    del top["seeds"]
    digest = text.to_end()
    return Scanned(top, digest, text.signed())


def _entries(text: _Text, at: int, on_seed: Callable[[Any, int, int], None]) -> int:
    """The seeds array starting at `at`: each entry to `on_seed`; where the array ends."""
    if text.char(at) != "[":
        raise Unstreamable
    at = text.skip_space(at + 1)
    count = 0
    while text.char(at) != "]":
        if count and text.char(at) != ",":
            raise Unstreamable
        if count:
            at = text.skip_space(at + 1)
        entry, end = text.value(at)
        on_seed(entry, at, end)
        count += 1
        at = text.skip_space(end)
        text.drop(at)
    return at + 1


def spans(manifest: ManifestFile, wanted: Iterable[tuple[int, int]],
          digest: Digest) -> Iterator[str]:
    """Read the manifest again and give the text of each span in `wanted` (in order, none
    overlapping); then read to its end and raise Unstreamable if its bytes are no longer the
    ones `scan` read (`digest`)."""
    text = manifest.text()
    for begin, end in wanted:
        while end - text.base > len(text.text):
            if not text.more():
                raise Unstreamable
        yield text.text[begin - text.base:end - text.base]
        text.drop(end)
    if text.to_end() != digest:
        raise Unstreamable


def entries_of(text: str) -> list[Any]:
    """The entries in the text of consecutive entries (separated by commas, as `spans` cuts
    them), decoded as the whole manifest would decode them; ValueError if they do not decode."""
    with collector_paused():
        return _DECODER.decode("[" + text + "]")  # type: ignore[no-any-return]
