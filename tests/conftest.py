"""Shared helpers: build seed folders in tmp_path and run the real `archiver` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATE = "2024-05-01T12:00:00Z"
HEADER = "| file | title | source | language | captured | notes |\n|---|---|---|---|---|---|\n"
# Dask warns when making a server's scratch folder takes over a second: the pace of a loaded
# machine, never a fault, yet as an error it failed a cluster's start at load 9. Every other
# warning stays an error, here and in the CLI runs below.
SLOW_DASK_SCRATCH = ("ignore:Creating scratch directories is taking a surprisingly long time"
                     ":UserWarning")
WARNINGS = f"error,{SLOW_DASK_SCRATCH}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", SLOW_DASK_SCRATCH)


def index_text(rows: list[tuple[str, ...]], *, fields: str = "- batch: test-batch\n",
               heading: str = "# Test batch\n") -> str:
    lines = ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return f"{heading}\n{fields}\n{HEADER}" + "\n".join(lines) + "\n"


def make_seeds(root: Path, files: dict[str, bytes], *, rows: list[tuple[str, ...]] | None = None,
               fields: str = "- batch: test-batch\n") -> Path:
    """A seeds folder holding `files`, with an INDEX.md row for each (unless rows are given)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if rows is None:
        rows = [(name, f"Title of {name}", "https://example.org/" + str(i), "en", "2021-03-18",
                 "") for i, name in enumerate(sorted(files))]
    (root / "INDEX.md").write_text(index_text(rows, fields=fields), encoding="utf-8")
    return root


def doc_files(count: int) -> dict[str, bytes]:
    """Real text nobody here wrote: the first `count` copyright files of the installed Debian
    packages (packages of one source often ship identical ones: revisits of their own)."""
    found = {}
    for path in sorted(Path("/usr/share/doc").glob("*/copyright")):
        if path.is_file() and not path.is_symlink() and path.stat().st_size < 64_000:
            found[f"{path.parent.name}.txt"] = path.read_bytes()
        if len(found) == count:
            return found
    raise AssertionError(f"/usr/share/doc: fewer than {count} copyright files to test with")


def run(*args: str | Path, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess, as a user would."""
    full_env = {**os.environ, "PYTHONWARNINGS": WARNINGS}
    full_env.pop("SOURCE_DATE_EPOCH", None)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "archiver", *map(str, args)], capture_output=True,
                          text=True, env=full_env, timeout=120, **kwargs)


def pack(seeds: Path, out: Path, *extra: str) -> Path:
    """Pack and return the manifest path; fail the test with stderr if packing fails."""
    result = run("pack", seeds, "--out", out, "--date", DATE, "--quiet", *extra)
    assert result.returncode == 0, result.stderr
    manifests = sorted(out.glob("*.manifest.json"))
    assert len(manifests) == 1
    return manifests[0]


def assert_one_line_error(result: subprocess.CompletedProcess, code: int, *needles: str) -> None:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.fixture
def sample_seeds(tmp_path: Path) -> Path:
    """Names and contents that break naive tools: non-ASCII, empty, duplicates, no newline."""
    return make_seeds(tmp_path / "seeds", {
        "café.txt": "Un café, s'il vous plaît.\n".encode(),
        "cafe\u0301-nfd.txt": "same word, decomposed\n".encode(),
        "empty.txt": b"",
        "a/copy-1.txt": b"identical bytes\n",
        "b/copy-2.txt": b"identical bytes\n",
        "no-newline.txt": b"the last line has no newline",
        "中文 名字.txt": "中文内容,没有换行".encode(),
    })
