"""ssh-keygen's ALLOWED SIGNERS file, read as OpenSSH 9.2 reads it (sshsig.c, misc.c, authfile.c).

Lines end at LF only (getline), and a NUL ends a line as it ends a C string. A line is
`principals [options] keytype base64 [comment]`: principals end at the first space, tab, CR or
LF, a double quote opens a quoted part, and anything after the key is a comment, never another
line. Options are `cert-authority`, `namespaces="..."`, `valid-after="..."` and
`valid-before="..."`, names without case, separated by commas. A line OpenSSH cannot read is
skipped, as OpenSSH skips it: a damaged line elsewhere in the file changes no verdict.

A key matches a line when the line lists that very key (certificates and `cert-authority` lines
never match here: archiver checks no certificates), the principal matches the line's patterns,
the namespace matches its `namespaces`, and `now` lies within its validity.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

from archiver.formats.ssh_keys import PublicKey, key_kind, parse_public_key
from archiver.formats.ssh_patterns import match_list
from archiver.formats.ssh_wire import SignatureError, b64decode

_WHITESPACE = b" \t\r\n"  # misc.c WHITESPACE, for the principals field
_BLANK = b" \t"
_PRINCIPALS_END = re.compile(rb'[ \t\r\n"]')
_BLANK_AT = re.compile(rb"[ \t]")


@dataclass(frozen=True)
class Signer:
    """One line of an allowed_signers file that OpenSSH can read."""

    line: int
    principals: bytes
    key: PublicKey
    cert_authority: bool = False
    namespaces: bytes | None = None
    valid_after: int = 0  # seconds since the epoch; 0: no limit
    valid_before: int = 0


@dataclass(frozen=True)
class Skipped:
    """A line OpenSSH skips as unreadable, and why."""

    line: int
    reason: str


def read_lines(text: bytes) -> Iterator[Signer | Skipped]:
    """Every line that is neither blank nor a comment, read or skipped with its reason, one at
    a time (a file of millions of empty lines holds no list of them)."""
    start = number = 0
    while start < len(text):
        end = text.find(b"\n", start)
        end = len(text) if end < 0 else end + 1
        number += 1
        line = text[start:end].split(b"\0", 1)[0].lstrip(_BLANK)  # a NUL ends a C string
        start = end
        if not line.rstrip(_WHITESPACE) or line.startswith(b"#"):
            continue  # blank or a comment (OpenSSH skips a line of blanks as unreadable)
        try:
            found: Signer | Skipped = _signer(line, number)
        except SignatureError as err:
            found = Skipped(number, str(err))
        yield found


def allows(signer: Signer, key: PublicKey, *, identity: bytes | None, namespace: bytes,
           now: int) -> str:
    """Why `signer` does not allow `key` to sign as `identity` in `namespace` at `now`, or ""."""
    if identity is not None and not match_list(identity, signer.principals):
        return f"line {signer.line} is for {_text(signer.principals)}"
    if signer.cert_authority or signer.key != key:
        return "no"
    if signer.namespaces is not None and not match_list(namespace, signer.namespaces):
        return (f"line {signer.line} allows namespaces {_text(signer.namespaces)} only, "
                f"not {_text(namespace)}")
    if signer.valid_after and now < signer.valid_after:
        return f"line {signer.line}: not valid before {_date(signer.valid_after)}"
    if signer.valid_before and now > signer.valid_before:
        return f"line {signer.line}: not valid after {_date(signer.valid_before)}"
    return ""


def _text(value: bytes) -> str:
    return repr(value.decode("utf-8", "backslashreplace"))


def _date(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _signer(line: bytes, number: int) -> Signer:
    """parse_principals_key_and_options on a line that is neither blank nor a comment."""
    principals, rest = _principals(line)
    options = b""
    key = _key(rest)
    if key is None:
        end = _past_options(rest)
        if end == len(rest):
            raise SignatureError("missing key")
        options, rest = rest[:end], rest[end + 1:].lstrip(_BLANK)
        key = _key(rest)
        if key is None:
            raise SignatureError("invalid key")
    return _with_options(Signer(number, principals, key), options)


def _principals(text: bytes) -> tuple[bytes, bytes]:
    """strdelimw: the first token (a double quote opens a quoted part) and what follows it."""
    found = _PRINCIPALS_END.search(text)
    if found is None:
        raise SignatureError("invalid line: no key after the principals")
    at = found.start()
    if text[at] == 0x22:  # '"'
        text = text[:at] + text[at + 1:]
        close = text.find(b'"', at)
        if close < 0:
            raise SignatureError("invalid line: unmatched quote in the principals")
        return text[:close], text[close + 1:].lstrip(_WHITESPACE)
    return text[:at], text[at + 1:].lstrip(_WHITESPACE)


def _key(text: bytes) -> PublicKey | None:
    """sshkey_read: `keytype base64`, the blob's type the same as the one named; None if not."""
    found = _BLANK_AT.search(text)
    if found is None:
        return None
    space = found.start()
    name = text[:space].decode("latin-1")
    rest = text[space:].lstrip(_BLANK)
    try:
        kind = key_kind(name, in_blob=False)
    except SignatureError:
        return None
    after = _BLANK_AT.search(rest)
    end = after.start() if after else len(rest)
    blob = b64decode(rest[:end]) if rest else None
    if blob is None:
        return None
    try:
        key = parse_public_key(blob)
    except SignatureError:
        return None
    if key.kind != kind or (kind == "ecdsa" and key.name != name):
        return None
    return key


def _past_options(text: bytes) -> int:
    """sshkey_advance_past_options: where the options end (an unquoted space or tab)."""
    quoted = False
    at = 0
    while at < len(text) and (quoted or text[at] not in _BLANK):
        if text[at] == 0x5C and text[at + 1:at + 2] == b'"':  # \" is skipped whole
            at += 1
        elif text[at] == 0x22:
            quoted = not quoted
        at += 1
    if at == len(text) and quoted:
        raise SignatureError("invalid options: unterminated quote")
    return at


def _with_options(signer: Signer, text: bytes) -> Signer:
    """sshsigopt_parse: each option at most once (`cert-authority` any number of times)."""
    found: dict[str, object] = {}
    at = 0
    while at < len(text) and text[at] not in _BLANK:
        lower = text[at:].lower()
        if lower.startswith(b"cert-authority"):
            found["cert_authority"] = True
            at += len(b"cert-authority")
        else:
            for name in ("namespaces", "valid-after", "valid-before"):
                if lower.startswith(name.encode() + b"="):
                    field = name.replace("-", "_")
                    if field in found:
                        raise SignatureError(f'bad options: multiple "{name}" clauses')
                    value, at = _dequote(text, at + len(name) + 1)
                    found[field] = value if name == "namespaces" else _time(value, name)
                    break
        if at == len(text) or text[at] in _BLANK:
            break
        if text[at] != 0x2C:  # ","
            raise SignatureError("bad options: unknown key option")
        at += 1
        if at == len(text):
            raise SignatureError("bad options: unexpected end-of-options")
    after, before = found.get("valid_after", 0), found.get("valid_before", 0)
    if after and before and before <= after:  # type: ignore[operator]
        raise SignatureError('bad options: "valid-before" time is before "valid-after"')
    return replace(signer, **found)  # type: ignore[arg-type]


def _dequote(text: bytes, at: int) -> tuple[bytes, int]:
    """opt_dequote: a double-quoted value (\\" stands for a quote) and where it ends."""
    if text[at:at + 1] != b'"':
        raise SignatureError("bad options: missing start quote")
    value = bytearray()
    at += 1
    while at < len(text) and text[at] != 0x22:
        if text[at] == 0x5C and text[at + 1:at + 2] == b'"':
            at += 1
        value.append(text[at])
        at += 1
    if at == len(text):
        raise SignatureError("bad options: missing end quote")
    return bytes(value), at + 1


def _time(text: bytes, name: str) -> int:
    """parse_absolute_time: YYYYMMDD[HHMM[SS]], local time unless it ends in Z or UTC."""
    if len(text) > 1 and text[-1:].lower() == b"z":
        utc, digits = True, text[:-1]
    elif len(text) > 3 and text[-3:].lower() == b"utc":
        utc, digits = True, text[:-3]
    else:
        utc, digits = False, text
    fields = _strptime(digits)
    if fields is None:
        raise SignatureError(f'bad options: invalid "{name}" time')
    seconds = _utc(fields) if utc else _local(fields)
    if seconds <= 0:
        raise SignatureError(f'bad options: invalid "{name}" time')
    return seconds


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


_Fields = tuple[int, int, int, int, int, int]  # year, month, day, hour, minute, second
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
