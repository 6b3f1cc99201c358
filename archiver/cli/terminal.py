"""The one place that writes to the terminal (stdout and stderr), for every command.

A reader that goes away (`archiver verify … | head -1`) ends the command the way Unix tools
end: quietly, with exit status 141 (128 + SIGPIPE, what a shell reports for a tool that SIGPIPE
stopped), after the command's own cleanup has run."""

from __future__ import annotations

import os
import re
import signal
import sys

import typer

STDOUT_CLOSED = 128 + signal.SIGPIPE
PIECE = 1 << 16

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class StdoutClosed(Exception):
    """Nobody reads stdout any more: the command stops where a Unix tool would."""


def say(text: str, *, err: bool = False) -> None:
    """Print one line for a person, with control characters shown as escapes."""
    write(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text) + "\n", err=err)


def write(text: str, *, err: bool = False) -> None:
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
