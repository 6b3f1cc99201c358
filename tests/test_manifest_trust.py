"""Nothing acts on a manifest that verify would reject (review L5, L8, L9, L14, L15, I2).

Every command loads manifests through `manifest/loader.py`: the sidecar must be there and match,
the schema must hold (for earlier chain links too), and every field that follows from others must
agree (`manifest/consistency.py`). verify re-derives the same fields and names each one."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from conftest import DATE, assert_one_line_error, make_seeds, run
from craftlib import repack
from faultlib import Snapshot

import archiver
from archiver.formats.canonical_json import pretty
from archiver.manifest import chain
from archiver.manifest.events import log_path
from archiver.manifest.identity import snapshot_id
from archiver.verification import checker, parallel


def snapshot_of(manifest: Path) -> Snapshot:
    document = json.loads(manifest.read_text())
    return Snapshot(manifest.parent, manifest, manifest.with_name(manifest.name + ".sha256"),
                    manifest.with_name(document["warc_files"][0]["name"]))


def packed_chain(tmp_path: Path, batches: int = 2) -> list[Path]:
    """`batches` one-file batches in one folder, each following the one before."""
    out, manifests = tmp_path / "out", []
    for number in range(batches):
        seeds = make_seeds(tmp_path / f"seeds{number}", {f"s{number}.txt": b"seed %d\n" % number},
                           fields=f"- batch: batch-{number}\n")
        extra = ["--previous", str(manifests[-1])] if manifests else []
        result = run("pack", seeds, "--out", out, "--date", DATE, "-q", *extra)
        assert result.returncode == 0, result.stderr
        manifests.append(out / f"batch-{number}.manifest.json")
    return manifests


def codes(manifest: Path) -> set[str]:
    result = run("verify", manifest, "--json", "--jobs", "1")
    return {problem["code"] for problem in json.loads(result.stdout)["problems"]}


def write_signed(path: Path, document: dict) -> None:
    """The manifest and a matching sidecar, the snapshot id left as it is."""
    data = pretty(document)
    path.write_bytes(data)
    path.with_name(path.name + ".sha256").write_text(
        f"{hashlib.sha256(data).hexdigest()}  {path.name}\n")


SHARING = [("show",), ("cite", "--format", "bibtex"), ("export", "--jsonl", "x.jsonl"),
           ("extract", "--to", "restored")]


# -- L5: earlier links meet the schema before anything reads them ---------------------------------

@pytest.mark.parametrize("earlier", ['{}', '{"previous": "x"}', "no records"])
def test_a_crafted_earlier_link_is_a_broken_chain_not_a_crash(tmp_path: Path, earlier: str):
    first, second = packed_chain(tmp_path)
    if earlier == "no records":
        document = json.loads(first.read_text())
        for seed in document["seeds"]:
            seed["records"] = []
        data = pretty(document)
    else:
        data = earlier.encode()
    first.write_bytes(data)

    def pin(document: dict) -> None:
        document["previous"]["sha256"] = hashlib.sha256(data).hexdigest()

    repack(snapshot_of(second), pin)
    assert "chain-broken" in codes(second)
    shown = run("show", second)
    assert shown.returncode == 0 and "chain broken" in shown.stdout and "schema" in shown.stdout
    for command in SHARING[2:]:
        result = run(command[0], second, *command[1:], cwd=tmp_path)
        assert_one_line_error(result, 1, "schema")
    seeds = make_seeds(tmp_path / "seeds9", {"new.txt": b"new\n"}, fields="- batch: batch-9\n")
    result = run("pack", seeds, "--out", tmp_path / "out", "--previous", second, "-q")
    assert_one_line_error(result, 1, "schema")


# -- L9: the sidecar is required, and the manifest must agree with itself ----------------------

@pytest.mark.parametrize("sidecar", ["missing", "names another file", "empty"])
def test_sharing_commands_refuse_a_manifest_without_its_sidecar(tmp_path: Path, sidecar: str):
    manifest = packed_chain(tmp_path, 1)[0]
    path = manifest.with_name(manifest.name + ".sha256")
    if sidecar == "missing":
        path.unlink()
    else:
        text = path.read_text()
        path.write_text("" if sidecar == "empty" else text.replace(manifest.name, "other.json"))
    for command in SHARING:
        assert_one_line_error(run(command[0], manifest, *command[1:], cwd=tmp_path), 1, "sidecar")
    assert not (tmp_path / "x.jsonl").exists() and not (tmp_path / "restored").exists()


def test_export_refuses_titles_the_warc_does_not_hold(tmp_path: Path):
    manifest = packed_chain(tmp_path, 1)[0]
    document = json.loads(manifest.read_text())
    document["seeds"][0]["title"] = "Retracted: this document is a forgery"
    document["batch"]["title"] = "Attacker title"

    document["snapshot_id"] = snapshot_id(document)
    write_signed(manifest, document)
    assert not archiver.verify(manifest, jobs=1).ok
    result = run("export", manifest, "--wacz", tmp_path / "x.wacz", "--jsonl", tmp_path / "x.jsonl")
    assert_one_line_error(result, 1, "disagrees with itself")
    assert_one_line_error(run("cite", manifest), 1, "disagrees with itself")
    assert not (tmp_path / "x.wacz").exists() and not (tmp_path / "x.jsonl").exists()


# -- L8: fields that follow from others are derived again ------------------------------------

def _seed_id(document: dict) -> None:
    document["seeds"][0]["id"] = "urn:x-archiver:some-other-batch:invoice.pdf"


def _source_uri(document: dict) -> None:
    document["seeds"][0]["source_uri"] = "https://evil.example/replacement"


def _dependencies(document: dict) -> None:
    document["dependencies"] = [{"batch": "totally-unrelated", "manifest": "batch-0.manifest.json",
                                 "warc_file": "batch-0.warc.gz"}]


@pytest.mark.parametrize("change", [_seed_id, _source_uri, _dependencies],
                         ids=["seed id", "source_uri", "dependencies"])
def test_verify_rederives_fields_a_crafted_snapshot_could_lie_in(tmp_path: Path, change):
    manifest = packed_chain(tmp_path, 2)[1]
    repack(snapshot_of(manifest), change, derive_ids=False)
    assert codes(manifest) == {"manifest-inconsistent"}
    assert not archiver.verify(manifest, jobs=2).ok  # the parallel check too
    assert_one_line_error(run("export", manifest, "--cdxj", tmp_path / "x.cdxj"), 1)


def test_verify_checks_the_previous_snapshot_id(tmp_path: Path):
    manifest = packed_chain(tmp_path, 2)[1]
    repack(snapshot_of(manifest),
           lambda document: document["previous"].update(snapshot_id="sha256:" + "0" * 64))
    assert codes(manifest) == {"chain-broken"}


# -- L15: one WARC listed twice ------------------------------------------------------------------

def test_a_warc_listed_twice_is_inconsistent_and_never_exported(tmp_path: Path):
    manifest = packed_chain(tmp_path, 1)[0]
    document = json.loads(manifest.read_text())
    document["warc_files"].append(document["warc_files"][0])
    write_signed(manifest, document)
    assert "manifest-inconsistent" in codes(manifest)
    result = run("export", manifest, "--wacz", tmp_path / "x.wacz")
    assert_one_line_error(result, 1, "a WARC file is listed twice")
    assert not (tmp_path / "x.wacz").exists()


# -- L14: long chains ------------------------------------------------------------------------------

def test_verify_of_a_chain_of_small_batches_starts_no_pool(tmp_path: Path, monkeypatch):
    manifests = packed_chain(tmp_path, 6)
    pools: list[int] = []
    real = parallel.process_pool
    monkeypatch.setattr(parallel, "process_pool", lambda jobs: pools.append(jobs) or real(jobs))
    assert archiver.verify(manifests[-1], jobs=2).ok
    assert pools == []  # a one-seed WARC is one chunk: this process checks it


def test_a_chain_longer_than_archiver_follows_is_not_called_a_loop(tmp_path: Path, monkeypatch):
    manifests = packed_chain(tmp_path, 4)
    monkeypatch.setattr(chain, "MAX_LINKS", 2)
    report = archiver.verify(manifests[-1], jobs=1)
    messages = [p.message for p in report.problems if p.code == "chain-broken"]
    assert messages and "longer than 2 manifests" in messages[0] and "loop" not in messages[0]


# -- I2: pack --previous with a name no manifest can record --------------------------------------

def test_pack_refuses_a_previous_manifest_name_up_front(tmp_path: Path):
    manifest = packed_chain(tmp_path, 1)[0]
    odd = manifest.with_name("Copy One.json")
    shutil.copy(manifest, odd)
    seeds = make_seeds(tmp_path / "new", {"new.txt": b"new\n"}, fields="- batch: batch-new\n")
    result = run("pack", seeds, "--out", manifest.parent, "--previous", odd, "-q")
    assert_one_line_error(result, 2, "Copy One.json", "manifest name")
    assert not list(manifest.parent.glob("batch-new*")) and not list(
        manifest.parent.glob(".*partial"))


# -- I1: gzip headers with optional fields ---------------------------------------------------------

def _with_optional_fields(member: bytes) -> bytes:
    """The member with FEXTRA (4 KiB of hidden bytes) and FCOMMENT added to its gzip header."""
    assert member[:4] == b"\x1f\x8b\x08\x00"
    extra = b"hidden bytes outside every record " * 120
    return (member[:3] + bytes([0x04 | 0x10]) + member[4:10] + len(extra).to_bytes(2, "little")
            + extra + b"a comment\x00" + member[10:])


def test_a_gzip_header_with_optional_fields_is_damage_however_verify_runs(tmp_path, monkeypatch):
    """Someone who writes the manifest adds FEXTRA and FCOMMENT to a seed's resource member and
    records its new sha256 and length, the next record's offset and the WARC's size and sha256:
    gzip and warcio still read it, but the bytes belong to no record, so verify (one core and
    the workers alike) and extract refuse it."""
    manifest = packed_chain(tmp_path, 1)[0]
    snap = snapshot_of(manifest)
    document = snap.document
    resource, metadata = document["seeds"][0]["records"]
    data = snap.warc.read_bytes()
    start, end = resource["offset"], resource["offset"] + resource["length"]
    member = _with_optional_fields(data[start:end])
    assert gzip.decompress(member) == gzip.decompress(data[start:end])
    data = data[:start] + member + data[end:]
    snap.warc.write_bytes(data)
    metadata["offset"] += len(member) - resource["length"]
    resource["length"], resource["sha256"] = len(member), hashlib.sha256(member).hexdigest()
    entry = document["warc_files"][0]
    entry["bytes"], entry["sha256"] = len(data), hashlib.sha256(data).hexdigest()
    document["snapshot_id"] = snapshot_id(document)
    write_signed(manifest, document)
    log_path(manifest).unlink(missing_ok=True)  # it names the manifest's old bytes
    monkeypatch.setattr(checker, "worth_workers", lambda plan: True)
    reports = [archiver.verify(manifest, jobs=jobs) for jobs in (1, 2)]
    assert reports[0].to_json() == reports[1].to_json()
    assert [(p.code, p.seed) for p in reports[0].problems] == [("record-damaged", "s0.txt")]
    assert "optional fields" in reports[0].problems[0].message
    result = run("extract", manifest, "--to", tmp_path / "restored")
    assert_one_line_error(result, 1, "s0.txt", "optional fields")
