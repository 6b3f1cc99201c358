"""Symbolic links, faithfully and safely (issue 12 item 1).

A link inside the seeds folder is archived as a link (a resource record of type inode/symlink
whose block is the target) and restored as the same link; a link that leaves the folder,
dangles or loops is refused naming it, or left out with `--skip-bad-links` and a warning.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from craftlib import repack
from faultlib import Snapshot

from archiver.manifest.identity import snapshot_id
from archiver.manifest.loader import load_manifest
from conftest import DATE, assert_one_line_error, make_seeds, pack, run
from warcio.archiveiterator import ArchiveIterator

FILES = {"docs/a.txt": b"alpha\n", "docs/b.txt": b"beta\n", "other/c.txt": b"gamma\n"}
LINKS = {
    "docs/same-folder.txt": "a.txt",
    "up.txt": "docs/b.txt",
    "other/docs": "../docs",  # a link to a folder
    "through.txt": "other/docs/a.txt",  # through the folder link
    "chain.txt": "up.txt",  # a link to a link
    "here": ".",  # the seeds folder itself
}
SECRET = b"nothing from outside the folder may enter the archive\n"


def rows_for(names: list[str]) -> list[tuple[str, ...]]:
    return [(name, f"Title of {name}", f"https://example.org/{i}", "en", "2021-03-18", "")
            for i, name in enumerate(sorted(names))]


def linked_seeds(root: Path, links: dict[str, str] = LINKS,
                 files: dict[str, bytes] = FILES) -> Path:
    seeds = make_seeds(root, files, rows=rows_for([*files, *links]))
    for name, target in links.items():
        (seeds / name).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, seeds / name)
    return seeds


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """A snapshot with links to files, to a folder, through a folder link and to a link."""
    return pack(linked_seeds(tmp_path / "seeds"), tmp_path / "out")


def same_tree(left: Path, right: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["diff", "-r", "--no-dereference", "-x", "INDEX.md", str(left),
                           str(right)], capture_output=True, text=True, timeout=300)


def records(manifest: Path) -> list[tuple[str, str, str, bytes]]:
    """(type, target URI, Content-Type, block) of every record, read by warcio."""
    with open(manifest.with_name("test-batch.warc.gz"), "rb") as stream:
        return [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"),
                 r.rec_headers.get_header("Content-Type"), r.content_stream().read())
                for r in ArchiveIterator(stream)]


def test_links_inside_are_archived_as_links_and_restored_as_the_same_links(linked, tmp_path):
    document = json.loads(linked.read_text())
    assert document["schema_version"] == "1.1" and document["links"] == len(LINKS)
    entries = {seed["path"]: seed for seed in document["seeds"]}
    assert {path: seed["link"]["target"] for path, seed in entries.items() if "link" in seed} \
        == LINKS
    assert all("link" not in entries[path] for path in FILES)
    found = records(linked)
    for path, target in LINKS.items():  # the resource record says what it is
        (record,) = [r for r in found if r[0] in ("resource", "revisit")
                     and r[1] == entries[path]["id"]]
        assert record[0] == "revisit" or record[2:] == ("inode/symlink", target.encode())
        (meta,) = [r for r in found if r[0] == "metadata" and r[1] == entries[path]["id"]]
        assert f"link-target: {target}".encode() in meta[3]
    blocks = [r[3] for r in found if r[0] == "resource"]
    for data in FILES.values():  # each target's bytes archived once, under its own name
        assert blocks.count(data) == 1
    checked = run("verify", linked, "--seeds", tmp_path / "seeds")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    restored = run("extract", linked, "--to", tmp_path / "to", "--quiet")
    assert restored.returncode == 0, restored.stderr
    assert os.readlink(tmp_path / "to" / "other" / "docs") == "../docs"
    compared = same_tree(tmp_path / "seeds", tmp_path / "to")
    assert compared.returncode == 0, compared.stdout
    again = run("extract", linked, "--to", tmp_path / "to")  # the same links: nothing to do
    assert again.returncode == 0 and again.stdout.count("(already there)") == len(FILES) + len(LINKS)


BAD = {
    "absolute": ({"bad.txt": "OUTSIDE"}, "leaves the seeds folder"),
    "climbs out": ({"docs/bad.txt": "../../outside/secret.txt"}, "leaves the seeds folder"),
    "through a link out": ({"out": "../outside", "bad.txt": "out/secret.txt"},
                           "leaves the seeds folder"),
    "dangling": ({"bad.txt": "docs/missing.txt"}, "dangles"),
    "loop": ({"bad.txt": "loop.txt", "loop.txt": "bad.txt"}, "loops"),
    "itself": ({"bad.txt": "bad.txt"}, "loops"),
}


def bad_links(tmp_path: Path, case: str) -> tuple[dict[str, str], str]:
    """The case's links (beside a secret outside the seeds folder) and the reason expected."""
    links, reason = BAD[case]
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_bytes(SECRET)
    return {name: target.replace("OUTSIDE", str(tmp_path / "outside" / "secret.txt"))
            for name, target in links.items()}, reason


@pytest.mark.parametrize("case", BAD)
def test_a_bad_link_is_refused_naming_it_and_nothing_is_written(tmp_path, case):
    links, reason = bad_links(tmp_path, case)
    seeds = linked_seeds(tmp_path / "seeds", links)
    result = run("pack", seeds, "--out", tmp_path / "out", "--date", DATE)
    assert_one_line_error(result, 2, "symbolic link", reason, "--skip-bad-links")
    assert any(f"{seeds / name}: symbolic link" in result.stderr for name in links), result.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("case", BAD)
def test_skip_bad_links_leaves_each_out_with_a_warning(tmp_path, case):
    links, reason = bad_links(tmp_path, case)
    seeds = linked_seeds(tmp_path / "seeds", {**links, "good.txt": "docs/a.txt"})
    result = run("pack", seeds, "--out", tmp_path / "out", "--date", DATE, "--skip-bad-links")
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "symbolic link" in line]
    assert len(warnings) == len(links), result.stderr  # every one of them is bad
    for name in links:
        assert any(f"{seeds / name}: symbolic link" in line and "left out" in line
                   for line in warnings), (name, warnings)
    assert any(reason in line for line in warnings), warnings
    (manifest,) = (tmp_path / "out").glob("*.manifest.json")
    document = json.loads(manifest.read_text())
    assert {seed["path"] for seed in document["seeds"]} == {*FILES, "good.txt"}
    assert document["links"] == 1
    warc = (tmp_path / "out" / "test-batch.warc.gz").read_bytes()
    assert SECRET not in b"".join(r[3] for r in records(manifest)) and SECRET not in warc
    assert run("verify", manifest, "--seeds", seeds).returncode == 0


def test_links_in_a_later_batch(tmp_path):
    first = make_seeds(tmp_path / "first", {"base.txt": b"archived in the first batch\n"},
                       fields="- batch: first\n")
    pack(first, tmp_path / "out")
    later = linked_seeds(tmp_path / "later", {"to-copy.txt": "copy.txt", "sub/up": ".."},
                         {"copy.txt": b"archived in the first batch\n", "new.txt": b"new\n"})
    (later / "INDEX.md").write_text((later / "INDEX.md").read_text().replace(
        "- batch: test-batch", "- batch: later"))
    result = run("pack", later, "--out", tmp_path / "out", "--date", DATE, "--quiet",
                 "--previous", tmp_path / "out" / "first.manifest.json")
    assert result.returncode == 0, result.stderr
    manifest = tmp_path / "out" / "later.manifest.json"
    document = json.loads(manifest.read_text())
    entries = {seed["path"]: seed for seed in document["seeds"]}
    assert entries["copy.txt"]["duplicate_of"]["batch"] == "first"  # a revisit into batch one
    assert entries["to-copy.txt"]["link"] == {"target": "copy.txt"} and document["links"] == 2
    checked = run("verify", manifest, "--seeds", later)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert run("extract", manifest, "--to", tmp_path / "to", "-q").returncode == 0
    assert same_tree(later, tmp_path / "to").returncode == 0
    assert (tmp_path / "to" / "to-copy.txt").read_bytes() == b"archived in the first batch\n"


def test_verify_names_a_link_whose_target_changed(linked, tmp_path):
    seeds = tmp_path / "seeds"
    (seeds / "up.txt").unlink()
    os.symlink("docs/a.txt", seeds / "up.txt")  # still inside, but another target
    (seeds / "chain.txt").unlink()
    (seeds / "chain.txt").write_bytes(b"up.txt")  # the same bytes, but no link
    result = run("verify", linked, "--seeds", seeds, "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    problems = json.loads(result.stdout)["problems"]
    named = {(p["code"], p["seed"]) for p in problems}
    assert named == {("link-target", "up.txt"), ("link-target", "chain.txt")}, problems


def test_verify_and_extract_refuse_a_manifest_link_that_leads_outside(linked, tmp_path):
    """A crafted manifest: the link's entry and its record agree, the target leaves."""
    document = json.loads(linked.read_text())
    (entry,) = [seed for seed in document["seeds"] if seed["path"] == "here"]
    entry["link"]["target"] = ".."
    document["snapshot_id"] = snapshot_id(document)  # consistent, as an attacker would make it
    linked.write_text(json.dumps(document))
    digest = hashlib.sha256(linked.read_bytes()).hexdigest()
    linked.with_name(linked.name + ".sha256").write_text(f"{digest}  {linked.name}\n")
    result = run("verify", linked, "--json")
    assert "link-target" in {p["code"] for p in json.loads(result.stdout)["problems"]}
    extracted = run("extract", linked, "--to", tmp_path / "to", "here")
    # The one loader refuses it first: the record ids follow from the entry, link target
    # included, so the changed target makes the manifest disagree with itself (review L9).
    assert_one_line_error(extracted, 1, linked.name, "manifest disagrees with itself", "here")
    assert not (tmp_path / "to" / "here").is_symlink()


# Targets a crafted manifest may give a link, consistent with its record (craftlib rebuilds the
# record, digests and ids from the entry, so the one loader takes the manifest): each leads out
# of --to or loops only when resolved over the manifest's entries, which is extract's own check.
CRAFTED_TARGETS = {
    "up": ("here", "..", "leaves the seeds folder"),
    "absolute": ("here", "/etc", "leaves the seeds folder"),
    "through a link": ("here", "other/docs/../../..", "leaves the seeds folder"),
    "a link to itself": ("chain.txt", "chain.txt", "loops"),
    "two links in a loop": ("chain.txt", "through.txt", "loops"),
}


@pytest.mark.parametrize("case", CRAFTED_TARGETS)
def test_extract_itself_refuses_a_crafted_link_the_loader_takes(linked, tmp_path, case):
    name, target, reason = CRAFTED_TARGETS[case]

    def retarget(document: dict) -> None:
        for seed in document["seeds"]:
            if seed["path"] == name:
                seed["link"]["target"] = target
            if case == "two links in a loop" and seed["path"] == "through.txt":
                seed["link"]["target"] = "chain.txt"

    snap = Snapshot(linked.parent, linked, linked.with_name(linked.name + ".sha256"),
                    linked.with_name("test-batch.warc.gz"))
    repack(snap, retarget)
    load_manifest(linked)  # the loader takes it: nothing in it disagrees with itself
    verified = run("verify", linked, "--json")
    assert verified.returncode == 1
    assert {p["code"] for p in json.loads(verified.stdout)["problems"]} == {"link-target"}
    to = tmp_path / "to"
    for only in ([name], []):
        extracted = run("extract", linked, "--to", to, *only)
        assert_one_line_error(extracted, 2, f"refusing to restore the link {name!r}", reason)
        assert not to.exists()


def test_a_copy_of_usr_share_doc_with_its_links_round_trips(tmp_path):
    """/usr/share/doc holds links between package folders (inside), and a few that leave it
    (`../../build-essential/list`, sphinx's `_static/*.js`): those are left out, each named."""
    copy = tmp_path / "doc"
    shutil.copytree("/usr/share/doc", copy, symlinks=True)
    names, outside = [], []
    for folder, dirs, files in os.walk(copy):  # os.walk lists a folder link among dirs
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            path = os.path.join(folder, name)
            names.append(os.path.relpath(path, copy))
            if os.path.islink(path) and not os.path.realpath(path).startswith(f"{copy}/"):
                outside.append(names[-1])
    links = [name for name in names if os.path.islink(copy / name)]
    assert len(links) - len(outside) >= 50, (len(links), len(outside))
    (copy / "INDEX.md").write_text("# doc\n\n- batch: test-batch\n\n"
                                   "| file | title | source | language | captured | notes |\n"
                                   "|---|---|---|---|---|---|\n" + "".join(
                                       f"| `{name}` | | https://example.org/doc | zxx | 2024 | |\n"
                                       for name in sorted(names)), encoding="utf-8")
    refused = run("pack", copy, "--out", tmp_path / "out", "--date", DATE)
    assert refused.returncode == 2 and "leaves the seeds folder" in refused.stderr
    manifest = pack(copy, tmp_path / "out", "--skip-bad-links")
    assert json.loads(manifest.read_text())["links"] == len(links) - len(outside)
    checked = run("verify", manifest, "--seeds", copy)
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr
    restored = run("extract", manifest, "--to", tmp_path / "to", "--quiet")
    assert restored.returncode == 0, restored.stderr
    compared = same_tree(copy, tmp_path / "to")
    missing = sorted(compared.stdout.splitlines())
    assert missing == sorted(f"Only in {copy / os.path.dirname(name)}: {os.path.basename(name)}"
                             for name in outside), compared.stdout[-2000:]


def test_add_lists_links_and_pack_takes_its_rows(tmp_path):
    seeds = linked_seeds(tmp_path / "seeds")
    (seeds / "INDEX.md").unlink()
    added = run("add", seeds, "--source", "https://example.org/{path}", "--captured", "2024")
    assert added.returncode == 0, added.stderr
    index = (seeds / "INDEX.md").read_text()
    for name, target in LINKS.items():
        (line,) = [line for line in index.splitlines() if f"`{name}`" in line or
                   f"| {name} |" in line]
        assert "| zxx |" in line and f"symbolic link to {target}" in line, line
    manifest = pack(seeds, tmp_path / "out")
    assert json.loads(manifest.read_text())["links"] == len(LINKS)
