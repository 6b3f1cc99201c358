"""Capture and packaging dates, kept at the precision people actually know.

INDEX.md says `2023`, `2021-03-18`, a UTC time to the hour, minute or second, or one with a
fraction of a second (`2021-03-18T09:30:00.125Z`: web crawlers record milliseconds); the manifest
and the metadata record keep exactly that (a `+00:00` zone is written `Z`). Only the WARC-Date
header needs a full timestamp: it is written to the second (`2021-03-18T00:00:00Z`), because
cdxj-indexer crashes on the shorter forms the spec allows, and carries the fraction, digit for
digit, where the value has one (WARC 1.1 allows fractional seconds).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timezone

UNKNOWN = "unknown"


_PATTERN = re.compile(
    r"(?P<year>\d{4})"
    r"(?:-(?P<month>\d{2})"
    r"(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?"
    r"(?P<zone>Z|\+00:00|\+00|\+0000))?"
    r")?)?"
)


# The precisions a value can have, coarsest first; "subsecond" is a fraction of any length.
PRECISIONS = ("year", "month", "day", "hour", "minute", "second", "subsecond")


@dataclass(frozen=True)
class Capture:
    """When a seed was captured, as precisely as it is known (`precision` "unknown" if not)."""

    value: str
    precision: str

    @property
    def known(self) -> bool:
        return self.precision != UNKNOWN

    def warc_date(self) -> str | None:
        """The earliest instant the value allows, to the second and with its fraction if it has
    one; None when unknown."""
        return _earliest_instant(self.value) if self.known else None


@functools.lru_cache(maxsize=4096)  # asked three times a seed, of the few dates a batch repeats
def _earliest_instant(value: str) -> str:
    parts = _PATTERN.fullmatch(value)
    assert parts is not None
    moment = datetime(
        int(parts["year"]), int(parts["month"] or 1), int(parts["day"] or 1),
        int(parts["hour"] or 0), int(parts["minute"] or 0), int(parts["second"] or 0),
    )
    fraction = f".{parts['fraction']}" if parts["fraction"] else ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


@functools.lru_cache(maxsize=4096)  # a batch repeats a few dates; records ask three times a seed
def parse_capture(text: str) -> Capture:
    """Parse a `captured` cell; raise ValueError saying what is wrong."""
    text = text.strip()
    if text.lower() == UNKNOWN:
        return Capture(UNKNOWN, UNKNOWN)
    parts = _PATTERN.fullmatch(text)
    if parts is None:
        raise ValueError(
            f"invalid date {text!r}: use ISO 8601 UTC such as 2021, 2021-03, 2021-03-18, "
            "2021-03-18T09:30:00Z, 2021-03-18T09:30:00.125Z, or 'unknown'"
        )
    try:
        datetime(
            int(parts["year"]), int(parts["month"] or 1), int(parts["day"] or 1),
            int(parts["hour"] or 0), int(parts["minute"] or 0), int(parts["second"] or 0),
        )
    except ValueError as err:
        raise ValueError(f"invalid date {text!r}: {err}") from None
    known = [name for name in PRECISIONS[1:-1] if parts[name]]
    precision = "subsecond" if parts["fraction"] else known[-1] if known else "year"
    value = text if not parts["zone"] else text[: parts.start("zone")] + "Z"
    return Capture(value, precision)


def parse_timestamp(text: str) -> datetime:
    """Parse a packaging time given as a date or an ISO 8601 time (UTC unless it says otherwise)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"invalid date {text!r}: use ISO 8601, e.g. 2024-05-01T12:00:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0)


def from_epoch(text: str) -> datetime:
    """Parse SOURCE_DATE_EPOCH (seconds since 1970, the reproducible-builds convention)."""
    if not text.strip().isdigit():
        raise ValueError(f"invalid SOURCE_DATE_EPOCH {text!r}: expected whole seconds since 1970")
    return datetime.fromtimestamp(int(text), tz=timezone.utc)


def warc_timestamp(moment: datetime) -> str:
    """Format an aware datetime as a WARC-Date to the second."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
