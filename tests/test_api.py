"""The public Python API: what `archiver` exports, pinned, and the README's example run as is."""

from __future__ import annotations

import os
import re
from pathlib import Path

from conftest import REPO

import archiver

PUBLIC = {
    "Added", "ArchiverError", "DamageError", "InputError", "PROBLEMS", "PackResult", "Problem",
    "Report", "Restored", "__version__", "add", "extract", "pack", "verify",
}


def test_the_public_names_are_pinned() -> None:
    assert set(archiver.__all__) == PUBLIC
    for name in archiver.__all__:
        assert getattr(archiver, name) is not None, name


def test_every_problem_code_has_a_meaning() -> None:
    assert archiver.PROBLEMS and all(isinstance(text, str) and text
                                     for text in archiver.PROBLEMS.values())


def readme_python_example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## From Python", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    assert block, "the README's From Python section has a python example"
    return block[1]


def test_readme_python_example_packs_verifies_and_restores(tmp_path: Path, capsys) -> None:
    """The README's example, run as written from a copy of the repo's seeds, gives back the
    seeds' bytes and the committed snapshot's id."""
    (tmp_path / "seeds").mkdir()
    for seed in (REPO / "seeds").iterdir():
        (tmp_path / "seeds" / seed.name).write_bytes(seed.read_bytes())
    code = readme_python_example().replace("/tmp/", str(tmp_path) + "/")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    committed = (REPO / "manifests" / "cac-voice-social-2021.manifest.json").read_text()
    snapshot_id = re.search(r'"snapshot_id": "(sha256:[0-9a-f]{64})"', committed)[1]
    assert snapshot_id in capsys.readouterr().out
    for seed in (REPO / "seeds").iterdir():
        if seed.name != "INDEX.md":
            assert (tmp_path / "restored" / seed.name).read_bytes() == seed.read_bytes()


def test_damage_is_a_report_not_an_exception(tmp_path: Path) -> None:
    from datetime import datetime, timezone
    result = archiver.pack(REPO / "seeds", out_dir=tmp_path,
                           packaged=datetime(2021, 3, 18, tzinfo=timezone.utc))
    warc = result.warc_paths[0]
    data = bytearray(warc.read_bytes())
    data[-10] ^= 1
    warc.write_bytes(bytes(data))
    report = archiver.verify(result.manifest_path)
    assert not report.ok
    assert {problem.code for problem in report.problems} <= set(archiver.PROBLEMS)
    assert isinstance(report.problems[0], archiver.Problem)
