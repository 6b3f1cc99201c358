"""The event log beside a snapshot: `BATCH.events.jsonl`, what was done to it and when.

One PREMIS-style event a line (PREMIS 3 is the preservation vocabulary; the NDSA Levels ask
for fixity checks at intervals and a log of them): `pack` writes the first, `verify --record`,
`sign --record` and `export --record` append one each. The log is never part of the manifest
(a manifest never changes after packing), so it can grow while the snapshot stays fixed.

A line is the canonical JSON (RFC 8785) of one event, then LF:

    seq        1 on the first line, then 2, 3, …
    prev       "sha256:…" of the previous line's bytes, its LF included; null on line 1
    type       a PREMIS eventType term: packing, fixity check, validation,
               digital signature generation, exporting
    type_uri   that term's id.loc.gov URI
    date       when it happened, ISO 8601 UTC (packing: the packaging time)
    agent      {"name": "archiver", "version": …, "role": "executing program"}
    object     {"manifest": file name, "sha256": the manifest's, "snapshot_id": …}
    outcome    success or failure
    problems   the distinct problem codes found, sorted (empty on success)
    detail     what exactly was done, in words

Each line names the digest of the one before it, so an edited, removed, inserted or reordered
line breaks the chain at the next line, and `check` says where. What a chain cannot show is a
change to its newest line, or its removal: nothing comes after it. `show` prints the newest
line's sha256, so a copy of that one value, kept elsewhere, pins the whole log. A damaged log
is reported, never repaired: appending to it is refused.

Appends hold an exclusive `flock` on the log for the read, the check and the write, so
concurrent appends (two verifies on a cron box) land one after the other, each chained to the
one before; readers hold a shared lock, so they never see half a line.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from archiver._version import __version__
from archiver.base.digests import sha256_hex
from archiver.errors import DamageError, InputError, OutputExistsError, where
from archiver.formats.canonical_json import compact
from archiver.manifest.types import Manifest

SUFFIX = ".events.jsonl"
MANIFEST_SUFFIX = ".manifest.json"
VOCABULARY = "http://id.loc.gov/vocabulary/preservation/eventType/"
TYPES = {
    "packing": "pac", "fixity check": "fix", "validation": "val",
    "digital signature generation": "dsg", "exporting": "exp",
}
OUTCOMES = ("success", "failure")
FIELDS = ("seq", "prev", "type", "type_uri", "date", "agent", "object", "outcome", "problems",
          "detail")
MAX_LOG = 64 << 20  # a log this large is not a log of checks


@dataclass(frozen=True)
class Event:
    """One event to append: what was done, to which manifest, with what outcome."""

    type: str
    date: str
    manifest: str
    manifest_sha256: str
    snapshot_id: str
    outcome: str = "success"
    problems: tuple[str, ...] = ()
    detail: str = ""

    def fields(self, seq: int, prev: str | None) -> dict[str, Any]:
        if self.type not in TYPES or self.outcome not in OUTCOMES:
            raise ValueError(f"not an event type and outcome: {self.type!r}, {self.outcome!r}")
        return {
            "seq": seq, "prev": prev, "type": self.type, "type_uri": VOCABULARY + TYPES[self.type],
            "date": self.date,
            "agent": {"name": "archiver", "version": __version__, "role": "executing program"},
            "object": {"manifest": self.manifest, "sha256": self.manifest_sha256,
                       "snapshot_id": self.snapshot_id},
            "outcome": self.outcome, "problems": sorted(set(self.problems)), "detail": self.detail,
        }


@dataclass(frozen=True)
class Damage:
    """What is wrong with a log, and on which line (0: the file as a whole)."""

    code: str  # events-malformed, events-chain, events-manifest
    path: Path
    line: int
    message: str

    @property
    def where(self) -> str:
        return where(self.path, self.line or None)


@dataclass
class History:
    """A log as read: its events in order, what is wrong with it, the newest line's sha256."""

    path: Path
    events: list[dict[str, Any]] = field(default_factory=list)
    damage: list[Damage] = field(default_factory=list)
    head: str | None = None

    @property
    def ok(self) -> bool:
        return not self.damage


def log_path(manifest_path: Path) -> Path:
    """`BATCH.manifest.json` → `BATCH.events.jsonl` in the same folder."""
    name = manifest_path.name.removesuffix(MANIFEST_SUFFIX)
    return manifest_path.with_name(name + SUFFIX)


def read_log(path: Path, *, manifest_sha256: str | None = None) -> History | None:
    """The log at `path` checked line by line; None if there is none. With `manifest_sha256`,
    an event about any other manifest is damage too (a log beside the wrong snapshot)."""
    try:
        fd = _open_regular(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as err:
        return History(path, damage=[Damage("events-malformed", path, 0, f"cannot be read: "
                                            f"{_reason(err)}")])
    with open(fd, "rb") as stream:
        fcntl.flock(fd, fcntl.LOCK_SH)
        data = _read_all(stream, path)
    return check_log(path, data, manifest_sha256=manifest_sha256)


def check_log(path: Path, data: bytes, *, manifest_sha256: str | None = None) -> History:
    history = History(path)
    if not data:
        history.damage.append(Damage("events-malformed", path, 0, "the log is empty"))
        return history
    lines = data.split(b"\n")
    if lines[-1]:
        history.damage.append(Damage("events-malformed", path, len(lines), "the last line has no "
                                     "line feed (a write that did not finish)"))
    prev: str | None = None
    prev_seq = 0
    for number, line in enumerate(lines[:-1], start=1):
        event, problem = _parse(line)
        if problem:
            history.damage.append(Damage("events-malformed", path, number, problem))
            prev_seq += 1
        else:
            history.events.append(event)
            history.damage += _chained(event, path, number, prev, prev_seq, manifest_sha256)
            prev_seq = event["seq"]
        prev = "sha256:" + sha256_hex(line + b"\n")
    history.head = prev
    return history


def append_event(path: Path, event: Event, *, manifest_sha256: str | None = None) -> dict[str, Any]:
    """Add `event` as the log's next line (creating the log if there is none); return it.

    DamageError, and nothing written, if the log is damaged: a new line chained to a damaged
    one would hide where the damage is.
    """
    try:
        fd = _open_regular(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NONBLOCK)
    except OSError as err:
        raise InputError(f"{path}: cannot open the events log: {_reason(err)}") from None
    with open(fd, "r+b", buffering=0) as stream:
        fcntl.flock(fd, fcntl.LOCK_EX)
        data = _read_all(stream, path)
        seq, prev = 1, None
        if data:
            history = check_log(path, data, manifest_sha256=manifest_sha256)
            if not history.ok:
                first = history.damage[0]
                raise DamageError(f"{first.where}: {first.message}; the log is damaged, "
                                  "nothing was appended (a damaged log is never repaired)")
            seq, prev = len(history.events) + 1, history.head
        fields = event.fields(seq, prev)
        stream.write(compact(fields) + b"\n")
        os.fsync(fd)
    return fields


def record(manifest_path: Path, kind: str, *, date: str, detail: str, outcome: str = "success",
           problems: tuple[str, ...] = ()) -> dict[str, Any]:
    """Append an event of `kind` about the manifest at `manifest_path` (named by the sha256 of
    its bytes now, and its snapshot id) to its events log; return the event as written."""
    try:
        data = manifest_path.read_bytes()
    except OSError as err:
        raise InputError(f"{manifest_path}: cannot read: {_reason(err)}") from None
    sha256 = sha256_hex(data)
    event = Event(kind, date, manifest_path.name, sha256, _snapshot_id(data), outcome=outcome,
                  problems=problems, detail=detail)
    return append_event(log_path(manifest_path), event, manifest_sha256=sha256)


def first_line(event: Event) -> bytes:
    """A new log's bytes: `event` as its first line."""
    return compact(event.fields(1, None)) + b"\n"


def packing_event(document: Manifest, manifest_name: str, manifest_sha256: str, *,
                  seeds: int) -> Event:
    """The log's first event: the packing, dated with the packaging time (so a repack of the
    same seeds at the same time makes the same log, as it makes the same snapshot)."""
    return Event("packing", document["packaged"], manifest_name, manifest_sha256,
                 document["snapshot_id"], detail=f"packed {seeds} seeds into "
                 f"{', '.join(w['name'] for w in document['warc_files'])}")


def keeps_history(path: Path, manifest_sha256: str, *, force: bool) -> bool:
    """Whether a new snapshot's pack keeps the log already at `path` (its events are about the
    same manifest: a snapshot re-made after its files were lost) rather than starting a new
    one. A log of another snapshot is replaced only with `force`, as that snapshot is."""
    history = read_log(path, manifest_sha256=manifest_sha256)
    if history is None:
        return False
    if history.events and history.events[0]["object"].get("sha256") == manifest_sha256:
        return True
    if not force:
        raise OutputExistsError(f"{path}: an events log of another snapshot is there; pass "
                                "--force to replace it with this snapshot's")
    return False


_TYPED = {"seq": int, "type": str, "type_uri": str, "date": str, "agent": dict, "object": dict,
          "outcome": str, "problems": list, "detail": str}


def _parse(line: bytes) -> tuple[dict[str, Any], str]:
    try:
        event = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        return {}, f"not a JSON line ({err})"
    if not isinstance(event, dict) or set(event) != set(FIELDS):
        return {}, f"not an event (an event has exactly these fields: {', '.join(FIELDS)})"
    wrong = [name for name, kind in _TYPED.items() if not isinstance(event[name], kind)]
    if wrong or not all(isinstance(code, str) for code in event["problems"]):
        return {}, f"not an event (wrong types: {', '.join(wrong) or 'problems'})"
    if event["type"] not in TYPES or event["outcome"] not in OUTCOMES:
        return {}, f"unknown event type or outcome {event['type']!r}, {event['outcome']!r}"
    return event, ""


def _chained(event: dict[str, Any], path: Path, number: int, prev: str | None, prev_seq: int,
             manifest_sha256: str | None) -> Iterator[Damage]:
    broken = []
    if event["prev"] != prev:
        broken.append(f"prev is {event['prev']}, but the line before hashes to "
                      f"{prev or 'nothing (this is the first line)'}")
    if event["seq"] != prev_seq + 1:
        broken.append(f"seq is {event['seq']} after {prev_seq}")
    if broken:
        yield Damage("events-chain", path, number, "; ".join(broken) + ": a line was "
                     "changed, removed, inserted or moved here")
    if manifest_sha256 and event["object"].get("sha256") != manifest_sha256:
        yield Damage("events-manifest", path, number, f"the event is about manifest sha256 "
                     f"{event['object'].get('sha256')}, not this one ({manifest_sha256})")


def _snapshot_id(manifest: bytes) -> str:
    try:
        value = json.loads(manifest).get("snapshot_id")
    except (ValueError, AttributeError):  # a damaged manifest: the event still names its sha256
        return ""
    return value if isinstance(value, str) else ""


def _read_all(stream: Any, path: Path) -> bytes:
    """The whole log (its size checked first: `read(n)` would set aside n bytes at once)."""
    if os.fstat(stream.fileno()).st_size > MAX_LOG:
        raise InputError(f"{path}: the events log is larger than {MAX_LOG >> 20} MiB")
    stream.seek(0)
    return stream.read()


def _open_regular(path: Path, flags: int) -> int:
    """A file descriptor of the regular file at `path`: never a symlink's target, never a FIFO
    (which would block a reader or swallow an event)."""
    fd = os.open(path, flags | os.O_NOFOLLOW, 0o644)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file")
    return fd


def _reason(err: OSError) -> str:
    return "is a symbolic link" if err.errno == errno.ELOOP else (err.strerror or str(err))
