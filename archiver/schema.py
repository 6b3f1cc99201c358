"""The manifest's JSON Schema (draft 2020-12), shipped inside the package, and checks against it."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_FILE = "manifest-1.schema.json"


@cache
def manifest_schema() -> dict[str, Any]:
    text = resources.files("archiver").joinpath("schemas", SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)


@cache
def _validator() -> Draft202012Validator:
    schema = manifest_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(document: object) -> list[str]:
    """Every way `document` breaks the schema, each as `at /json/pointer: message`, sorted."""
    found = []
    for error in _validator().iter_errors(document):
        pointer = "/" + "/".join(str(part) for part in error.absolute_path)
        found.append(f"at {pointer}: {_short(error.message)}")
    return sorted(found)


def _short(message: str, limit: int = 160) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"
