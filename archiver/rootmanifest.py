"""The root manifest of a sharded snapshot: every shard manifest by sha256, the plan, the index.

It is small (a line or two a shard) and it is what a person signs, cites and checks: its sidecar
lists the root and every file of the snapshot in `sha256sum` format, so `sha256sum -c` on it
checks all of them without archiver, and a signature over the root covers every byte.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

from .canonical import digest_label

ROOT_SCHEMA_FILE = "root-1.schema.json"


def is_root(document: Any) -> bool:
    return isinstance(document, dict) and "shards" in document


def root_snapshot_id(document: dict[str, Any]) -> str:
    """From content: the batch, packaging time, the previous snapshot and each shard's id."""
    previous = document["previous"]
    return digest_label({"batch": document["batch"], "packaged": document["packaged"],
                         "previous": previous and previous["snapshot_id"],
                         "shards": [shard["snapshot_id"] for shard in document["shards"]]})


@cache
def _validator() -> Draft202012Validator:
    text = resources.files("archiver").joinpath("schemas", ROOT_SCHEMA_FILE).read_text("utf-8")
    schema = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def root_errors(document: Any) -> list[str]:
    found = []
    for error in _validator().iter_errors(document):
        pointer = "/" + "/".join(str(part) for part in error.absolute_path)
        found.append(f"at {pointer}: {error.message[:160]}")
    return sorted(found)
