"""Canonical JSON: the one form in which manifests are written and hashed.

What is hashed is RFC 8785 (JSON Canonicalization Scheme) output from the `rfc8785` package:
keys sorted by UTF-16 code units, no whitespace, UTF-8. The manifest file itself is the same
document indented for people (`pretty`). No floats anywhere: JCS prints floats the ECMAScript
way, and a float's text differs between producers, so a hash over one would not be reproducible.
For the strings and integers a manifest holds, the JCS bytes equal the sorted compact JSON used
before, so snapshot ids did not change when this module moved to `rfc8785`.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from .hashing import sha256_hex


def pretty(document: Any) -> bytes:
    """The manifest file's bytes: indented for people, still canonical."""
    _refuse_floats(document)
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def compact(document: Any) -> bytes:
    """RFC 8785 canonical bytes: what every JSON hash is taken over."""
    _refuse_floats(document)
    return rfc8785.dumps(document)


def digest_label(document: Any) -> str:
    return "sha256:" + sha256_hex(compact(document))


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("floats are not allowed in canonical JSON")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)


def indented(value: Any, depth: int) -> str:
    """`value` as `pretty` writes it `depth` levels deep (no newline before or after)."""
    _refuse_floats(value)
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    # JSON strings never hold a raw newline, so every newline here is layout.
    return text.replace("\n", "\n" + "  " * depth) if depth else text


def string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)
