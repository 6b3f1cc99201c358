"""Language tags that exist: every subtag registered in the IANA Language Subtag Registry.

A tag can follow the BCP 47 grammar (`bcp47.py`) and still name nothing: `jp` is two letters
like `ja`, but no language. The registry is the copy langcodes ships (its `File-Date` is
`registry_date()`), read once, when the first tag is checked. A tag is valid as RFC 5646
section 2.2.9 says: each subtag registered for its place (private-use ranges included), an
extlang only after its prefix, no variant or extension singleton twice (an extension's own
subtags, `u-ca-gregory`, belong to other registries and are not checked). Where a likely tag
exists it is suggested: a country code used as a language gives that country's likely language
(`jp` → `ja`, from CLDR's likely subtags), an ISO 639-2 code its registered form (`eng` → `en`),
a replaced region its successor (`en-UK` → `en-GB`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

import langcodes

from archiver.detect.bcp47 import is_well_formed

_ENTRY = re.compile(r"^Type: (\w+)\n(?:Subtag|Tag): (\S+)", re.MULTILINE)
_EXTLANG = re.compile(r"^Type: extlang\nSubtag: (\w+)\n(?:.+\n)*?Prefix: (\w+)", re.MULTILINE)
_DATE = re.compile(r"^File-Date: (\S+)", re.MULTILINE)
_WHOLE_TAGS = ("grandfathered", "redundant")


@dataclass(frozen=True)
class Registry:
    """The registry's subtags by type, its ranges (`qaa..qtz`), extlang prefixes, file date."""

    subtags: dict[str, frozenset[str]]
    ranges: dict[str, tuple[tuple[str, str], ...]]
    prefixes: dict[str, str]
    date: str

    def has(self, kind: str, subtag: str) -> bool:
        return subtag in self.subtags.get(kind, ()) or any(
            len(first) == len(subtag) and first <= subtag <= last
            for first, last in self.ranges.get(kind, ()))


@functools.cache
def registry() -> Registry:
    text = resources.files("langcodes").joinpath("data", "language-subtag-registry.txt") \
        .read_text("utf-8")
    subtags: dict[str, set[str]] = {}
    ranges: dict[str, list[tuple[str, str]]] = {}
    for kind, subtag in _ENTRY.findall(text):
        first, _, last = subtag.lower().partition("..")
        if last:
            ranges.setdefault(kind, []).append((first, last))
        else:
            subtags.setdefault(kind, set()).add(first)
    date = _DATE.search(text)
    return Registry({kind: frozenset(names) for kind, names in subtags.items()},
                    {kind: tuple(pairs) for kind, pairs in ranges.items()},
                    {sub.lower(): prefix.lower() for sub, prefix in _EXTLANG.findall(text)},
                    date[1] if date else "unknown")


def registry_date() -> str:
    return registry().date


@functools.lru_cache(maxsize=1024)
def tag_problem(tag: str) -> str | None:
    """None if `tag` is a valid BCP 47 tag; else what is wrong, with a likely tag if there is
    one ("'jp' is not a registered language subtag; did you mean 'ja'?")."""
    if not is_well_formed(tag):
        return "not well formed (use BCP 47, e.g. en, zh-Hans, pt-BR)"
    found = _unregistered(tag.lower())
    if found is None:
        return None
    index, kind = found
    subtag = tag.split("-")[index]
    problem = (f"{subtag!r} is repeated" if kind == "repeated" else
               f"{subtag!r} is not a registered {kind} subtag (IANA Language Subtag Registry of "
               f"{registry_date()})")
    likely = _likely(tag, index, kind)
    return problem + (f"; did you mean {likely!r}?" if likely else "")


def _unregistered(tag: str) -> tuple[int, str] | None:
    """The first subtag of a well-formed, lowercased tag that the registry does not hold for
    its place: its index and the place's name; None if there is none."""
    known = registry()
    if tag.startswith("x-") or any(known.has(kind, tag) for kind in _WHOLE_TAGS):
        return None
    parts = tag.split("-")
    if not known.has("language", parts[0]):
        return 0, "language"
    index = 1
    while index < len(parts) and len(parts[index]) == 3 and parts[index].isalpha():
        if known.prefixes.get(parts[index]) != parts[0] or index > 1:
            return index, "extlang"
        index += 1
    places = (("script", lambda s: len(s) == 4 and s.isalpha()),
              ("region", lambda s: len(s) == 2 and s.isalpha() or len(s) == 3 and s.isdigit()))
    for kind, fits in places:
        if index < len(parts) and fits(parts[index]):
            if not known.has(kind, parts[index]):
                return index, kind
            index += 1
    variants: set[str] = set()
    singletons: set[str] = set()
    for place, subtag in enumerate(parts[index:], start=index):  # variants, extensions, x-
        if subtag == "x":
            break
        if len(subtag) == 1 and subtag in singletons or not singletons and subtag in variants:
            return place, "repeated"
        if len(subtag) == 1:
            singletons.add(subtag)  # an extension's own subtags are in other registries
        elif not singletons:
            variants.add(subtag)
            if not known.has("variant", subtag):
                return place, "variant"
    return None


def _likely(tag: str, index: int, kind: str) -> str | None:
    parts = tag.split("-")
    region = parts[0].lower()  # a country's code where its language's belongs: its likely one
    if kind == "language" and region in registry().subtags["region"] and region != "zz":
        likely = langcodes.Language.get("und-" + parts[0].upper()).maximize().language
        candidate = "-".join([likely or "", *parts[1:]])
    elif kind in ("language", "region"):
        try:
            candidate = str(langcodes.standardize_tag(tag))
        except ValueError:
            return None
    else:
        return None
    fine = candidate.lower() != tag.lower() and "-zz" not in candidate.lower()
    return candidate if fine and tag_problem(candidate) is None else None
