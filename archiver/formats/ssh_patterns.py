"""OpenSSH's principal and namespace patterns (match.c), matched in linear passes.

`*` matches any run of bytes and `?` any one byte; a list is comma-separated, and a pattern
starting with `!` that matches makes the whole list fail. Matching is on bytes, as OpenSSH's is:
`?` is one byte of UTF-8, not one character. OpenSSH answers the same as a backtracking search;
here one pass keeps the last `*` and where it resumed, so the cost is at most the product of the
two lengths, never exponential.
"""

from __future__ import annotations

_MAX_PATTERN = 1023  # match_pattern_list copies each pattern into char[1024]; longer: no match


def match_pattern(name: bytes, pattern: bytes) -> bool:
    """Whether `name` matches the `*`/`?` pattern as a whole."""
    at = spot = 0
    star = resume = -1
    while at < len(name):
        if spot < len(pattern) and pattern[spot] == 0x2A:  # "*"
            star, resume = spot, at
            spot += 1
        elif spot < len(pattern) and pattern[spot] in (0x3F, name[at]):  # "?" or the same byte
            at += 1
            spot += 1
        elif star >= 0:
            resume += 1
            at, spot = resume, star + 1
        else:
            return False
    return all(byte == 0x2A for byte in pattern[spot:])


def match_list(name: bytes, patterns: bytes) -> bool:
    """OpenSSH's match_pattern_list(name, patterns, 0) == 1: some pattern matches, no `!` one
    does (a comma at the very end starts no empty pattern)."""
    matched = False
    listed = patterns.split(b",")
    for pattern in listed[:-1] if patterns.endswith(b",") else listed if patterns else []:
        negated = pattern.startswith(b"!")
        pattern = pattern[1:] if negated else pattern
        if len(pattern) >= _MAX_PATTERN:
            return False
        if match_pattern(name, pattern):
            if negated:
                return False
            matched = True
    return matched
