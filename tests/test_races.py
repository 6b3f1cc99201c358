"""A folder swapped for a symbolic link while pack or extract runs (issue 16, M2 and M3).

Each swap is placed exactly, never by waiting: pack's lands between the scan and the reads (the
plan `prepare` made is what the CLI hands to `pack`, in a child process), and extract's inside the window between
a folder's check and the file created in it, from an audit hook that fires on the `open` of the
seed's temporary file, just before the system call (in a child process, so the hook ends
with it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import REPO, make_seeds

import archiver

PACKAGED = datetime(2024, 5, 1, tzinfo=timezone.utc)
SECRET = b"root:x:0:0:the secret outside the seeds folder\n"


def everything_below(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


PACK_DRIVER = """
import os, sys
from datetime import datetime, timezone
from pathlib import Path
import archiver
from archiver.seeds.plan import prepare
from archiver.seeds.shards import Limits

seeds, out, swap, target, jobs = sys.argv[1:6]
work = prepare(Path(seeds), Limits(1 << 30, 65_536))  # the scan
if swap.endswith("/"):  # a folder swapped for a link to `target`
    os.rename(Path(seeds, swap), Path(seeds, swap.rstrip("/") + ".decoy"))
else:  # a link given another target
    os.unlink(Path(seeds, swap))
os.symlink(target, Path(seeds, swap.rstrip("/")))
try:
    archiver.pack(Path(seeds), out_dir=Path(out), prepared=work, jobs=int(jobs),
                  packaged=datetime(2024, 5, 1, tzinfo=timezone.utc))
    print("packed")
except archiver.ArchiverError as err:
    print("refused:", err)
"""


def pack_after_a_swap(tmp_path: Path, seeds: Path, swap: str, target: str | Path,
                      jobs: int) -> str:
    """Pack in a child process (its pool and imports its own), the swap made between the scan
    and the reads; what it printed."""
    ran = subprocess.run(
        [sys.executable, "-c", PACK_DRIVER, seeds, tmp_path / "out", swap, target, str(jobs)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONWARNINGS": "error"})
    assert ran.returncode == 0, ran.stderr
    return ran.stdout


@pytest.mark.parametrize("jobs", [1, 2])
def test_pack_refuses_a_folder_swapped_for_a_link_after_the_scan(tmp_path, jobs):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd").write_bytes(SECRET)
    seeds = make_seeds(tmp_path / "seeds", {
        **{f"a{n:03d}.txt": f"seed {n}\n".encode() for n in range(20)},
        "zz/passwd": b"x" * len(SECRET),  # the same size: the size check alone cannot tell
    })
    said = pack_after_a_swap(tmp_path, seeds, "zz/", outside, jobs)
    assert said.startswith("refused:") and "zz/passwd: cannot read:" in said, said
    assert "symbolic link" in said, said
    out = tmp_path / "out"
    assert not list(out.glob("*.manifest.json"))
    assert SECRET not in everything_below(out)


DRIVER = """
import os, sys
from pathlib import Path
import archiver

manifest, to, victim = map(Path, sys.argv[1:4])
armed = [True]

def swap(event, args):  # just before the open of b.txt's temporary file
    if armed[0] and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        name = os.fsdecode(args[0])
        if name.endswith(".partial") and "b.txt" in os.path.basename(name):
            armed[0] = False
            os.rename(to / "sub", to / "sub.real")
            os.symlink(victim, to / "sub")

sys.addaudithook(swap)
try:
    archiver.extract(manifest, to=to, force="--force" in sys.argv)
except archiver.ArchiverError as err:
    print("refused:", err)
print("swapped" if not armed[0] else "never swapped")
"""


@pytest.mark.parametrize("force", [False, True])
def test_extract_cannot_be_raced_into_writing_outside_to(tmp_path, force):
    seeds = make_seeds(tmp_path / "seeds", {"sub/a.txt": b"first\n", "sub/b.txt": b"second\n"})
    result = archiver.pack(seeds, out_dir=tmp_path / "out", packaged=PACKAGED, jobs=1)
    victim = tmp_path / "victim"
    victim.mkdir()
    if force:
        (victim / "b.txt").write_bytes(b"the victim's own file\n")
    to = tmp_path / "shared-to"
    ran = subprocess.run(
        [sys.executable, "-c", DRIVER, result.manifest_path, to, victim,
         *(["--force"] if force else [])],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONWARNINGS": "error"})
    assert ran.returncode == 0, ran.stderr
    assert "swapped" in ran.stdout.splitlines()[-1]
    assert sorted(p.name for p in victim.iterdir()) == (["b.txt"] if force else [])
    if force:
        assert (victim / "b.txt").read_bytes() == b"the victim's own file\n"
    # whatever was written stayed inside --to: in the folder extract opened, now sub.real
    assert (to / "sub.real" / "a.txt").read_bytes() == b"first\n"
    assert (to / "sub.real" / "b.txt").read_bytes() == b"second\n"


def test_pack_refuses_a_link_turned_outside_after_the_scan(tmp_path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_bytes(SECRET)
    seeds = make_seeds(tmp_path / "seeds", {"docs/a.txt": b"alpha\n"},
                       rows=[("docs/a.txt", "A", "https://example.org/a", "en", "2021", ""),
                             ("link.txt", "L", "https://example.org/l", "zxx", "2021", "")])
    (seeds / "link.txt").symlink_to("docs/a.txt")  # a good link when the scan sees it
    said = pack_after_a_swap(tmp_path, seeds, "link.txt", "../outside", 1)  # as long
    assert said.startswith("refused:") and "link.txt: symbolic link leaves the seeds folder" \
        in said and "changed since the scan" in said, said
    assert not list((tmp_path / "out").glob("*.manifest.json"))
