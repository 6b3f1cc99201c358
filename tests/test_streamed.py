"""verify reads a manifest as a stream, never holding it (issue 15: memory growth per seed).

The reader must see exactly the document `json.loads` sees, in any layout and across any block
boundary; whatever it does not follow must send verify to the manifest read whole; and a
snapshot proved from the stream must get the very report the one-core check gives.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import DATE, REPO, make_seeds, pack, run
from test_links import linked_seeds

from archiver.manifest import streamed
from archiver.manifest.streamed import ManifestFile, Unstreamable, entries_of, scan, spans
from archiver.verification import checker
from archiver.verification.checker import verify

LAYOUTS: dict[str, dict[str, Any]] = {
    "indented": {"indent": 2, "sort_keys": True, "ensure_ascii": False},
    "compact": {"separators": (",", ":"), "ensure_ascii": False},
    "ascii, odd indent": {"indent": "\t \n", "ensure_ascii": True},
    "one line, spaced": {"separators": (" , ", " : "), "ensure_ascii": False},
}


def _names_seeds(root: Path) -> Path:
    """Non-ASCII names and titles (a character is not a byte), one payload twice (a revisit)."""
    files = {"新闻/文章.txt": "一篇关于二〇二一年的文章。\n".encode(), "docs/ümlaut.txt": b"same\n",
             "docs/copy.txt": b"same\n", "plain.txt": b"plain text\n"}
    return make_seeds(root, files)


def _read(path: Path) -> tuple[streamed.Scanned, list[Any], list[str]]:
    entries: list[Any] = []
    where: list[tuple[int, int]] = []

    def take(entry: Any, begin: int, end: int) -> None:
        entries.append(entry)
        where.append((begin, end))

    with ManifestFile(path) as opened:
        found = scan(opened, take)
        texts = list(spans(opened, where, found.digest))
    return found, entries, texts


@pytest.mark.parametrize("block", [7, 100, 1 << 20])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_stream_reads_every_layout_as_json_does(tmp_path: Path, block: int, layout: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streamed, "BLOCK", block)
    manifests = [REPO / "manifests" / "cac-voice-social-2021.manifest.json",
                 pack(_names_seeds(tmp_path / "names"), tmp_path / "out")]
    for number, manifest in enumerate(manifests):
        document = json.loads(manifest.read_bytes())
        data = json.dumps(document, **LAYOUTS[layout]).encode() + b"\n"
        copy = tmp_path / f"{number}.json"
        copy.write_bytes(data)
        found, entries, texts = _read(copy)
        assert found.top == {key: value for key, value in document.items() if key != "seeds"}
        assert entries == document["seeds"]
        assert [entries_of(text)[0] for text in texts] == entries
        assert (found.digest.sha256, found.digest.size) == (hashlib.sha256(data).hexdigest(),
                                                            len(data))


@pytest.mark.parametrize("case", [
    "duplicate key", "trailing data", "fraction", "byte order mark", "cut short",
    "seeds not an array", "no seeds", "not an object", "not UTF-8", "trailing comma"])
def test_what_the_stream_does_not_follow_is_read_whole_and_named(
        tmp_path: Path, case: str) -> None:
    """Each of these is Unstreamable, and verify names it exactly as the one-core check does."""
    source = pack(_names_seeds(tmp_path / "names"), tmp_path / "out")
    text = source.read_text(encoding="utf-8")
    at = text.index('"snapshot_id"')
    size = json.loads(text)["seeds"][0]["bytes"]
    data = {
        "duplicate key": text[:at] + '"packaged": "2020-01-01T00:00:00Z",\n  ' + text[at:],
        "trailing data": text + "{}",
        "fraction": text.replace(f'"bytes": {size},', f'"bytes": {size}.0,', 1),
        "byte order mark": "\ufeff" + text,
        "cut short": text[:len(text) // 2],
        "seeds not an array": text.replace('"seeds": [', '"seeds": {"x": [', 1).replace(
            '\n  ],\n  "snapshot_id"', '\n  ]},\n  "snapshot_id"', 1),
        "no seeds": text.replace('"seeds": [', '"seed": [', 1),
        "not an object": "[" + text + "]",
        "not UTF-8": text.replace("文章", "\udc80", 1),
        "trailing comma": text.replace('\n  ],\n  "snapshot_id"', ',\n  ],\n  "snapshot_id"', 1),
    }[case].encode("utf-8", "surrogateescape")
    assert data != source.read_bytes()
    shutil.copytree(source.parent, tmp_path / "damaged")
    manifest = tmp_path / "damaged" / source.name
    manifest.write_bytes(data)
    (tmp_path / "damaged" / f"{source.name}.sha256").write_text(
        f"{hashlib.sha256(data).hexdigest()}  {source.name}\n")
    with ManifestFile(manifest) as opened, pytest.raises(Unstreamable):
        scan(opened, lambda *_: None)
    reports = [verify(manifest, jobs=jobs).to_json() for jobs in (1, 2)]
    assert reports[0] == reports[1] and not reports[0]["ok"]
    assert reports[0] == _one_core(manifest, 2)


def _one_core(manifest: Path, jobs: int, **options: Any) -> dict[str, Any]:
    """The report of the one-core check alone (the streamed proof never tried)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checker, "_proved", lambda *_, **__: None)
        return verify(manifest, jobs=jobs, **options).to_json()


def test_a_streamed_proof_gives_the_one_core_report(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """On intact snapshots of every kind (the repo's own, links, a chain with revisits into the
    batch before, non-ASCII names, a manifest in another JSON layout, a sidecar that does not
    match) the stream proves them, and the report is the one-core check's, word for word."""
    names = pack(_names_seeds(tmp_path / "names"), tmp_path / "out")
    linked = pack(linked_seeds(tmp_path / "linked"), tmp_path / "linked-out")
    chained = tmp_path / "chain"
    first = pack(make_seeds(tmp_path / "one", {"old.txt": b"archived in batch one\n"}), chained)
    later = make_seeds(tmp_path / "two", {"new.txt": b"new in batch two\n",
                                          "again.txt": b"archived in batch one\n"},
                       fields="- batch: batch-two\n")
    assert run("pack", later, "--out", chained, "--date", DATE, "--quiet", "--previous",
               first).returncode == 0
    compact = tmp_path / "compact"
    shutil.copytree(names.parent, compact)
    (compact / names.name).write_bytes(json.dumps(json.loads(names.read_bytes())).encode())
    (compact / f"{names.name}.sha256").write_text(  # compact bytes, the old sidecar: a problem
        (names.parent / f"{names.name}.sha256").read_text())
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "manifests", repo)
    proved: list[str] = []
    real = checker._proved

    def recorded(manifest: ManifestFile, **options: Any) -> Any:
        found = real(manifest, **options)
        if found is not None:
            proved.append(manifest.path.name)
        return found

    monkeypatch.setattr(checker, "_proved", recorded)
    cases = [names, linked, chained / "batch-two.manifest.json", compact / names.name,
             repo / "cac-voice-social-2021.manifest.json"]
    for manifest in cases:
        for jobs in (1, 2):
            proved.clear()
            report = verify(manifest, jobs=jobs).to_json()
            assert proved and proved[0] == manifest.name, (manifest, jobs)
            assert report == _one_core(manifest, jobs), (manifest, jobs)
            if manifest.parent != compact:
                assert report["ok"], report["problems"]
    assert {p.code for p in verify(compact / names.name).problems} == {
        "sidecar-mismatch", "events-manifest"}  # both name the bytes before the new layout
