"""Every name a file system holds: NAME_MAX (255-byte) names and paths up to PATH_MAX pack,
verify and extract under the same name; an output folder inside the seeds folder is refused."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import DATE, assert_one_line_error, make_seeds, pack, run

import archiver

LONGEST = "n" * 251 + ".txt"  # 255 bytes: extract's temporary name used to add 18 more
CJK = "中" * 85  # 255 bytes of UTF-8 in 85 characters


def tree(root: Path) -> dict[str, bytes]:
    """Every file below `root` by its relative name, read through descriptors (a path past
    PATH_MAX cannot be opened whole)."""
    found: dict[str, bytes] = {}

    def walk(fd: int, prefix: str) -> None:
        for entry in os.scandir(fd):
            if entry.is_dir(follow_symlinks=False):
                child = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
                try:
                    walk(child, prefix + entry.name + "/")
                finally:
                    os.close(child)
            else:
                file = os.open(entry.name, os.O_RDONLY, dir_fd=fd)
                with open(file, "rb") as stream:
                    found[prefix + entry.name] = stream.read()

    top = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        walk(top, "")
    finally:
        os.close(top)
    return found


def test_255_byte_names_round_trip_under_the_same_names(tmp_path):
    files = {LONGEST: b"ascii\n", CJK: "二\n".encode(), "文" * 84 + f"/{LONGEST}": b"nested\n"}
    seeds = make_seeds(tmp_path / "seeds", files)
    manifest = pack(seeds, tmp_path / "out")
    checked = run("verify", manifest, "--seeds", seeds)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    restored = run("extract", manifest, "--to", tmp_path / "to", "--quiet")
    assert restored.returncode == 0, restored.stderr
    assert tree(tmp_path / "to") == files
    again = run("extract", manifest, "--to", tmp_path / "to", "--quiet")  # same bytes: a no-op
    assert again.returncode == 0, again.stderr
    assert tree(tmp_path / "to") == files


@pytest.mark.parametrize("where", ["seeds itself", "a subfolder", "a link into seeds"])
def test_out_inside_the_seeds_folder_is_refused_before_anything_is_written(tmp_path, where):
    seeds = make_seeds(tmp_path / "seeds", {"a.txt": b"alpha\n"})
    out = {"seeds itself": seeds, "a subfolder": seeds / "snapshots" / "new",
           "a link into seeds": tmp_path / "link"}[where]
    if where == "a link into seeds":
        (seeds / "sub").mkdir()
        out.symlink_to(seeds / "sub")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = run("pack", seeds, "--out", out, "--date", DATE)
    assert_one_line_error(result, 2, str(out), "inside the seeds folder")
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    with pytest.raises(archiver.InputError, match="inside the seeds folder"):
        archiver.pack(seeds, out_dir=out, packaged=datetime(2024, 5, 1, tzinfo=timezone.utc))


def make_deep(root: Path, path: str, data: bytes) -> None:
    """Create `root/path` through descriptors (a path past PATH_MAX cannot be made whole)."""
    *folders, name = path.split("/")
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    for part in folders:
        try:
            os.mkdir(part, dir_fd=fd)
        except FileExistsError:
            pass
        child = os.open(part, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = child
    out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=fd)
    os.write(out, data)
    os.close(out)
    os.close(fd)


@pytest.mark.parametrize("path", [
    # 4,090 bytes: within PATH_MAX below the folder, past it from the file system's root
    "/".join([f"{i:02d}" + "p" * 248 for i in range(16)] + ["f" * 70 + ".txt"]),
    "/".join(["d"] * 400 + ["leaf.txt"]),  # 400 folders deep
], ids=["near PATH_MAX", "400 deep"])
def test_long_paths_round_trip_under_the_same_names(tmp_path, path):
    seeds = make_seeds(tmp_path / "seeds", {"short.txt": b"short\n"},
                       rows=[("short.txt", "Short", "https://example.org/s", "en", "2021", ""),
                             (path, "Deep", "https://example.org/d", "en", "2021", "")])
    make_deep(seeds, path, b"deep down\n")
    manifest = pack(seeds, tmp_path / "out")
    checked = run("verify", manifest, "--seeds", seeds)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    restored = run("extract", manifest, "--to", tmp_path / "to", "--quiet")
    assert restored.returncode == 0, restored.stderr
    assert tree(tmp_path / "to") == {"short.txt": b"short\n", path: b"deep down\n"}
