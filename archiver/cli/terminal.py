"""The one place that writes to the terminal (stdout and stderr), for every command.

Anything a manifest or a file name holds is untrusted text: every line printed is rendered by
`shown`, which writes each control, separator and bidi character (`formats.visible`) as a visible
escape, so that no field can move the cursor, set the window title, start a forged line or
reorder what follows it. JSON goes out with the same characters as `\\u` escapes.

A reader that goes away (`archiver verify … | head -1`) ends the command the way Unix tools
end: quietly, with exit status 141 (128 + SIGPIPE, what a shell reports for a tool that SIGPIPE
stopped), after the command's own cleanup has run."""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

import typer

from archiver.formats.visible import escaped, json_escaped

STDOUT_CLOSED = 128 + signal.SIGPIPE
PIECE = 1 << 16


class StdoutClosed(Exception):
    """Nobody reads stdout any more: the command stops where a Unix tool would."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`, a job scheduler's time limit): stops the command as Ctrl-C does, through
    every cleanup on the way out, where the default action would end the process at once and
    leave its temporary files behind."""


def _on_terminate(signum: int, frame: object) -> None:
    raise Terminated


def stop_on_terminate() -> None:
    """In the main process of a command: SIGTERM raises Terminated (worker processes keep the
    default, and end with it: `base.pool`)."""
    signal.signal(signal.SIGTERM, _on_terminate)


def shown(text: str) -> str:
    """Untrusted text as the terminal gets it: `\\x1b`, `\\x0a`, `\\u202e` for the raw ones."""
    return escaped(text)


def say(text: str, *, err: bool = False) -> None:
    """Print one line for a person: a line break inside `text` is shown, never obeyed."""
    _write(shown(text) + "\n", err=err)


def say_json(value: Any) -> None:
    """Print a JSON document: C0 escaped by json.dumps, C1, separators and bidi by `\\u`."""
    _write(json_escaped(json.dumps(value, indent=2, ensure_ascii=False)) + "\n")


def say_lines(text: str) -> None:
    """Print a document of lines as it is (a citation, which the formats already escape), every
    line rendered by `shown` all the same."""
    _write("\n".join(shown(line) for line in text.split("\n")))


def _write(text: str, *, err: bool = False) -> None:
    """Write `text` as it is, in pieces; raise StdoutClosed if stdout's reader has gone. A closed
    stderr is ignored: there is nowhere left to say anything.

    One large write to a pipe whose reader leaves midway ends short without an error (Python
    drops the EPIPE of the rest), so a document goes out a piece at a time: the piece after
    that meets the closed pipe."""
    try:
        for start in range(0, len(text), PIECE):
            typer.echo(text[start:start + PIECE], err=err, nl=False)
    except BrokenPipeError:
        if not err:
            raise StdoutClosed from None


def end_closed_stdout() -> typer.Exit:
    """Point stdout at /dev/null, so that the interpreter's last flush of what is still buffered
    finds somewhere to go (instead of printing 'Exception ignored … BrokenPipeError'), and give
    the exit to raise."""
    sink = os.open(os.devnull, os.O_WRONLY)
    os.dup2(sink, sys.stdout.fileno())
    os.close(sink)
    return typer.Exit(STDOUT_CLOSED)
