"""A reader that goes away (`archiver verify M | head -1`) ends a command quietly, the way Unix
tools end (review I3): no traceback, nothing on stderr, exit status 141 (128 + SIGPIPE, what a
shell reports for `sha256sum -c … | head -1`), never the 2 of unusable input or the 1 of damage."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATE, make_seeds, pack
from craftlib import repack
from faultlib import Snapshot

STDOUT_CLOSED = 141
ENV = {**os.environ, "PYTHONWARNINGS": "error"}
ENV.pop("SOURCE_DATE_EPOCH", None)
BIG = "x" * (4 << 20)  # far more than a pipe and head's read hold, so the writer must meet EPIPE
FIELDS = "- batch: test-batch\n- creators: Doe, Jane\n"  # a citation needs a creator


def archiver(*args: str | Path, **options) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "archiver", *map(str, args)], env=ENV,
                            stderr=subprocess.PIPE, **options)


def finish(process: subprocess.Popen) -> tuple[int, bytes, bytes]:
    """Its exit status, stdout and stderr, waited for at most two minutes; killed otherwise."""
    try:
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    return process.returncode, out or b"", err or b""


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("closed")
    files = {f"doc-{i}.txt": f"document number {i}\n".encode() for i in range(4)}
    return pack(make_seeds(root / "seeds", files, fields=FIELDS), root / "out")


def into_a_gone_reader(*args: str | Path) -> tuple[int, bytes, bytes]:
    """Run archiver with stdout a pipe whose reader, `head -c 0`, has already exited."""
    read_end, write_end = os.pipe()
    try:
        reader = subprocess.Popen(["head", "-c", "0"], stdin=read_end)
    finally:
        os.close(read_end)
    assert finish(reader)[0] == 0
    try:
        process = archiver(*args, stdout=write_end)
    finally:
        os.close(write_end)
    return finish(process)


COMMANDS = [("verify",), ("verify", "--json"), ("show",), ("show", "--json"),
            ("cite", "--format", "bibtex"), ("cite",), ("extract", "--to", "{tmp}/restored"),
            ("export", "--cdxj", "{tmp}/index.cdxj"), ("pack", "{seeds}", "--out", "{tmp}/out"),
            ("pack", "{seeds}", "--out", "{tmp}/out", "--json"), ("add", "{seeds}")]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_closed_stdout_ends_every_command_quietly_with_141(snapshot, tmp_path, command):
    name, *rest = (part.format(tmp=tmp_path, seeds=snapshot.parent.parent / "seeds")
                   for part in command)
    if name == "pack":
        rest += ["--date", DATE]
    manifest = [] if name in ("pack", "add") else [snapshot]
    status, _, err = into_a_gone_reader(name, *manifest, *rest)
    assert (status, err) == (STDOUT_CLOSED, b"")


@pytest.fixture(scope="module")
def long_titles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot whose batch and seed titles are each 4 MiB (crafted, every digest fixed)."""
    root = tmp_path_factory.mktemp("titles")
    manifest = pack(make_seeds(root / "seeds", {"a.txt": b"alpha\n"}, fields=FIELDS),
                    root / "out")
    document_warc = manifest.with_name("test-batch.warc.gz")

    def lengthen(document: dict) -> None:
        document["batch"]["title"] = BIG
        document["seeds"][0]["title"] = BIG

    repack(Snapshot(manifest.parent, manifest, manifest.with_name(manifest.name + ".sha256"),
                    document_warc), lengthen)
    return manifest


@pytest.mark.parametrize("command", [("show",), ("show", "--json"), ("cite", "--format", "bibtex")],
                         ids=" ".join)
def test_piped_into_head_ends_quietly_when_head_exits(long_titles, command):
    writer = archiver(*command[:1], long_titles, *command[1:], stdout=subprocess.PIPE)
    head = subprocess.Popen(["head", "-n", "1"], stdin=writer.stdout, stdout=subprocess.PIPE)
    writer.stdout.close()  # head holds the only read end: when it exits, nobody reads
    _, first, _ = finish(head)
    status, _, err = finish(writer)
    assert first.endswith(b"\n") and len(first) > 0
    assert (status, err) == (STDOUT_CLOSED, b"")
