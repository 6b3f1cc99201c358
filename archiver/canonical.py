"""Canonical JSON: the one form in which manifests are written and hashed.

Keys sorted, UTF-8 kept as is, no floats anywhere (a float's text differs between serializers and
would break the hash), a final newline. For the integers and strings a manifest holds, the compact
form here equals RFC 8785 (JCS) output.
"""

from __future__ import annotations

import json
from typing import Any

from .hashing import sha256_hex


def pretty(document: Any) -> bytes:
    """The manifest file's bytes: indented for people, still canonical."""
    _refuse_floats(document)
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def compact(document: Any) -> bytes:
    _refuse_floats(document)
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


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
