"""The README, --help and the code say the same thing."""

from __future__ import annotations

import re
import shutil

import pytest
import typer.main
from conftest import REPO, run

from archiver.cli.app import app
from archiver.verification.problems import PROBLEMS

README = (REPO / "README.md").read_text(encoding="utf-8")
CLICK = typer.main.get_command(app)
COMMANDS = sorted(CLICK.commands)  # type: ignore[attr-defined]  (from the app, not a list)


def readme_commands() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert block, "README starts with a sh block of two commands"
    return block[1].strip().splitlines()


def test_readme_starts_with_two_commands_run_and_test():
    run_line, test_line = readme_commands()
    assert "archiver pack seeds" in run_line and "archiver verify" in run_line
    assert "python -m pytest" in test_line
    assert README.index("```sh") < 600


def test_readme_run_command_packs_and_verifies_the_repo_seeds(tmp_path):
    """Run the README's first command (past its pip install) in a copy of the repo."""
    copy = tmp_path / "repo"
    shutil.copytree(REPO / "seeds", copy / "seeds")
    shutil.copytree(REPO / "manifests", copy / "manifests")
    for step in readme_commands()[0].split(" && "):
        words = step.split()
        if words[0] == "pip":
            continue
        assert words[0] == "archiver"
        result = run(*words[1:], cwd=copy)
        assert result.returncode == 0, (step, result.stdout, result.stderr)
    for path in (REPO / "manifests").iterdir():
        assert (copy / "manifests" / path.name).read_bytes() == path.read_bytes()


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    assert 'grep -m1 "python -m pytest" README.md' in ci and 'eval "$test_command"' in ci


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = run(command, "--help")
    assert result.returncode == 0
    assert "Example: archiver " + command in result.stdout
    assert f"archiver {command}" in README


def test_main_help_lists_every_command():
    result = run("--help")
    for command in COMMANDS:
        assert command in result.stdout


def command_rows(command: str) -> str:
    """The README's Commands table rows for `command`."""
    table = README.split("## Commands", 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in table.splitlines()
                     if line.startswith(f"| `archiver {command} ") or
                     line.startswith(f"| `archiver {command}`"))


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_commands_table_lists_every_option(command):
    rows = command_rows(command)
    assert rows, f"README's Commands table has no row for archiver {command}"
    for param in CLICK.commands[command].params:  # type: ignore[attr-defined]
        if param.param_type_name == "option":
            flag = max(param.opts, key=len)
            assert flag in rows, f"archiver {command} {flag} is missing from the README's table"


def test_every_problem_code_is_registered_documented_and_in_help():
    source = "".join(path.read_text() for path in (REPO / "archiver").rglob("*.py"))
    used = set(re.findall(r'(?:add|code = )\(?\s*"([a-z]+-[a-z-]+)"', source))
    used |= set(re.findall(r'"([a-z]+-[a-z]+)" if', source))
    assert used and used <= set(PROBLEMS), used - set(PROBLEMS)
    help_text = " ".join(run("verify", "--help").stdout.split())
    for code, meaning in PROBLEMS.items():
        assert f"| `{code}` | {meaning} |" in README, code
        assert f"{code}: {' '.join(meaning.split())}" in help_text, code


def test_the_registry_refuses_an_unknown_code():
    from archiver.verification.report import Report
    with pytest.raises(ValueError):
        Report(manifest="m", fast=False).add("no-such-code", "here", "message")


def share_section_lines() -> list[str]:
    section = README.split("## Cite, sign, share", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the Cite, sign, share section shows its commands in a sh block"
    return block[1].strip().splitlines()


def test_readme_share_commands_run(tmp_path):
    """Every line of the section's sh block, archiver commands and ssh-keygen alike, in a copy."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    copy = tmp_path / "repo"
    shutil.copytree(REPO / "manifests", copy / "manifests")
    lines = share_section_lines()
    assert {line.split()[1] for line in lines if line.startswith("archiver ")} >= {"cite", "sign", "verify", "export"}
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONWARNINGS": "error"}
    for line in lines:
        result = subprocess.run(["bash", "-c", line], cwd=copy, env=env, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, (line, result.stdout, result.stderr)
    assert (copy / "cac-voice-social-2021.wacz").is_file()
    for path in (REPO / "manifests").iterdir():
        assert (copy / "manifests" / path.name).read_bytes() == path.read_bytes()
