"""Shared helpers for the fault, hostile-input, interruption, property and fuzz tests.

Seeds folders are built in `tmp_path`; snapshots are packed in process with a fixed packaging
time, so every test sees the same bytes. `run_cli` runs this tree's CLI in a subprocess.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from archiver.packing.packer import pack
from archiver.verification.checker import Report, verify

PACKAGED = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
BATCH = "fault-batch"
SMALL_SEEDS = {
    "a.txt": b"alpha: the first seed\n",
    "b.bin": bytes(range(256)) * 2,
    "c.txt": b"alpha: the first seed\n",  # same bytes as a.txt: a revisit record
}


def index_text(names: list[str], *, batch: str = BATCH, cells: dict[str, str] | None = None) -> str:
    """An INDEX.md listing `names`, one row each; `cells` overrides the title/source cells."""
    cells = cells or {}
    rows = [
        f"| `{name}` | {cells.get('title', 'title of ' + name)} | "
        f"{cells.get('source', 'https://example.org/' + str(n))} | en | 2021-03-18 | |"
        for n, name in enumerate(names)
    ]
    head = ["# Fault batch", "", f"- batch: {batch}", "",
            "| file | title | source | language | captured | notes |", "|---|---|---|---|---|---|"]
    return "\n".join(head + rows) + "\n"


def make_seeds(root: Path, files: dict[str, bytes], *, batch: str = BATCH,
               index: str | None = None) -> Path:
    """A seeds folder under `root` holding `files` and an INDEX.md listing them."""
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    text = index if index is not None else index_text(sorted(files), batch=batch)
    (root / "INDEX.md").write_text(text, "utf-8")
    return root


@dataclass
class Snapshot:
    """A packed snapshot's three files and its manifest as parsed."""

    folder: Path
    manifest: Path
    sidecar: Path
    warc: Path

    @property
    def document(self) -> dict[str, Any]:
        return json.loads(self.manifest.read_bytes())

    def copy_to(self, folder: Path) -> "Snapshot":
        folder.mkdir(parents=True, exist_ok=True)
        for path in (self.manifest, self.sidecar, self.warc):
            shutil.copyfile(path, folder / path.name)
        return Snapshot(folder, folder / self.manifest.name, folder / self.sidecar.name,
                        folder / self.warc.name)

    def verify(self, **options: Any) -> Report:
        return verify(self.manifest, **options)

    def placements(self) -> list[tuple[int, int, str | None]]:
        """(offset, length, seed path or None for warcinfo) of every record, in file order."""
        document = self.document
        info = document["warc_files"][0]["warcinfo"]
        found = [(info["offset"], info["length"], None)]
        for seed in document["seeds"]:
            found += [(r["offset"], r["length"], seed["path"]) for r in seed["records"]]
        return sorted(found)


def pack_snapshot(seeds: Path, out: Path) -> Snapshot:
    result = pack(seeds, out_dir=out, packaged=PACKAGED)
    return Snapshot(out, result.manifest_path, result.sidecar_path, result.warc_paths[0])


def small_snapshot(root: Path, files: dict[str, bytes] | None = None) -> Snapshot:
    seeds = make_seeds(root / "seeds", files or SMALL_SEEDS)
    return pack_snapshot(seeds, root / "out")


def run_cli(*args: object, timeout: float = 60, **options: Any) -> subprocess.CompletedProcess:
    """This tree's `archiver` in a subprocess, with text output and a hard timeout."""
    env = {**os.environ, "PYTHONWARNINGS": "error", "COLUMNS": "200"}
    env.pop("SOURCE_DATE_EPOCH", None)
    return subprocess.run([sys.executable, "-m", "archiver", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=env, **options)


def assert_one_line_error(result: subprocess.CompletedProcess, code: int) -> str:
    """The CLI failed with `code` and exactly one `archiver: ...` line on stderr, no traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines()
             if not line.startswith("archiver: warning:")]
    assert len(lines) == 1 and lines[0].startswith("archiver: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def flipped(data: bytes, position: int, mask: int = 0xFF) -> bytes:
    return data[:position] + bytes([data[position] ^ mask]) + data[position + 1:]
