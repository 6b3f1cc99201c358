"""OpenSSH's absolute times, as `valid-after` and `valid-before` give them (misc.c).

`parse_absolute_time` cuts YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS into fields, with a `Z` or
`UTC` at the end for UTC (else local time), and reads them with glibc's strptime, whose rules
are followed here: a field may start with blanks, its digits stop early once one more would
pass the field's maximum, a day past the month's end rolls over into the next month.
"""

from __future__ import annotations

import calendar
import time

_Fields = tuple[int, int, int, int, int, int]  # year, month, day, hour, minute, second


def absolute_time(text: bytes) -> int | None:
    """parse_absolute_time: YYYYMMDD[HHMM[SS]], local time unless it ends in Z or UTC; seconds
    since the epoch, or None where OpenSSH finds no valid time (also 1970-01-01T00:00:00Z)."""
    if len(text) > 1 and text[-1:].lower() == b"z":
        utc, digits = True, text[:-1]
    elif len(text) > 3 and text[-3:].lower() == b"utc":
        utc, digits = True, text[:-3]
    else:
        utc, digits = False, text
    fields = _strptime(digits)
    if fields is None:
        return None
    seconds = _utc(fields) if utc else _local(fields)
    return seconds if seconds > 0 else None


def _utc(fields: _Fields) -> int:
    """timegm, which normalises a day past the month's end as OpenSSH's does; -1 before 1970."""
    try:
        return calendar.timegm((*fields, 0, 0, 0))
    except (OverflowError, ValueError):
        return -1


def _local(fields: _Fields) -> int:
    """mktime with tm_isdst 0, as OpenSSH calls it after strptime; -1 where it fails."""
    try:
        return int(time.mktime((*fields, 0, 0, 0)))
    except (OverflowError, ValueError):
        return -1


_FIELDS = {8: (4, 2, 2), 12: (4, 2, 2, 2, 2), 14: (4, 2, 2, 2, 2, 2)}
_RANGES = [(0, 9999), (1, 12), (1, 31), (0, 23), (0, 59), (0, 61)]  # glibc's %Y %m %d %H %M %S


def _strptime(text: bytes) -> _Fields | None:
    """glibc strptime of the fields OpenSSH cuts from the text: each field may start with
    blanks, holds one or more digits, and must be used up; None if any is not."""
    widths = _FIELDS.get(len(text))
    if widths is None:
        return None
    values = []
    start = 0
    for width, (low, high) in zip(widths, _RANGES):
        value = _number(text[start:start + width], low, high)
        if value is None:
            return None
        values.append(value)
        start += width
    values += [0] * (6 - len(values))
    return (values[0], values[1], values[2], values[3], values[4], values[5])


def _number(field: bytes, low: int, high: int) -> int | None:
    """glibc's get_number over one field: leading C whitespace, then digits up to the field's
    width or until one more would pass `high`; the field must be used up."""
    at = 0
    while at < len(field) and field[at] in b" \t\n\v\f\r":
        at += 1
    if at == len(field) or not 0x30 <= field[at] <= 0x39:
        return None
    value = 0
    width = len(field)
    while True:
        value = value * 10 + field[at] - 0x30
        at += 1
        width -= 1
        if not (width > 0 and value * 10 <= high and at < len(field) and 0x30 <= field[at] <= 0x39):
            break
    return value if at == len(field) and low <= value <= high else None
