"""Issue 12's "done when", end to end on the machine's own documents: a copy of /usr/share/doc
(thousands of files in nested folders, symbolic links between package folders) packs after one
`archiver add` with bulk options and no hand edits, verifies, and `extract` restores a tree
that `diff -r --no-dereference` finds identical, links as links. The links that leave the
folder or dangle (in a copy, a relative link out of /usr/share/doc points nowhere) cannot be
archived: they are left out with a warning each, and they are all `diff` finds missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import DATE

DOC = Path("/usr/share/doc")


def archiver(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    env.pop("SOURCE_DATE_EPOCH", None)
    return subprocess.run([sys.executable, "-m", "archiver", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=900)


def bad_links(folder: Path) -> list[Path]:
    """The links whose target is outside `folder`, missing, or a loop."""
    found = []
    for link in sorted(path for path in folder.rglob("*") if path.is_symlink()):
        target = Path(os.path.realpath(link))
        if not target.is_relative_to(folder.resolve()) or not os.path.exists(link):
            found.append(link)
    return found


def test_a_copy_of_usr_share_doc_round_trips_after_one_add(tmp_path: Path) -> None:
    seeds = tmp_path / "doc"
    subprocess.run(["cp", "-a", str(DOC), str(seeds)], check=True, timeout=600)
    links = [path for path in seeds.rglob("*") if path.is_symlink()]
    bad = bad_links(seeds)
    assert len(links) - len(bad) >= 40 and bad, (len(links), len(bad))

    added = archiver("add", seeds, "--source", "file:///usr/share/doc/{path}",
                     "--captured", "mtime", "--skip-bad-links", "--quiet")
    assert added.returncode == 0, added.stderr
    assert "every one filled: ready to pack" in added.stdout, added.stdout
    assert sum(str(link.relative_to(seeds)) in added.stderr for link in bad) == len(bad)

    out, restored = tmp_path / "snapshot", tmp_path / "restored"
    packed = archiver("pack", seeds, "--out", out, "--date", DATE, "--skip-bad-links", "--quiet")
    assert packed.returncode == 0, packed.stderr
    manifest = out / "doc.manifest.json"
    verified = archiver("verify", manifest, "--seeds", seeds)  # the folder as packed, too
    assert verified.returncode == 0, verified.stdout[-2000:]
    extracted = archiver("extract", manifest, "--to", restored, "--quiet")
    assert extracted.returncode == 0, extracted.stderr

    diff = subprocess.run(["diff", "-r", "--no-dereference", str(seeds), str(restored)],
                          capture_output=True, text=True, timeout=600)
    expected = {f"Only in {link.parent}: {link.name}" for link in bad}
    expected.add(f"Only in {seeds}: INDEX.md")  # the seeds' description, not a seed
    assert set(diff.stdout.splitlines()) == expected, diff.stdout[-3000:] + diff.stderr
    kept = [path for path in restored.rglob("*") if path.is_symlink()]
    assert len(kept) == len(links) - len(bad)
    for link in kept:
        assert os.readlink(link) == os.readlink(seeds / link.relative_to(restored))
