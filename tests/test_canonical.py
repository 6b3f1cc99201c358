"""Canonical JSON is RFC 8785 output, and the committed snapshot's id did not move with it."""

from __future__ import annotations

import json

import pytest
import rfc8785
from conftest import REPO
from hypothesis import given
from hypothesis import strategies as st

from archiver.formats.canonical_json import compact, digest_label, indented, pretty
from archiver.manifest.identity import snapshot_id

COMMITTED = REPO / "manifests" / "cac-voice-social-2021.manifest.json"

# What a manifest holds: strings (any code point, astral ones included), integers, null, bools.
_SCALARS = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text()
_DOCUMENTS = st.recursive(_SCALARS, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
                          max_leaves=30)


@given(_DOCUMENTS)
def test_compact_is_rfc8785(document):
    assert compact(document) == rfc8785.dumps(document)


# ASCII keys, as every manifest has: the fast path through the standard library's C encoder.
_ASCII_KEYED = st.recursive(
    _SCALARS, lambda inner: st.lists(inner) | st.dictionaries(st.text(st.characters(max_codepoint=127)), inner),
    max_leaves=30)


@given(_ASCII_KEYED)
def test_compact_is_rfc8785_for_manifest_shaped_documents(document):
    try:
        expected = rfc8785.dumps(document)
    except Exception as err:  # a lone surrogate: both refuse it the same way
        with pytest.raises(type(err)):
            compact(document)
        return
    assert compact(document) == expected


@given(_DOCUMENTS | _ASCII_KEYED, st.integers(0, 4))
def test_pretty_and_indented_are_the_standard_librarys_indented_json(document, depth):
    reference = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)
    assert indented(document, depth) == reference.replace("\n", "\n" + "  " * depth)
    try:
        encoded = (reference + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return
    assert pretty(document) == encoded


def test_committed_manifest_is_pretty_of_itself():
    data = COMMITTED.read_bytes()
    assert pretty(json.loads(data)) == data


@given(st.dictionaries(st.text(alphabet=st.characters(max_codepoint=0xD7FF)), _SCALARS))
def test_for_bmp_keys_it_equals_the_sorted_compact_json_used_before(document):
    """Below U+D800, code point order and UTF-16 order agree, so old and new bytes are equal."""
    old = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    assert compact(document) == old


def test_committed_snapshot_id_is_unchanged():
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert snapshot_id(document) == document["snapshot_id"]
    assert digest_label({"a": 1}) == "sha256:" + __import__("hashlib").sha256(b'{"a":1}').hexdigest()


@pytest.mark.parametrize("form", [compact, pretty])
def test_floats_are_refused(form):
    with pytest.raises(TypeError, match="floats"):
        form({"confidence": 0.5})
