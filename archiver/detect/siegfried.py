"""Siegfried in a process of its own, which every process of one pack asks (`detect.pronom`).

Siegfried's signatures take about 70 MiB of Go heap once built (more than all the rest of a
worker), and Go's runtime does not survive fork: held in each worker, they cost that much per
core, and a process that had loaded them could no longer fork its pools. Here they are held once.

Run by its path with `python -I` (never imported as part of archiver, whose imports would cost
this process 35 MiB more): it imports only the standard library and pygfried. It listens on the
Unix socket named by its argument (SOCK_SEQPACKET: one request a message), writes one JSON line
on stdout when ready (Siegfried's version and its signature files), and ends when its stdin
closes (the process that started it ended, however it ended).

A request is up to 16 seeds' names (their last component, UTF-8 or the file system's bytes),
separated by NUL, with the descriptors of their open files attached in the same order
(SCM_RIGHTS); the answer is their PRONOM identifiers, one a line. Siegfried reads each file
through a link in this process's private folder, named as the seed (Siegfried weighs the
extension), to its descriptor: it never opens a path in the seeds folder.
"""

from __future__ import annotations

import json
import os
import selectors
import socket
import sys
import tempfile

import pygfried  # type: ignore[import-untyped]

_BATCH = 16  # descriptors in one request (`detect.pronom.BATCH`)
_NAME_BYTES = 256  # a file name is at most 255 bytes on the file systems Linux has


def _versions(scanner: pygfried.Scanner) -> dict[str, str]:
    """Siegfried's version and its PRONOM signature files: a detailed answer about any file
    (the extension's own) carries them."""
    details = scanner.identify(pygfried.__file__, detailed=True)
    names = [ident.get("details", "") for ident in details.get("identifiers", [])
             if ident.get("name") == "pronom"]
    return {"siegfried": str(details.get("siegfried") or pygfried.version()),
            "signatures": "".join(names[:1])}


def _identify(scanner: pygfried.Scanner, private: str, name: bytes, fd: int) -> str:
    name = os.path.basename(name)
    alias = os.path.join(private, os.fsdecode(name) if name not in (b"", b".", b"..") else "seed")
    os.symlink(f"/dev/fd/{fd}", alias)
    try:
        return scanner.identify(alias) or "UNKNOWN"
    except (pygfried.GoError, pygfried.EmptySourceError):
        return "UNKNOWN"
    finally:
        os.unlink(alias)


def _answer(scanner: pygfried.Scanner, private: str, conn: socket.socket) -> bool:
    """Answer one request on `conn`; False once its client has gone."""
    try:
        names, fds, _, _ = socket.recv_fds(conn, _NAME_BYTES * _BATCH, _BATCH)
    except OSError:
        return False
    try:
        parts = names.split(b"\0")
        if not fds or len(parts) != len(fds):
            return False
        found = [_identify(scanner, private, name, fd) for name, fd in zip(parts, fds)]
    finally:
        for fd in fds:
            os.close(fd)
    try:
        conn.sendall("\n".join(found).encode())
    except OSError:
        return False
    return True


def serve(address: str) -> None:
    scanner = pygfried.Scanner()
    versions = _versions(scanner)  # builds Siegfried's matchers now, not on the first seed
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(address)
    listener.listen()
    events = selectors.DefaultSelector()
    events.register(listener, selectors.EVENT_READ)
    events.register(sys.stdin.buffer, selectors.EVENT_READ)
    try:
        os.write(sys.stdout.fileno(), (json.dumps(versions) + "\n").encode())
    except BrokenPipeError:  # the process that started it has gone (a pack refused its input)
        return
    # in the folder of its socket, which the process that started it removes however this ends
    with tempfile.TemporaryDirectory(prefix="links-", dir=os.path.dirname(address)) as private:
        while True:
            for key, _ in events.select():
                if key.fileobj is sys.stdin.buffer:
                    if not os.read(sys.stdin.fileno(), 4096):
                        return
                elif key.fileobj is listener:
                    conn, _ = listener.accept()
                    events.register(conn, selectors.EVENT_READ)
                elif not _answer(scanner, private, key.fileobj):  # type: ignore[arg-type]
                    events.unregister(key.fileobj)
                    key.fileobj.close()  # type: ignore[union-attr]


if __name__ == "__main__":
    serve(sys.argv[1])
    # Its folder removed, nothing is left to tidy: skip the interpreter's teardown, which with
    # Go's runtime and its heap loaded took a tenth of a second that the pack waited for.
    sys.stdout.flush()
    os._exit(0)
