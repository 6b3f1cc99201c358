"""Citation metadata for a snapshot: CITATION.cff, BibTeX, CSL-JSON and DataCite JSON.

One `CitationData` becomes four texts, so a snapshot can be cited from whatever tool a reader
uses, and every citation carries the content-derived snapshot id and the manifest digest that
pin it to exact bytes. Nothing is made up:

- Creators are split into family and given names only when the form says which is which (see
  `parse_name`); any other name is kept whole, as written.
- CITATION.cff gets `license` only when it is an id from the SPDX list in the CFF 1.2.0 schema:
  that schema has no field for free text, and an invalid id would make the whole file invalid.
  The other formats keep whatever licence text was given.
- DataCite requires a publisher and nothing here knows one. Rather than name the first creator
  or this tool, the record says `(:unav)`, DataCite's own code for "value unavailable"; whoever
  registers a DOI replaces it.
- The packaging `date` is the only date there is: CFF `date-released`, BibTeX `year`/`date`,
  CSL `issued`, DataCite `publicationYear` and a `Created` date.

The CFF YAML is written here (every string double-quoted and escaped), so the module needs no
YAML library. JSON output is canonical: sorted keys, two-space indent, UTF-8, final newline.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date as Date
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from archiver.formats.visible import INVISIBLE, escaped, json_escaped

FORMATS = ("cff", "bibtex", "csl-json", "datacite")


CFF_MESSAGE = "If you use this snapshot, please cite it using the metadata from this file."


DATACITE_UNAVAILABLE = "(:unav)"


_CFF_SCHEMA = Path(__file__).parent.parent / "schemas" / "vendor" / "citation-cff-1.2.0.schema.json"


# Words that mark a name as an organisation's. Lower case, compared word by word.
_ORG_WORDS = frozenset("""
    academy agency alliance and archive archives association board bureau center centre college
    commission committee community company consortium contributors corp corporation council
    department developers foundation gmbh government group inc initiative institut institute
    instituto lab laboratories laboratory labs library limited llc ltd maintainers ministry museum
    network office organisation organization press project publishing research school service
    services society team trust universidad universidade università universität université
    university
""".split())


@dataclass(frozen=True)
class CitationData:
    """What a citation says about one snapshot; checked on construction (ValueError if unusable)."""

    title: str
    creators: tuple[str, ...]
    license: str | None
    description: str | None
    snapshot_id: str
    manifest_sha256: str
    date: str
    version: str
    tool: str
    keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for field in ("title", "snapshot_id", "version", "tool"):
            if not getattr(self, field).strip():
                raise ValueError(f"citation {field} is empty")
        if not re.fullmatch(r"[0-9a-f]{64}", self.manifest_sha256):
            raise ValueError(f"manifest sha256 is not 64 lowercase hex: {self.manifest_sha256!r}")
        _check_date(self.date)
        _check_creators(self.creators)


@dataclass(frozen=True)
class Name:
    """A creator: a person when `family` is set, otherwise a name kept whole as written."""

    text: str
    family: str | None = None
    given: str | None = None
    organisation: bool = False


def render(data: CitationData, fmt: str) -> str:
    """The citation in `fmt` (one of FORMATS) as text ending in a newline."""
    renderers: dict[str, Callable[[CitationData], str]] = {
        "cff": _cff, "bibtex": _bibtex, "csl-json": _csl_json, "datacite": _datacite,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown citation format {fmt!r}: use one of {', '.join(FORMATS)}")
    return renderers[fmt](data)


def parse_name(text: str) -> Name:
    """Split a creator the way a person would read it, and only when the form is unambiguous.

    An organisational word (University, Institute, Team, Project, Inc, and, ...), a leading
    "The" or an "&" makes it an organisation. Otherwise "Family, Given" (one comma) and
    "Given Family" (two to four words) are persons, the last word being the family name; name
    words hold letters, marks, and . ' ’ - only. Anything else (one word, digits, five words) is
    kept whole: it may be a mononym or an organisation, and we do not guess which. Particles are
    not recognised: write "van Beethoven, Ludwig" to keep "van" with the family name.
    """
    text = " ".join(text.split())
    if not text:
        raise ValueError("a creator name is empty")
    words = [w.strip(".,;:()").lower() for w in text.replace(",", " ").split()]
    if "&" in text or words[0] == "the" or any(w in _ORG_WORDS for w in words):
        return Name(text, organisation=True)
    if text.count(",") == 1:
        family, given = (part.strip() for part in text.split(","))
        if _name_words(family) and _name_words(given):
            return Name(text, family=family, given=given)
    elif 2 <= len(text.split()) <= 4 and _name_words(text):
        *given_names, family = text.split()
        return Name(text, family=family, given=" ".join(given_names))
    return Name(text)


def spdx_ids() -> frozenset[str]:
    """The SPDX licence ids that CFF 1.2.0 accepts (read from the vendored schema)."""
    return _spdx_ids()


def _cff(data: CitationData) -> str:
    lines = [
        f"cff-version: {_yaml('1.2.0')}",
        f"message: {_yaml(CFF_MESSAGE)}",
        "type: dataset",
        f"title: {_yaml(data.title)}",
        "authors:",
        *(line for name in _names(data) for line in _cff_author(name)),
        f"version: {_yaml(data.version)}",
        f"date-released: {_yaml(data.date)}",
    ]
    if (licence := _present(data.license)) and licence in spdx_ids():
        lines.append(f"license: {_yaml(licence)}")
    if description := _present(data.description):
        lines.append(f"abstract: {_yaml(description)}")
    if keywords := _keywords(data):
        lines += ["keywords:", *(f"  - {_yaml(k)}" for k in keywords)]
    lines += [
        "identifiers:",
        *_cff_identifier(data.snapshot_id, f"Snapshot id derived from the content by {data.tool}."),
        *_cff_identifier(f"sha256:{data.manifest_sha256}", "SHA-256 of the snapshot's manifest."),
    ]
    return "\n".join(lines) + "\n"


def _cff_author(name: Name) -> list[str]:
    if name.family is None:
        return [f"  - name: {_yaml(name.text)}"]
    return [f"  - family-names: {_yaml(name.family)}",
            f"    given-names: {_yaml(name.given or '')}"]


def _cff_identifier(value: str, description: str) -> list[str]:
    return ["  - type: other", f"    value: {_yaml(value)}",
            f"    description: {_yaml(description)}"]


_YAML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _yaml(text: str) -> str:
    """A YAML double-quoted scalar; escapes what YAML would not read back as the same text."""
    return '"' + "".join(_yaml_char(ch) for ch in text) + '"'


def _yaml_char(ch: str) -> str:
    if ch in _YAML_ESCAPES:
        return _YAML_ESCAPES[ch]
    code = ord(ch)
    # YAML's printable set, minus the characters it would read as line breaks or a BOM.
    printable = 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
    if (printable or code >= 0x10000) and code != 0xFEFF and not INVISIBLE.match(ch):
        return ch  # a bidi control is printable to YAML, but not shown raw (see `visible`)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


# One pass, so the backslashes we add are never escaped again. Braces become commands because
# BibTeX counts even a backslashed brace, so "\{" alone breaks a title with one unmatched brace.
_TEX_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
    "%": r"\%", "&": r"\&", "$": r"\$", "#": r"\#", "_": r"\_",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _bibtex(data: CitationData) -> str:
    year, month, _ = data.date.split("-")
    fields = [
        ("title", _braced(data.title)),
        ("author", "{" + " and ".join(_bib_name(n) for n in _names(data)) + "}"),
        ("year", "{" + year + "}"),
        ("month", _MONTHS[int(month) - 1]),
        ("date", "{" + data.date + "}"),
        ("version", _braced(data.version)),
        ("howpublished", _braced(f"Snapshot {data.snapshot_id}")),
        ("note", _braced(_provenance(data))),
    ]
    optional = [("abstract", _present(data.description)), ("license", _present(data.license)),
                ("keywords", ", ".join(_keywords(data)) or None)]
    fields += [(key, _braced(value)) for key, value in optional if value]
    body = ",\n".join(f"  {key} = {value}" for key, value in fields)
    return f"@misc{{{citation_key(data)},\n{body}\n}}\n"


def citation_key(data: CitationData) -> str:
    """A BibTeX/CSL key from the batch id, in characters every BibTeX tool accepts."""
    key = re.sub(r"[^A-Za-z0-9_-]+", "-", data.version).strip("-")
    return key if key[:1].isalpha() else f"snapshot-{key}".rstrip("-")


def _bib_name(name: Name) -> str:
    if name.family is None:  # braces keep BibTeX from splitting it into first and last names
        return "{" + _tex(name.text) + "}"
    return f"{_tex(name.family)}, {_tex(name.given or '')}"


def _braced(text: str) -> str:
    return "{" + _tex(text) + "}"


def _tex(text: str) -> str:
    return "".join(_tex_char(ch) for ch in " ".join(text.split()))


def _tex_char(ch: str) -> str:
    """A TeX special as its command; a control or bidi character (see `visible`) as the visible
    text of its escape, `\\x1b` or `\\u202e`, which TeX typesets as it reads."""
    if ch in _TEX_ESCAPES:
        return _TEX_ESCAPES[ch]
    if INVISIBLE.match(ch):
        return _TEX_ESCAPES["\\"] + escaped(ch)[1:]
    return ch


def _csl_json(data: CitationData) -> str:
    item: dict[str, Any] = {
        "id": citation_key(data), "citation-key": citation_key(data), "type": "dataset",
        "title": data.title, "author": [_csl_name(n) for n in _names(data)],
        "issued": {"date-parts": [[int(part) for part in data.date.split("-")]]},
        "version": data.version, "note": _provenance(data),
    }
    if description := _present(data.description):
        item["abstract"] = description
    if keywords := _keywords(data):
        item["keyword"] = ", ".join(keywords)
    return _canonical_json([item])


def _csl_name(name: Name) -> dict[str, str]:
    if name.family is None:
        return {"literal": name.text}
    return {"family": name.family, "given": name.given or ""}


def _datacite(data: CitationData) -> str:
    record: dict[str, Any] = {
        "schemaVersion": "http://datacite.org/schema/kernel-4",
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Web archive snapshot"},
        "titles": [{"title": data.title}],
        "creators": [_datacite_creator(n) for n in _names(data)],
        "publisher": {"name": DATACITE_UNAVAILABLE},
        "publicationYear": data.date[:4],
        "dates": [{"date": data.date, "dateType": "Created"}],
        "version": data.version,
        "alternateIdentifiers": [
            {"alternateIdentifier": data.snapshot_id,
             "alternateIdentifierType": "Snapshot id"},
            {"alternateIdentifier": f"sha256:{data.manifest_sha256}",
             "alternateIdentifierType": "Manifest SHA-256"},
        ],
        "descriptions": [{"description": _provenance(data), "descriptionType": "TechnicalInfo"}],
    }
    if description := _present(data.description):
        abstract = {"description": description, "descriptionType": "Abstract"}
        record["descriptions"].insert(0, abstract)
    if licence := _present(data.license):
        record["rightsList"] = [_datacite_rights(licence)]
    if keywords := _keywords(data):
        record["subjects"] = [{"subject": k} for k in keywords]
    return _canonical_json(record)


def _datacite_creator(name: Name) -> dict[str, str]:
    if name.family is not None:
        return {"name": f"{name.family}, {name.given}", "nameType": "Personal",
                "familyName": name.family, "givenName": name.given or ""}
    if name.organisation:
        return {"name": name.text, "nameType": "Organizational"}
    return {"name": name.text}  # a mononym or an organisation: DataCite's nameType is optional


def _datacite_rights(licence: str) -> dict[str, str]:
    if licence not in spdx_ids():
        return {"rights": licence}
    return {"rights": licence, "rightsIdentifier": licence, "rightsIdentifierScheme": "SPDX",
            "schemeUri": "https://spdx.org/licenses/",
            "rightsUri": f"https://spdx.org/licenses/{licence}.html"}


def _canonical_json(value: object) -> str:
    return json_escaped(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)) + "\n"


def _provenance(data: CitationData) -> str:
    return (f"Snapshot {data.snapshot_id}; manifest sha256:{data.manifest_sha256}; "
            f"packaged with {data.tool}")


def _names(data: CitationData) -> list[Name]:
    return [parse_name(creator) for creator in data.creators]


def _keywords(data: CitationData) -> list[str]:
    """Keywords trimmed, without blanks or repeats (CFF requires them unique and non-empty)."""
    return list(dict.fromkeys(k.strip() for k in data.keywords if k.strip()))


def _present(text: str | None) -> str | None:
    return text.strip() if text and text.strip() else None


def _name_words(text: str) -> bool:
    return bool(text) and all(_is_name_word(word) for word in text.split())


def _is_name_word(word: str) -> bool:
    return word[0].isalpha() and all(
        ch.isalpha() or ch in ".'’-" or unicodedata.category(ch).startswith("M") for ch in word
    )


def _check_date(text: str) -> None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"citation date is not YYYY-MM-DD: {text!r}")
    try:
        Date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"citation date does not exist: {text!r}") from None


def _check_creators(creators: tuple[str, ...]) -> None:
    names = [" ".join(c.split()) for c in creators]
    if not names or not all(names):
        raise ValueError("a citation needs at least one creator, and no blank ones")
    if len(set(names)) != len(names):
        raise ValueError(f"creator listed twice: {next(n for n in names if names.count(n) > 1)!r}")


@lru_cache(maxsize=1)
def _spdx_ids() -> frozenset[str]:
    schema = json.loads(_CFF_SCHEMA.read_text(encoding="utf-8"))
    return frozenset(schema["definitions"]["license-enum"]["enum"])
