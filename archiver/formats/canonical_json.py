"""Canonical JSON: the one form in which manifests are written and hashed.

What is hashed is RFC 8785 (JSON Canonicalization Scheme) output from the `rfc8785` package:
keys sorted by UTF-16 code units, no whitespace, UTF-8. The manifest file itself is the same
document indented for people (`pretty`). No floats anywhere: JCS prints floats the ECMAScript
way, and a float's text differs between producers, so a hash over one would not be reproducible.
For the strings and integers a manifest holds, the JCS bytes equal the sorted compact JSON used
before, so snapshot ids did not change when this module moved to `rfc8785`.

Speed (issue 5): where JCS and the standard library's C encoder provably agree (object keys all
ASCII, so UTF-16 and code-point order are one order; no floats; strings that are valid Unicode),
`compact` uses the C encoder, about fifteen times faster than `rfc8785`'s pure Python; anything
else goes to `rfc8785`. `indented` writes `json.dumps(indent=2, sort_keys=True)`'s text without
the standard library's slow pure-Python indenting encoder. Tests hold both to their references.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

import rfc8785

from archiver.base.digests import sha256_hex


def pretty(document: Any) -> bytes:
    """The manifest file's bytes: indented for people, still canonical."""
    return (indented(document, 0) + "\n").encode("utf-8")


def compact(document: Any) -> bytes:
    """RFC 8785 canonical bytes: what every JSON hash is taken over."""
    if _plain(document):
        try:
            return json.dumps(document, sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: rfc8785 says what is wrong
            pass
    return rfc8785.dumps(document)


def digest_label(document: Any) -> str:
    return "sha256:" + sha256_hex(compact(document))


def _plain(value: Any) -> bool:
    """True if every object key is ASCII; raise TypeError on a float anywhere.

    A walk with a stack, not recursion through generators: it runs on every seed's entry."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            for key in item:
                if type(key) is not str or not key.isascii():
                    return False
            stack.extend(item.values())
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif not (kind is str or kind is int or item is None or kind is bool):
            _refuse_floats(item)
            return False
    return True


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
    out: list[str] = []
    _indent(value, "\n" + "  " * depth, out)
    return "".join(out)


def _indent(value: Any, newline: str, out: list[str]) -> None:
    """Append `json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)`'s pieces."""
    kind = type(value)
    if kind is str:
        out.append(encode_basestring(value))
    elif kind is dict:
        _items("{}", [(_key(key) + ": ", value[key]) for key in sorted(value)], newline, out)
    elif kind is list or kind is tuple:
        _items("[]", [("", item) for item in value], newline, out)
    elif value is None:
        out.append("null")
    elif kind is bool:
        out.append("true" if value else "false")
    elif kind is int:
        out.append(int.__repr__(value))
    else:
        _refuse_floats(value)
        raise TypeError(f"{kind.__name__} is not allowed in canonical JSON")


def _items(brackets: str, items: list[tuple[str, Any]], newline: str, out: list[str]) -> None:
    """An object's or array's items, one a line, each after its key (or "")."""
    if not items:
        out.append(brackets)
        return
    inner = newline + "  "
    separator = brackets[0] + inner
    for prefix, item in items:
        out.append(separator + prefix)
        _indent(item, inner, out)
        separator = "," + inner
    out.append(newline + brackets[1])


def _key(key: Any) -> str:
    if type(key) is not str:
        raise TypeError("object keys must be strings in canonical JSON")
    return encode_basestring(key)


def string(value: str) -> str:
    """A JSON string, as `pretty` writes it."""
    return encode_basestring(value)
