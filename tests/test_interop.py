"""Our WARC, CDXJ and WACZ opened by the tools web archivists use, run for real.

warcio and FastWARC are in the test extra. py-wacz (`wacz`) and `cdxj-indexer` live in their own
virtualenv, made by `.ci/run`, which exports ARCHIVER_PEER_BIN (its bin folder). Without it
these tests fail, not skip: an interop claim that was never checked is not a pass.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, make_seeds, pack, run
from fastwarc.warc import ArchiveIterator, WarcRecordType
from hypothesis import given, settings
from hypothesis import strategies as st
from test_share import export_all, mixed, repo_copy  # noqa: F401 (fixtures)
from test_links import linked  # noqa: F401 (fixture)
from test_times import fractional  # noqa: F401 (fixture)

from archiver.base.uris import target_uri
from archiver.share.alias import alias_url
from archiver.share.cdxj import urlkey

SETUP = ("python -m venv .venv-peers && .venv-peers/bin/pip install -r .ci/peers.txt && "
         "export ARCHIVER_PEER_BIN=$PWD/.venv-peers/bin   (.ci/run does this)")


REPO = Path(__file__).resolve().parent.parent


def _has_peers(folder: Path) -> bool:
    return (folder / "wacz").exists() and (folder / "cdxj-indexer").exists()


@pytest.fixture(scope="session")
def peer_bin() -> Path:
    """ARCHIVER_PEER_BIN, else the repo's .venv-peers, made here from .ci/peers.txt if missing,
    so the README's test command works on a fresh machine too."""
    given = os.environ.get("ARCHIVER_PEER_BIN")
    folder = Path(given) if given else REPO / ".venv-peers" / "bin"
    if not given and not _has_peers(folder):
        venv = folder.parent
        made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True,
                              text=True)
        if made.returncode == 0:
            made = subprocess.run([str(folder / "python"), "-m", "pip", "install", "-q", "-r",
                                   str(REPO / ".ci" / "peers.txt")], capture_output=True,
                                  text=True, timeout=900)
        if made.returncode != 0:
            pytest.fail(f"could not set up the peer tools ({made.stderr.strip()[-300:]}): {SETUP}")
    if not _has_peers(folder):
        pytest.fail(f"{folder} does not hold the peer tools; set them up: {SETUP}")
    return folder


def tool(peer: Path, name: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(peer / name), *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def warc_of(manifest: Path) -> Path:
    (entry,) = json.loads(manifest.read_text())["warc_files"]
    return manifest.with_name(entry["name"])


@pytest.fixture(params=["repo_copy", "mixed", "fractional", "linked"])
def snapshot(request: pytest.FixtureRequest) -> Path:
    """The committed snapshot, awkward names and a revisit, capture times with fractions,
    symbolic links."""
    return request.getfixturevalue(request.param)


def test_warcio_check_passes(snapshot: Path) -> None:
    result = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", "-v",
                             warc_of(snapshot)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(snapshot.read_text())
    revisits = sum(1 for seed in document["seeds"] if seed["duplicate_of"])
    assert result.stdout.count("digest pass") == document["warc_files"][0]["records"] - revisits
    assert result.stdout.count("digest present but not checked (revisit)") == revisits
    assert "fail" not in result.stdout


def test_fastwarc_reads_every_record_and_its_sha256_block_digest(snapshot: Path) -> None:
    """FastWARC checks sha256 block digests; its payload check covers HTTP payloads only."""
    expected = json.loads(snapshot.read_text())["warc_files"][0]["records"]
    with open(warc_of(snapshot), "rb") as stream:
        records = list(ArchiveIterator(stream, parse_http=False, record_types=WarcRecordType.any_type))
        assert len(records) == expected
    with open(warc_of(snapshot), "rb") as stream:
        checked = [r.verify_block_digest() for r in
                   ArchiveIterator(stream, parse_http=False, record_types=WarcRecordType.any_type)]
    assert checked == [True] * expected
    with open(warc_of(snapshot), "rb") as stream:
        assert sum(1 for _ in ArchiveIterator(stream, verify_digests=True,
                                              record_types=WarcRecordType.any_type)) == expected


def test_fastwarc_catches_a_changed_block(repo_copy: Path) -> None:
    raw = gzip.decompress(warc_of(repo_copy).read_bytes())
    changed = raw.replace(b"Deepfake", b"DeepFake", 1)
    assert changed != raw
    results = [r.verify_block_digest() for r in ArchiveIterator(
        io.BytesIO(changed), parse_http=False, record_types=WarcRecordType.any_type)]
    assert results.count(False) == 1


def test_our_cdxj_equals_cdxj_indexer(snapshot: Path, tmp_path: Path, peer_bin: Path) -> None:
    ours = export_all(snapshot, tmp_path)["cdxj"].read_text()
    theirs = tool(peer_bin, "cdxj-indexer", "--sort", warc_of(snapshot))
    assert theirs.returncode == 0, theirs.stderr
    assert ours == theirs.stdout


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12).filter(lambda s: "/" not in s and "\x00" not in s),
                min_size=1, max_size=20))
def test_cdxj_keys_equal_surt(peer_bin: Path, names: list[str]) -> None:
    """Our keys for archiver's urn: URIs and replay aliases equal the `surt` package's, for any
    file name."""
    folder = peer_bin
    uris = [uri for name in names for uri in (target_uri("test-batch", name),
                                              alias_url("test-batch", name))]
    script = "import json, sys, surt; print(json.dumps([surt.surt(u) for u in json.load(sys.stdin)]))"
    result = subprocess.run([str(Path(folder) / "python"), "-c", script], input=json.dumps(uris),
                            capture_output=True, text=True, check=True)
    assert [urlkey(uri) for uri in uris] == json.loads(result.stdout)


def test_wacz_validate_accepts_our_wacz(snapshot: Path, tmp_path: Path, peer_bin: Path) -> None:
    wacz = export_all(snapshot, tmp_path)["wacz"]
    result = tool(peer_bin, "wacz", "validate", "-f", wacz)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded" in result.stdout


def test_wacz_validate_catches_a_changed_entry(repo_copy: Path, tmp_path: Path, peer_bin: Path) -> None:
    wacz = export_all(repo_copy, tmp_path)["wacz"]
    data = wacz.read_bytes()
    title = b'"title": "All Pages"'
    wacz.write_bytes(data.replace(title, title.replace(b"All", b"Any"), 1))
    result = tool(peer_bin, "wacz", "validate", "-f", wacz)
    assert result.returncode != 0 or "Validation failed" in result.stdout


def test_later_wacz_carries_the_earlier_warc_its_revisits_need(tmp_path: Path,
                                                               peer_bin: Path) -> None:
    first = pack(make_seeds(tmp_path / "one", {"a.txt": b"kept\n", "b.txt": b"only first\n"}),
                 tmp_path / "out")
    later = make_seeds(tmp_path / "two", {"a.txt": b"kept\n", "c.txt": b"new\n"},
                       fields="- batch: later-batch\n")
    result = run("pack", later, "--out", tmp_path / "out", "--previous", first, "--date",
                 "2024-06-01T00:00:00Z", "--quiet")
    assert result.returncode == 0, result.stderr
    wacz = export_all(tmp_path / "out" / "later-batch.manifest.json", tmp_path / "x")["wacz"]
    with zipfile.ZipFile(wacz) as archive:
        names = archive.namelist()
        assert names[:3] == ["archive/later-batch.warc.gz", "archive/test-batch.warc.gz",
                             "archive/later-batch.aliases.warc"]
        assert archive.read("archive/test-batch.warc.gz") == \
            (tmp_path / "out" / "test-batch.warc.gz").read_bytes()
        archive.extractall(tmp_path / "unzipped")
    theirs = tool(peer_bin, "cdxj-indexer", "--sort", *sorted(
        (tmp_path / "unzipped" / "archive").iterdir()))
    assert theirs.returncode == 0, theirs.stderr
    assert (tmp_path / "unzipped" / "indexes" / "index.cdx").read_text() == theirs.stdout
    aliases = (tmp_path / "unzipped" / "archive" / "later-batch.aliases.warc").read_bytes()
    assert b"WARC-Refers-To-Target-URI: urn:x-archiver:test-batch:a.txt" in aliases
    assert tool(peer_bin, "wacz", "validate", "-f", wacz).returncode == 0
