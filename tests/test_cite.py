"""Citations: each format parsed back by an independent reader and checked against its schema."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

import bibtexparser
import jsonschema
import pytest
import yaml
from bibtexparser import middlewares
from hypothesis import given
from hypothesis import strategies as st
from pylatexenc.latex2text import (
    LatexNodes2Text,
    MacroTextSpec,
    get_default_latex_context_db,
)

from archiver.formats.bibliographic import (
    FORMATS,
    CitationData,
    Name,
    citation_key,
    parse_name,
    render,
)

VENDOR = Path(__file__).resolve().parent.parent / "archiver" / "schemas" / "vendor"
TITLE = "Fish & Chips: 100% {raw_data} of 中文档案 ~^\\$#"
NFD_NAME = unicodedata.normalize("NFD", "José Núñez")  # accents as combining marks
SNAPSHOT = "sha256:" + "ab" * 32
MANIFEST = "cd" * 32
DATA = CitationData(
    title=TITLE,
    creators=("Jane Doe", "Doe, John", "Example Archive Project", "张三"),
    license="CC-BY-4.0",
    description='Seed documents, "as found".\nSecond line.',
    snapshot_id=SNAPSHOT,
    manifest_sha256=MANIFEST,
    date="2021-03-18",
    version="seeds-2021",
    tool="archiver 0.1.0",
    keywords=("web archive", "档案", "web archive"),
)


def schema(name: str) -> Any:
    return json.loads((VENDOR / name).read_text(encoding="utf-8"))


def validate(instance: object, schema_name: str) -> None:
    """Validate with the draft the schema declares; every error, not just the first."""
    document = schema(schema_name)
    validator_class = jsonschema.validators.validator_for(document)
    validator_class.check_schema(document)
    validator = validator_class(document, format_checker=validator_class.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert errors == []


@pytest.mark.parametrize(("name", "sha256"), [
    ("citation-cff-1.2.0.schema.json", "0b8d22140da702d766df318dcff3a91af2f39521298dcf36d76315fd99cc169b"),
    ("csl-data.schema.json", "23b2c062d7526060f4631bb04b4b3ba237e488484253e327bd00fa691861b811"),
    ("datacite-v4.5.schema.json", "6e4256848aef917ae85e69ec0e7ef6807e12631ea4c767b477b6352a2331ec56"),
])
def test_vendored_schemas_are_the_upstream_bytes(name: str, sha256: str) -> None:
    """The digests recorded in schemas/vendor/README.md: a changed schema must be a deliberate update."""
    assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == sha256
    assert sha256 in (VENDOR / "README.md").read_text(encoding="utf-8")
    assert (VENDOR / name.replace(".schema.json", ".LICENSE")).is_file()


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown citation format 'ris'"):
        render(DATA, "ris")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_deterministic_text_ending_in_newline(fmt: str) -> None:
    assert render(DATA, fmt) == render(replace(DATA), fmt)
    assert render(DATA, fmt).endswith("\n")


# --- CFF -------------------------------------------------------------------------------------


def test_cff_parses_and_matches_the_cff_schema() -> None:
    cff = yaml.safe_load(render(DATA, "cff"))
    validate(cff, "citation-cff-1.2.0.schema.json")
    assert cff["cff-version"] == "1.2.0"
    assert cff["type"] == "dataset"
    assert cff["title"] == TITLE
    assert cff["authors"] == [
        {"family-names": "Doe", "given-names": "Jane"},
        {"family-names": "Doe", "given-names": "John"},
        {"name": "Example Archive Project"},
        {"name": "张三"},
    ]
    assert (cff["version"], cff["date-released"], cff["license"]) == ("seeds-2021", "2021-03-18", "CC-BY-4.0")
    assert cff["abstract"] == DATA.description
    assert cff["keywords"] == ["web archive", "档案"]
    assert [(i["type"], i["value"]) for i in cff["identifiers"]] == [
        ("other", SNAPSHOT), ("other", f"sha256:{MANIFEST}"),
    ]


@pytest.mark.parametrize("licence", ["MIT OR Apache-2.0", "all rights reserved", "cc-by-4.0"])
def test_cff_leaves_out_a_licence_its_schema_does_not_list(licence: str) -> None:
    cff = yaml.safe_load(render(replace(DATA, license=licence), "cff"))
    validate(cff, "citation-cff-1.2.0.schema.json")
    assert "license" not in cff


def test_cff_without_optional_fields_is_still_valid() -> None:
    data = replace(DATA, license=None, description="  ", keywords=())
    cff = yaml.safe_load(render(data, "cff"))
    validate(cff, "citation-cff-1.2.0.schema.json")
    assert not {"license", "abstract", "keywords"} & cff.keys()


def test_cff_golden() -> None:
    data = CitationData(
        title="Seeds", creators=("Ada Lovelace",), license="MIT", description=None,
        snapshot_id=SNAPSHOT, manifest_sha256=MANIFEST, date="2024-05-01", version="b1",
        tool="archiver 0.1.0",
    )
    assert render(data, "cff") == f"""\
cff-version: "1.2.0"
message: "If you use this snapshot, please cite it using the metadata from this file."
type: dataset
title: "Seeds"
authors:
  - family-names: "Lovelace"
    given-names: "Ada"
version: "b1"
date-released: "2024-05-01"
license: "MIT"
identifiers:
  - type: other
    value: "{SNAPSHOT}"
    description: "Snapshot id derived from the content by archiver 0.1.0."
  - type: other
    value: "sha256:{MANIFEST}"
    description: "SHA-256 of the snapshot's manifest."
"""


@given(st.text(min_size=1))
def test_cff_strings_read_back_exactly(text: str) -> None:
    """Any title survives YAML: quotes, backslashes, control and line-break characters, YAML words."""
    data = replace(DATA, title=text if text.strip() else f"x{text}")
    assert yaml.safe_load(render(data, "cff"))["title"] == data.title


@pytest.mark.parametrize("title", ["null", "yes", "1.0", "- item", "key: value", "# not a comment",
                                   "'single'", "tab\there", "line\u2028separator", "nel\x85", "\ufeffbom"])
def test_cff_tricky_titles_stay_strings(title: str) -> None:
    assert yaml.safe_load(render(replace(DATA, title=title), "cff"))["title"] == title


# --- BibTeX ----------------------------------------------------------------------------------


def latex_to_text(value: str) -> str:
    """Decode LaTeX with pylatexenc, told the standard meaning of three text-mode commands."""
    context = get_default_latex_context_db()
    context.add_context_category("text-symbols", prepend=True, macros=[
        MacroTextSpec("textbraceleft", "{"), MacroTextSpec("textbraceright", "}"),
        MacroTextSpec("textasciicircum", "^"),
    ])
    return str(LatexNodes2Text(latex_context=context).latex_to_text(value))


def parse_bibtex(text: str) -> dict[str, Any]:
    library = bibtexparser.parse_string(text, append_middleware=[middlewares.SeparateCoAuthors()])
    assert library.failed_blocks == []
    assert len(library.entries) == 1
    entry = library.entries[0]
    return {"@type": entry.entry_type, "@key": entry.key, **{f.key: f.value for f in entry.fields}}


def test_bibtex_parses_back_with_every_field_intact() -> None:
    entry = parse_bibtex(render(DATA, "bibtex"))
    assert (entry["@type"], entry["@key"]) == ("misc", "seeds-2021")
    assert latex_to_text(entry["title"]) == TITLE
    assert entry["author"] == ["Doe, Jane", "Doe, John", "{Example Archive Project}", "{张三}"]
    assert (entry["year"], entry["month"], entry["date"]) == ("2021", "mar", "2021-03-18")
    assert entry["version"] == "seeds-2021"
    assert SNAPSHOT in entry["note"] and f"sha256:{MANIFEST}" in entry["note"]
    assert SNAPSHOT in entry["howpublished"]
    assert latex_to_text(entry["keywords"]) == "web archive, 档案"


@pytest.mark.parametrize("title", [
    "Open { brace", "Close } brace", "}{", "back\\slash {x}", "a_b%c&d$e#f~g^h",
])
def test_bibtex_title_survives_unbalanced_braces_and_specials(title: str) -> None:
    entry = parse_bibtex(render(replace(DATA, title=title), "bibtex"))
    assert latex_to_text(entry["title"]) == title


def test_bibtex_keeps_organisations_whole_and_escapes_names() -> None:
    data = replace(DATA, creators=("Smith & Sons", "Ann_Marie O'Brien", "Zoë D'Arcy"))
    authors = parse_bibtex(render(data, "bibtex"))["author"]
    assert authors == [r"{Smith \& Sons}", r"{Ann\_Marie O'Brien}", "D'Arcy, Zoë"]
    assert [latex_to_text(a) for a in authors] == ["Smith & Sons", "Ann_Marie O'Brien", "D'Arcy, Zoë"]


def test_bibtex_golden() -> None:
    data = CitationData(
        title="Seeds_1", creators=("Ada Lovelace", "The Team"), license=None, description=None,
        snapshot_id=SNAPSHOT, manifest_sha256=MANIFEST, date="2024-12-01", version="b1",
        tool="archiver 0.1.0",
    )
    assert render(data, "bibtex") == f"""\
@misc{{b1,
  title = {{Seeds\\_1}},
  author = {{Lovelace, Ada and {{The Team}}}},
  year = {{2024}},
  month = dec,
  date = {{2024-12-01}},
  version = {{b1}},
  howpublished = {{Snapshot {SNAPSHOT}}},
  note = {{Snapshot {SNAPSHOT}; manifest sha256:{MANIFEST}; packaged with archiver 0.1.0}}
}}
"""


@pytest.mark.parametrize(("batch", "key"), [
    ("seeds-2021", "seeds-2021"), ("seeds 2021/β", "seeds-2021"), ("2021", "snapshot-2021"),
    ("数据", "snapshot"), ("a.b_c", "a-b_c"),
])
def test_citation_key_uses_safe_characters(batch: str, key: str) -> None:
    assert citation_key(replace(DATA, version=batch)) == key


# --- CSL-JSON --------------------------------------------------------------------------------


def test_csl_json_matches_the_csl_schema() -> None:
    text = render(DATA, "csl-json")
    items = json.loads(text)
    validate(items, "csl-data.schema.json")
    assert text == json.dumps(items, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    [item] = items
    assert (item["type"], item["id"], item["title"]) == ("dataset", "seeds-2021", TITLE)
    assert item["version"] == "seeds-2021"
    assert item["author"] == [
        {"family": "Doe", "given": "Jane"}, {"family": "Doe", "given": "John"},
        {"literal": "Example Archive Project"}, {"literal": "张三"},
    ]
    assert item["issued"] == {"date-parts": [[2021, 3, 18]]}
    assert item["abstract"] == DATA.description
    assert SNAPSHOT in item["note"]


# --- DataCite --------------------------------------------------------------------------------


def test_datacite_has_the_required_properties_and_matches_the_schema() -> None:
    text = render(DATA, "datacite")
    record = json.loads(text)
    validate(record, "datacite-v4.5.schema.json")
    assert text == json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    for required in ("creators", "titles", "publisher", "publicationYear", "types"):
        assert record[required]
    assert record["types"]["resourceTypeGeneral"] == "Dataset"
    assert record["publisher"] == {"name": "(:unav)"}
    assert record["publicationYear"] == "2021"
    assert [(c["name"], c.get("nameType")) for c in record["creators"]] == [
        ("Doe, Jane", "Personal"), ("Doe, John", "Personal"),
        ("Example Archive Project", "Organizational"), ("张三", None),
    ]
    snapshot = {"alternateIdentifier": SNAPSHOT, "alternateIdentifierType": "Snapshot id"}
    assert snapshot in record["alternateIdentifiers"]
    assert record["rightsList"][0]["rightsIdentifier"] == "CC-BY-4.0"
    assert record["descriptions"][0] == {"description": DATA.description, "descriptionType": "Abstract"}


def test_datacite_keeps_a_free_text_licence_as_rights() -> None:
    record = json.loads(render(replace(DATA, license="all rights reserved"), "datacite"))
    validate(record, "datacite-v4.5.schema.json")
    assert record["rightsList"] == [{"rights": "all rights reserved"}]


# --- names and checks ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "name"), [
    ("Jane Doe", Name("Jane Doe", family="Doe", given="Jane")),
    ("  Doe ,  Jane  ", Name("Doe , Jane", family="Doe", given="Jane")),
    ("J. R. R. Tolkien", Name("J. R. R. Tolkien", family="Tolkien", given="J. R. R.")),
    ("Anne-Marie O'Neil", Name("Anne-Marie O'Neil", family="O'Neil", given="Anne-Marie")),
    ("van Beethoven, Ludwig", Name("van Beethoven, Ludwig", family="van Beethoven", given="Ludwig")),
    (NFD_NAME, Name(NFD_NAME, family=NFD_NAME.split()[1], given=NFD_NAME.split()[0])),
    ("University of California, Berkeley", Name("University of California, Berkeley", organisation=True)),
    ("The Internet Archive", Name("The Internet Archive", organisation=True)),
    ("Smith & Sons", Name("Smith & Sons", organisation=True)),
    ("Procter and Gamble", Name("Procter and Gamble", organisation=True)),
    ("Plato", Name("Plato")),
    ("张三", Name("张三")),
    ("R2D2 Droid", Name("R2D2 Droid")),
    ("Anna Maria Luisa de Medici", Name("Anna Maria Luisa de Medici")),
    ("Doe, Jane, Jr.", Name("Doe, Jane, Jr.")),
])
def test_parse_name_splits_only_unambiguous_forms(text: str, name: Name) -> None:
    assert parse_name(text) == name


@pytest.mark.parametrize(("changes", "message"), [
    ({"date": "2021-3-18"}, "not YYYY-MM-DD"),
    ({"date": "2021-02-30"}, "does not exist"),
    ({"manifest_sha256": "AB" * 32}, "64 lowercase hex"),
    ({"creators": ()}, "at least one creator"),
    ({"creators": ("Jane Doe", " ")}, "no blank ones"),
    ({"creators": ("Jane Doe", "Jane  Doe")}, "creator listed twice: 'Jane Doe'"),
    ({"title": " "}, "title is empty"),
    ({"snapshot_id": ""}, "snapshot_id is empty"),
])
def test_unusable_data_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(DATA, **changes)
