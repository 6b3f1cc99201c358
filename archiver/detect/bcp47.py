"""BCP 47 (RFC 5646) syntax, checked ourselves.

langcodes accepts `en_US` as valid; a declared tag in INDEX.md must be well formed as written, so
the grammar of RFC 5646 section 2.1 is spelled out here. One deliberate narrowing: the grammar's
4- and 5-8-letter primary language subtags are reserved and none is registered, so `english`
(a likely slip for `en`) is refused rather than accepted as well formed.
"""

from __future__ import annotations

import re

_GRANDFATHERED = {
    "en-gb-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux",
    "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-be-fr", "sgn-be-nl",
    "sgn-ch-de", "art-lojban", "cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka",
    "zh-min", "zh-min-nan", "zh-xiang",
}


_LANGTAG = re.compile(
    r"""
    [a-z]{2,3}(?:-[a-z]{3}){0,3}                            # language, extlang
    (?:-[a-z]{4})?                                          # script
    (?:-(?:[a-z]{2}|\d{3}))?                                # region
    (?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*                     # variants
    (?:-[\da-wyz](?:-[a-z\d]{2,8})+)*                       # extensions
    (?:-x(?:-[a-z\d]{1,8})+)?                               # private use
    """,
    re.VERBOSE,
)


_PRIVATE = re.compile(r"x(?:-[a-z\d]{1,8})+")


def is_well_formed(tag: str) -> bool:
    """True if `tag` follows the BCP 47 grammar (case-insensitive, hyphens only)."""
    lowered = tag.lower()
    if not lowered.isascii():
        return False
    return bool(
        lowered in _GRANDFATHERED or _LANGTAG.fullmatch(lowered) or _PRIVATE.fullmatch(lowered)
    )


