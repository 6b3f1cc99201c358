"""No manifest field reaches the terminal raw (review L13): terminal controls (C0, DEL, C1), the
line and paragraph separators and bidi controls from a crafted manifest are printed as visible
escapes by every command that prints them, in plain text, `--json` and every citation format.

Two crafted snapshots: one rebuilt whole by craftlib (`repack`, every digest and id right, so
verify says OK) with bidi controls in a seed's name and the titles, which archiver's record
builders accept; one with ESC, OSC, CSI, BEL, CR, LF, U+2028/U+2029 and C1 in a name and a
title, which no record can carry, so only the manifest and sidecar are rewritten (`rewrite`):
verify then reports it, and the other commands refuse it, printing the name as they do."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from craftlib import repack, rewrite
from faultlib import Snapshot, small_snapshot

from archiver.base.uris import target_uri

# Written out here, not imported, so a narrowed set in the code still fails these tests.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
                 "\u202a-\u202e\u2066-\u2069]")
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\u200e\u200f"
CONTROLS = "\x1b]0;pwned\x07\x1b[2J\x9b31m\rforged: OK\nforged line\u2028sep\u2029par\x85nel"


def assert_shown_safely(output: str, *escapes: str) -> None:
    for line in output.split("\n"):  # every line break left is one archiver wrote
        assert not RAW.search(line), repr(line)
        assert not line.startswith("forged"), repr(line)
    for escape in escapes:
        assert escape in output, (escape, output[:2000])


def run_bytes(*args: object) -> subprocess.CompletedProcess:
    """The CLI in a subprocess, its output as bytes: what the terminal would receive."""
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    env.pop("SOURCE_DATE_EPOCH", None)
    return subprocess.run([sys.executable, "-m", "archiver", *map(str, args)],
                          capture_output=True, timeout=120, env=env, check=False)


@pytest.fixture(scope="module")
def bidi(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    snap = small_snapshot(tmp_path_factory.mktemp("bidi"))

    def change(document: dict) -> None:
        document["batch"]["title"] = f"Batch {BIDI} title"
        document["batch"]["description"] = f"about {BIDI}"
        document["batch"]["creators"] = ["Doe, Jane"]  # a citation needs one
        seed = document["seeds"][1]  # b.bin, which no other seed revisits
        seed["path"] = "b-invoice\u202efdp.exe"
        seed["title"] = f"Seed {BIDI} title"

    repack(snap, change)
    return snap


HUMAN = "\\u202e"
BIDI_COMMANDS = [(("verify",), HUMAN), (("verify", "--json"), HUMAN), (("show",), HUMAN),
                 (("show", "--json"), HUMAN), (("cite",), HUMAN),
                 (("cite", "--format", "bibtex"), "\\textbackslash{}u202e"),
                 (("cite", "--format", "csl-json"), HUMAN),
                 (("cite", "--format", "datacite"), HUMAN),
                 (("extract", "--to", "{tmp}"), HUMAN)]


def _command_id(value: object) -> str:
    return " ".join(value) if isinstance(value, tuple) else ""


def run_listed(manifest: Path, command: tuple[str, ...], folder: Path):
    """One of the listed commands on `manifest`, `{tmp}` in its arguments standing for `folder`."""
    name, *rest = (part.format(tmp=folder) for part in command)
    return name, run_bytes(name, manifest, *rest)


@pytest.mark.parametrize(("command", "escape"), BIDI_COMMANDS, ids=_command_id)
def test_bidi_controls_in_a_consistent_snapshot_are_shown_escaped(bidi, tmp_path, command,
                                                                   escape):
    _, result = run_listed(bidi.manifest, command, tmp_path / "restored")
    assert result.returncode == 0, result.stderr
    assert_shown_safely(result.stdout.decode() + result.stderr.decode(), escape)


def test_a_restored_bidi_name_is_the_real_name(bidi, tmp_path):
    """Escaping is for the terminal only: extract writes the name the manifest holds."""
    result = run_bytes("extract", bidi.manifest, "--to", tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "b-invoice\u202efdp.exe").is_file()


@pytest.fixture(scope="module")
def controls(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    snap = small_snapshot(tmp_path_factory.mktemp("controls"))

    def change(document: dict) -> None:
        seed = document["seeds"][1]
        seed["path"] = f"b{CONTROLS}.bin"
        seed["id"] = target_uri(document["batch"]["id"], seed["path"])
        seed["title"] = f"T{CONTROLS}"

    rewrite(snap, change)
    return snap


PLAIN = "\\x1b]0;pwned\\x07"
CONTROL_COMMANDS = [(("verify",), PLAIN), (("verify", "--json"), "\\u001b]0;pwned\\u0007"),
                    (("show",), PLAIN), (("show", "--json"), PLAIN),
                    (("cite", "--format", "bibtex"), PLAIN), (("extract", "--to", "{tmp}"), PLAIN),
                    (("export", "--jsonl", "{tmp}.jsonl"), PLAIN)]


@pytest.mark.parametrize(("command", "escape"), CONTROL_COMMANDS, ids=_command_id)
def test_terminal_controls_in_a_crafted_manifest_reach_no_output_raw(controls, tmp_path, command,
                                                                     escape):
    name, result = run_listed(controls.manifest, command, tmp_path / "out")
    assert result.returncode == 1, (result.stdout, result.stderr)
    output = result.stdout.decode() + result.stderr.decode()
    assert_shown_safely(output, escape)
    if name != "verify":  # refused in one line, however many line breaks the name held
        assert len(result.stderr.splitlines()) == 1 and not result.stdout, output
    if name == "verify" and "--json" in command:
        assert "\\u0085nel" in output  # C1 escaped in JSON too
