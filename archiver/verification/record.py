"""`verify --record`: a check, written as the next event of the snapshot's events log.

A full check is a PREMIS "fixity check"; `--fast`, which checks no fixity, a "validation". The
outcome is the report's, the problems its codes. When the log itself is damaged, the report
says so and nothing is appended (see manifest/events.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archiver.manifest.events import record
from archiver.verification.report import Report


def record_check(manifest_path: Path, report: Report, *, date: str,
                 also: tuple[str, ...] = ()) -> dict[str, Any]:
    """Append the check `report` describes, made at `date`, to the manifest's events log; return
    the event as written. `also` names what else was checked (a seeds folder, a signature)."""
    if report.fast:
        kind, what = "validation", "fast: structure only (schema, sidecar, sizes, counts), no fixity"
    else:
        kind = "fixity check"
        what = (f"full: {report.records_checked} records and {report.bytes_checked} bytes read, "
                "every digest recomputed")
    return record(manifest_path, kind, date=date, detail="; ".join([what, *also]),
                  outcome="success" if report.ok else "failure",
                  problems=tuple(problem.code for problem in report.problems))
