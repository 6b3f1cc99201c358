"""A sharded snapshot in a user's hands: its root manifest shown, cited, signed and checked with
`sha256sum -c` and `ssh-keygen`, its seeds restored, its seeds folder compared; what cannot be
done on a root (an export) refused in one line.

The snapshot is real documents nobody here wrote (/usr/share/doc), cut into four shards, the
last one repeating the first's payload (a revisit into another shard). Packed through the
Python API on one core; the CLI runs where its output and exit codes are what is checked.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

import archiver
from archiver.share.citation import citation
from archiver.share.export import export
from archiver.share.signing import sign_manifest
from archiver.verification.signature import SignatureCheck
from conftest import DATE, assert_one_line_error, doc_files, make_seeds, run
from test_share import PRINCIPAL, keygen, ssh_keygen_verify

PACKAGED = datetime.fromisoformat(DATE)
COPY = "zz-copy-of-first.txt"


@pytest.fixture(scope="module")
def docs() -> dict[str, bytes]:
    files = doc_files(31)
    files[COPY] = files[sorted(files)[0]]
    return files


@pytest.fixture(scope="module")
def packed(tmp_path_factory, docs) -> tuple[Path, Path, Path]:
    """The seeds, their sharded snapshot's root, and the same seeds as one file."""
    folder = tmp_path_factory.mktemp("sharded")
    seeds = make_seeds(folder / "seeds", docs, fields="- batch: test-batch\n"
                       "- creators: Debian maintainers\n- license: various\n")
    root = archiver.pack(seeds, out_dir=folder / "sharded", packaged=PACKAGED, jobs=1,
                         shard_seeds=8).manifest_path
    one = archiver.pack(seeds, out_dir=folder / "one", packaged=PACKAGED, jobs=1).manifest_path
    return seeds, root, one


def _seed_problems(manifest: Path, seeds: Path) -> list[tuple[str, str, str | None]]:
    report = archiver.verify(manifest, seeds_dir=seeds, jobs=1)
    return sorted((p.code, p.where, p.seed) for p in report.problems)


def test_verify_seeds_names_what_it_names_for_one_file(tmp_path, packed, docs):
    seeds, root, one = packed
    assert archiver.verify(root, seeds_dir=seeds, jobs=1).ok
    copy = tmp_path / "seeds"
    shutil.copytree(seeds, copy)
    names = sorted(docs)
    (copy / names[9]).unlink()  # in the second shard
    (copy / names[20]).write_bytes(b"changed since it was packed\n")
    for extra in ("0-before-every-shard.txt", names[12] + ".extra", "zzz-after-every-shard.txt"):
        (copy / extra).write_bytes(b"not packed\n")
    problems = _seed_problems(root, copy)
    assert problems == _seed_problems(one, copy)
    assert [code for code, *_ in problems] == ["seeds-differs", "seeds-missing"] + \
        ["seeds-unexpected"] * 3
    result = run("verify", root, "--seeds", copy)
    assert result.returncode == 1 and f"{names[9]}: FAILED" in result.stdout, result.stdout


def test_the_root_is_shown_cited_signed_and_checked_by_sha256sum(tmp_path, packed):
    _, root, _ = packed
    document = json.loads(root.read_text())
    shown = run("show", root)
    assert shown.returncode == 0, shown.stderr
    assert "32 seeds in 4 shards" in shown.stdout
    assert all(shard["manifest"] in shown.stdout for shard in document["shards"])
    cff = citation(root, "cff")
    digest = subprocess.run(["sha256sum", root], capture_output=True, text=True).stdout.split()[0]
    assert document["snapshot_id"] in cff and digest in cff
    key, signers = keygen(tmp_path, "id")
    signature = sign_manifest(root, key=key, out=tmp_path / "root.sig")
    assert ssh_keygen_verify(root, signature, signers) == 0
    report = archiver.verify(root, jobs=1, signature=SignatureCheck(
        signature, signers, now=int(time.time())))
    assert report.signature == {"path": str(signature), "ok": True, "signer": PRINCIPAL}
    checked = subprocess.run(["sha256sum", "-c", root.name + ".sha256"], cwd=root.parent,
                             capture_output=True, text=True)  # every file of the snapshot
    assert checked.returncode == 0 and checked.stdout.count(": OK") == 2 + 2 * 4 + 16  # root, plan, shards, buckets


def test_seeds_are_restored_from_the_root_or_a_shard(tmp_path, packed, docs):
    _, root, _ = packed
    restored = archiver.extract(root, to=tmp_path / "all")
    assert sorted(item.path for item in restored) == sorted(docs)
    assert all((tmp_path / "all" / name).read_bytes() == data for name, data in docs.items())
    last = root.with_name(json.loads(root.read_text())["shards"][-1]["manifest"])
    archiver.extract(last, to=tmp_path / "one", only=[COPY])  # a revisit into the first shard
    assert (tmp_path / "one" / COPY).read_bytes() == docs[COPY]
    with pytest.raises(archiver.InputError, match="no seed named"):
        archiver.extract(root, to=tmp_path / "none", only=[COPY, "not-a-seed.txt"])
    assert not (tmp_path / "none").exists()


def test_export_refuses_a_root_in_one_line(tmp_path, packed):
    _, root, _ = packed
    result = run("export", root, "--jsonl", tmp_path / "seeds.jsonl")
    assert_one_line_error(result, 2, str(root), "sharded", "-00000.manifest.json")
    assert not (tmp_path / "seeds.jsonl").exists()


def test_a_shard_exports_with_the_sibling_warc_its_revisits_need(tmp_path, packed):
    _, root, _ = packed
    shards = json.loads(root.read_text())["shards"]
    written = export(root.with_name(shards[-1]["manifest"]), wacz=tmp_path / "last.wacz",
                     jsonl=tmp_path / "last.jsonl")
    assert written == [tmp_path / "last.wacz", tmp_path / "last.jsonl"]
    with zipfile.ZipFile(tmp_path / "last.wacz") as wacz:
        names = wacz.namelist()
    assert f"archive/{shards[0]['warc_file']}" in names  # where the copy's bytes are
    lines = [json.loads(line) for line in (tmp_path / "last.jsonl").read_text().splitlines()]
    assert any(line["path"] == COPY for line in lines)


def test_shards_are_even_in_count_within_the_limit(tmp_path, docs):
    """The plan cuts as many shards as the limit needs, of counts that differ by at most one
    (21 seeds at 8 a shard are 7, 7 and 7, not 8, 8 and 5: on two cores the longest shard sets
    the pack's time), and the snapshot verifies."""
    some = {name: docs[name] for name in sorted(docs)[:21]}
    seeds = make_seeds(tmp_path / "seeds", some)
    root = archiver.pack(seeds, out_dir=tmp_path / "out", packaged=PACKAGED, jobs=1,
                         shard_seeds=8).manifest_path
    plan = json.loads(next(root.parent.glob("*.plan.json")).read_text())
    assert plan["limits"]["seeds"] == 8
    assert [shard["seeds"] for shard in plan["shards"]] == [7, 7, 7]
    assert [shard["first"] for shard in plan["shards"]] == [sorted(some)[n] for n in (0, 7, 14)]
    assert archiver.verify(root, seeds_dir=seeds, jobs=1).ok
