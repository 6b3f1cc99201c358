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

A pack asks for a chunk of seeds at once (`identify_each`): requests of BATCH descriptors go a
few batches ahead of the answers taken, so Siegfried identifies while the worker reads and
describes the seeds before. One request a seed cost a round trip each: 1 to 3 ms of waiting for
Siegfried's 0.6 ms of work, as its idle Go threads park and wake between requests.
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
from collections import deque
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

from archiver.errors import ArchiverError

TOOL = "siegfried"
_PROGRAM = Path(__file__).with_name("siegfried.py")
_READY_SECONDS = 120.0  # loading the signatures takes about a second on a quiet machine
BATCH = 16  # descriptors in one request (SCM_RIGHTS takes at most 253)
_AHEAD = 4  # requests sent beyond the one whose answers are awaited: 80 descriptors in flight


@dataclass(frozen=True)
class FormatId:
    """A PRONOM identifier and the identifier that gave it."""

    pronom: str
    tool: str
    tool_version: str
    signatures: str


@dataclass
class _Server:
    """Siegfried's process: where it listens, who started it, and what it said of itself once
    ready (its version and signature files; empty until then)."""

    address: str
    process: subprocess.Popen[bytes]
    owner: int  # the process id that started it, and alone stops it or waits for it
    version: str = ""
    signatures: str = ""


_server: _Server | None = None  # inherited by forked workers, which then ask the same one
# Held while a thread starts Siegfried or waits for its ready line: the threads of a Dask worker,
# each packing a shard, would otherwise each start one, or both read the one ready line (the
# second then waiting on a pipe that says nothing more).
_starting = threading.RLock()


def identify(location: str) -> FormatId:
    """The PRONOM identifier of the file at `location` ("UNKNOWN" if none matches)."""
    opened = [os.open(location, os.O_RDONLY | os.O_NONBLOCK)]
    try:
        found = next(identify_each([(location, opened.pop)]))  # the request takes the fd
    finally:
        for fd in opened:  # not sent: Siegfried could not be asked
            os.close(fd)
    assert found is not None
    return found


Opener = Callable[[], "int | None"]


def identify_each(files: Sequence[tuple[str, Opener]]) -> Generator[FormatId | None, None, None]:
    """The PRONOM identifier of each file, in order. A file is its name (Siegfried weighs the
    extension) and a function opening it: the descriptor it returns is sent to Siegfried and
    closed here; None (no file to read any more) is answered None.

    Requests run ahead of the answers taken, on a connection of this call's own, so Siegfried
    works while the caller does. Each file is opened only as its request is sent, and at most
    (_AHEAD + 1) × BATCH descriptors are ever in flight."""
    server = shared()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
    try:
        try:
            conn.connect(server.address)
        except OSError as err:
            raise ArchiverError(f"internal error: Siegfried's process cannot be asked: "
                                f"{err.strerror}") from None
        batches = (files[start:start + BATCH] for start in range(0, len(files), BATCH))
        sent: deque[tuple[str, list[bool]]] = deque()  # each request's first file, and
        while True:                                      # which of its files it holds
            while len(sent) <= _AHEAD and (batch := next(batches, None)) is not None:
                sent.append((batch[0][0], _send(conn, batch)))
            if not sent:
                return
            first, held = sent.popleft()
            answers = iter(_answers(conn, sum(held), first))
            for one in held:
                yield FormatId(next(answers), TOOL, server.version, server.signatures) if one \
                    else None
    finally:
        conn.close()


def _send(conn: socket.socket, batch: Sequence[tuple[str, Opener]]) -> list[bool]:
    names: list[bytes] = []
    fds: list[int] = []
    held: list[bool] = []
    try:
        for name, opener in batch:
            fd = opener()
            held.append(fd is not None)
            if fd is not None:
                fds.append(fd)
                names.append(os.fsencode(os.path.basename(name)))
        if fds:
            socket.send_fds(conn, [b"\0".join(names)], fds)
    except OSError as err:
        raise ArchiverError(f"internal error: Siegfried's process cannot be asked: "
                            f"{err.strerror}") from None
    finally:
        for fd in fds:
            os.close(fd)
    return held


def _answers(conn: socket.socket, count: int, first: str) -> list[str]:
    if not count:
        return []
    try:
        answers = conn.recv(count * 64).decode().split("\n")
    except OSError:
        answers = []
    if len(answers) != count or not all(answers):
        after = " and the files after it" if count > 1 else ""
        raise ArchiverError("internal error: Siegfried's process ended while identifying "
                            f"{first}{after}")
    return answers


def start() -> None:
    """Start Siegfried's process now if there is none, not waiting for it: its signatures take
    about a second to load, which then overlaps this process's own start (reading INDEX.md,
    scanning the folder). `shared` waits for it when it is first needed."""
    global _server
    with _starting:
        if _server is None or (not _server.version and _server.owner != os.getpid()):
            _server = _launch()
            atexit.register(_stop, _server)


def start_early() -> None:
    """`start`, for a caller that may never need Siegfried: a failure to start it (no folder
    for its socket) is left for `shared` to meet, if ever it is needed, after the caller's own
    checks have said what is wrong."""
    try:
        start()
    except OSError:
        pass


def shared() -> _Server:
    """Siegfried's process for this process and the workers it forks from now on, started if
    there is none yet, and ready. A forked process takes its parent's only once it is ready
    (it never reads its parent's pipe): the parent calls this before it forks a pool. One that
    has ended (killed, say) is replaced, in the process that started it: a later pack in the
    same process starts afresh, while one whose workers were asking it fails."""
    global _server
    with _starting:
        if (_server is not None and _server.owner == os.getpid()
                and _server.process.poll() is not None):
            _stop(_server)
            _server = None
        start()
        assert _server is not None
        if not _server.version:
            _ready(_server)
        return _server


def _launch() -> _Server:
    folder = tempfile.mkdtemp(prefix="archiver-siegfried-")
    address = os.path.join(folder, "socket")
    # -I: neither this checkout's folder nor PYTHON* variables; pygfried comes from this
    # interpreter's site-packages, as everything else does
    process = subprocess.Popen([sys.executable, "-I", str(_PROGRAM), address],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_go_settings())
    return _Server(address, process, os.getpid())


def _ready(server: _Server) -> None:
    """Wait for the ready line of the process `_launch` started, and take what it says."""
    assert server.process.stdout is not None
    ready, _, _ = select.select([server.process.stdout], [], [], _READY_SECONDS)
    line = server.process.stdout.readline() if ready else b""
    if not line:
        server.process.kill()
        server.process.wait()
        shutil.rmtree(os.path.dirname(server.address), ignore_errors=True)
        raise ArchiverError("internal error: Siegfried's process did not start "
                            f"({sys.executable} -I {_PROGRAM})")
    said = json.loads(line)
    server.version, server.signatures = said["siegfried"], said["signatures"]


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
    if os.getpid() != server.owner:
        return
    assert server.process.stdin is not None and server.process.stdout is not None
    if not server.version:  # still loading its signatures (it reads stdin only once ready)
        server.process.kill()
    server.process.stdin.close()
    server.process.stdout.close()
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    shutil.rmtree(os.path.dirname(server.address), ignore_errors=True)
