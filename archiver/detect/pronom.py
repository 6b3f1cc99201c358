"""Format identification as archivists do it: a PRONOM identifier from Siegfried.

PRONOM is The National Archives' registry of file formats, the one DROID and Siegfried
identify against (`fmt/19` is PDF 1.5, `x-fmt/111` plain text). pygfried (Apache-2.0) is
Siegfried compiled into a Python extension with its default signature file inside: nothing
is downloaded. It identifies a file by its path (it reads the bytes it needs, at the start
and the end), 0.2 ms a file on /usr/share/doc. The identifier is recorded with Siegfried's
version and the signature files' names (the DROID and container signature versions), since
another signature release may name a format differently; "UNKNOWN" is Siegfried's own word
for a format no signature matches.

Siegfried runs in a process of its own (`detect/siegfried.py`), one for this process and the
workers it forks: its signatures are about 70 MiB of Go heap once built, which every worker
would otherwise hold, and Go's runtime, never loaded here, cannot be forked. `shared()` starts
it before a pool forks, so that the workers ask the same one; a process that has none (a Dask
worker) starts its own on its first identification. It ends when the process that started it
ends.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from archiver.errors import ArchiverError

TOOL = "siegfried"
_PROGRAM = Path(__file__).with_name("siegfried.py")
_READY_SECONDS = 120.0  # loading the signatures takes about a second on a quiet machine


@dataclass(frozen=True)
class FormatId:
    """A PRONOM identifier and the identifier that gave it."""

    pronom: str
    tool: str
    tool_version: str
    signatures: str


@dataclass
class _Server:
    """Siegfried's process: where it listens, what it said of itself, and who started it."""

    address: str
    version: str
    signatures: str
    process: subprocess.Popen[bytes]
    owner: int  # the process id that started it, and alone stops it


_server: _Server | None = None  # inherited by forked workers, which then ask the same one
_connection: tuple[int, socket.socket] | None = None  # this process's own, by process id
_asking = threading.Lock()  # one request at a time on the connection, whatever the thread


def identify(location: str) -> FormatId:
    """The PRONOM identifier of the file at `location` ("UNKNOWN" if none matches)."""
    server = shared()
    fd = os.open(location, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with _asking:
            conn = _connected(server)
            socket.send_fds(conn, [os.fsencode(os.path.basename(location))], [fd])
            found = conn.recv(256).decode()
    except OSError:
        found = ""
    finally:
        os.close(fd)
    if not found:
        raise ArchiverError(f"internal error: Siegfried's process ended while identifying "
                            f"{location}")
    return FormatId(found, TOOL, server.version, server.signatures)


def shared() -> _Server:
    """Siegfried's process for this process and the workers it forks from now on, started if
    there is none yet."""
    global _server
    if _server is None:
        _server = _start()
        atexit.register(_stop, _server)
    return _server


def _connected(server: _Server) -> socket.socket:
    global _connection
    if _connection is None or _connection[0] != os.getpid():  # not a forked parent's socket
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        conn.connect(server.address)
        _connection = (os.getpid(), conn)
    return _connection[1]


def _start() -> _Server:
    folder = tempfile.mkdtemp(prefix="archiver-siegfried-")
    address = os.path.join(folder, "socket")
    # -I: neither this checkout's folder nor PYTHON* variables; pygfried comes from this
    # interpreter's site-packages, as everything else does
    process = subprocess.Popen([sys.executable, "-I", str(_PROGRAM), address],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_go_settings())
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], _READY_SECONDS)
    line = process.stdout.readline() if ready else b""
    if not line:
        process.kill()
        process.wait()
        shutil.rmtree(folder, ignore_errors=True)
        raise ArchiverError("internal error: Siegfried's process did not start "
                            f"({sys.executable} -I {_PROGRAM})")
    said = json.loads(line)
    return _Server(address, said["siegfried"], said["signatures"], process, os.getpid())


def _go_settings() -> dict[str, str]:
    """This environment, and Go's collector told to keep the heap near what is live (GOGC=20):
    Siegfried's matchers are about 70 MiB that stay, and each identification leaves a few KiB
    of garbage, which Go's default (GOGC=100) lets grow to as much again before it collects
    (after 16,000 files: 136 MiB of anonymous memory by default, 88 MiB so). A GOGC or
    GOMEMLIMIT already set is kept."""
    env = dict(os.environ)
    if "GOGC" not in env and "GOMEMLIMIT" not in env:
        env["GOGC"] = "20"
    return env


def _stop(server: _Server) -> None:
    """End Siegfried's process (its stdin closes) and wait for it, from its owner only."""
    global _connection
    if os.getpid() != server.owner:
        return
    if _connection is not None and _connection[0] == os.getpid():
        _connection[1].close()
        _connection = None
    assert server.process.stdin is not None and server.process.stdout is not None
    server.process.stdin.close()
    server.process.stdout.close()
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    shutil.rmtree(os.path.dirname(server.address), ignore_errors=True)
