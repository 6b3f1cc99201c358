"""The manifest's JSON Schema (draft 2020-12), shipped inside the package, and checks against it.

jsonschema is the reference and explains every error; a compiled validator (fastjsonschema, about
twenty times faster) answers the yes/no question on the hot paths, and jsonschema is asked only
when the answer is no. fastjsonschema knows drafts up to 7, so it compiles a draft-07 translation
of the schema (`$defs` → `definitions`, `prefixItems` → array `items`); a test keeps the two in
agreement on good and broken manifests.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Callable

import fastjsonschema

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

SCHEMA_FILE = "manifest-1.schema.json"
ROOT_SCHEMA_FILE = "root-1.schema.json"  # a sharded snapshot's root manifest (manifest/root.py)


_CLASS = re.compile(r"\[[^\]]*\]")


@cache
def manifest_schema(name: str = SCHEMA_FILE) -> dict[str, Any]:
    text = resources.files("archiver").joinpath("schemas", name).read_text("utf-8")
    return json.loads(text)


@cache
def _validator(name: str = SCHEMA_FILE) -> Draft202012Validator:
    # Imported when first needed, to explain a no: most runs never ask, and importing
    # jsonschema costs every command a tenth of a second.
    from jsonschema import Draft202012Validator

    schema = manifest_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


_RENAMED = {"$defs": "definitions", "prefixItems": "items"}  # draft 2020-12 words → draft 07


def draft7(schema: Any) -> Any:
    """The same constraints in draft-07 words, for fastjsonschema."""
    if isinstance(schema, list):
        return [draft7(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$schema":
            value = "http://json-schema.org/draft-07/schema#"
        elif key == "$ref":
            value = value.replace("#/$defs/", "#/definitions/")
        elif key == "pattern":
            # fastjsonschema turns every unescaped `$` into `\Z`, even inside a [class]
            value = _CLASS.sub(lambda found: found[0].replace("$", "\\$"), value)
        elif key == "const" and isinstance(value, str):
            # the same constraint; fastjsonschema cannot compile `const` without detailed
            # exceptions (its message template names a field it then leaves out)
            key, value = "enum", [value]
        out[_RENAMED.get(key) or key] = draft7(value)
    return _nullable_object(out)


# Keywords that constrain only objects: beside "type": ["null", "object"] they leave null alone.
_OBJECT_WORDS = {"type", "description", "additionalProperties", "required", "properties",
                 "patternProperties", "propertyNames", "minProperties", "maxProperties"}


def _nullable_object(schema: dict[str, Any]) -> dict[str, Any]:
    """`oneOf: [{type: null}, {type: object, …}]` as the equivalent `type: [null, object]`.

    null and objects are disjoint, so exactly one branch matches precisely when the merged
    schema does; the compiled validator then raises no exception per entry for the branch that
    does not match (two a seed: `language.detected`, `duplicate_of`).
    """
    branches = schema.get("oneOf")
    if not (isinstance(branches, list) and len(branches) == 2
            and branches[0] == {"type": "null"} and isinstance(branches[1], dict)
            and branches[1].get("type") == "object" and set(branches[1]) <= _OBJECT_WORDS):
        return schema
    merged = {key: value for key, value in schema.items() if key != "oneOf"}
    merged.update({**branches[1], "type": ["null", "object"]})
    return merged


@cache
def _compiled(part: str) -> Callable[[Any], Any]:
    """The compiled check of the whole manifest (`part` "") or of one of its `$defs`.

    One compile of the whole schema makes a function for every definition it refers to, so a
    definition's is taken from it rather than compiled again. Without detailed exceptions (only
    yes or no is asked of it: jsonschema explains a no) its code is a third of the size and
    compiles in a fifth of the time: 0.02 s instead of 0.12 s of every command's start.
    """
    whole = _whole()
    if not part:
        return whole
    found = whole.__globals__.get(f"validate___definitions_{part}")  # fastjsonschema's naming
    if callable(found):
        return found  # type: ignore[no-any-return]
    schema = draft7(manifest_schema())
    return fastjsonschema.compile({"$schema": schema["$schema"], "definitions":
                                   schema["definitions"], "$ref": f"#/definitions/{part}"},
                                  detailed_exceptions=False)


@cache
def _whole() -> Callable[[Any], Any]:
    return fastjsonschema.compile(draft7(manifest_schema()), detailed_exceptions=False)


def compile_now() -> None:
    """Compile the validators now, before worker processes fork, so that they share them."""
    _compiled("")
    _compiled("seed")


def is_file_name(name: str) -> bool:
    """Whether a manifest may name a file `name` (its previous manifest, a WARC file)."""
    return re.fullmatch(manifest_schema()["$defs"]["file_name"]["pattern"], name) is not None


def is_valid(document: object) -> bool:
    """True if `document` meets the schema (compiled; jsonschema agrees, see the tests)."""
    return _passes("", document)


def is_valid_seed(entry: object) -> bool:
    """True if one seed entry meets the schema: with `is_valid` of the document without its
    seeds, the same answer as `is_valid` of the whole (the schema's `seeds` is an array of
    entries and nothing more), a seed at a time."""
    return _passes("seed", entry)


def seed_errors(entry: object) -> list[str]:
    """`schema_errors` for one seed entry, so packing can check entries as it makes them."""
    return [] if _passes("seed", entry) else schema_errors({"seeds": [entry]}, only="/seeds/0")


def _passes(part: str, value: object) -> bool:
    try:
        _compiled(part)(value)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def schema_errors(document: object, *, only: str = "") -> list[str]:
    """Every way `document` breaks the schema, each as `at /json/pointer: message`, sorted."""
    if not only and is_valid(document):
        return []
    return errors_against(SCHEMA_FILE, document, only=only)


def errors_against(name: str, document: object, *, only: str = "") -> list[str]:
    """Every way `document` breaks the shipped schema `name` (jsonschema's answer), sorted."""
    found = []
    for error in _validator(name).iter_errors(document):
        pointer = "/" + "/".join(str(part) for part in error.absolute_path)
        if pointer.startswith(only):
            found.append(f"at {pointer}: {_short(error.message)}")
    return sorted(found)


def _short(message: str, limit: int = 160) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"
