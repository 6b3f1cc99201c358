"""ssh-keygen's ALLOWED SIGNERS file, read as OpenSSH 9.2 reads it (sshsig.c, misc.c, authfile.c).

Lines end at LF only (getline), and a NUL ends a line as it ends a C string. A line is
`principals [options] keytype base64 [comment]`: principals end at the first space, tab, CR or
LF, a double quote opens a quoted part, and anything after the key is a comment, never another
line. Options are `cert-authority`, `namespaces="..."`, `valid-after="..."` and
`valid-before="..."`, names without case, separated by commas. A line OpenSSH cannot read is
skipped, as OpenSSH skips it: a damaged line elsewhere in the file changes no verdict.

A key matches a line when the line lists that very key (or that very certificate), or when the
line is marked `cert-authority`, lists the CA that signed the key's certificate, and the
certificate lets the key sign as the principal at `now` (`ssh_certificates`); then the principal
must match the line's patterns, the namespace its `namespaces`, and `now` lie within its
validity.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

from archiver.formats.ssh_certificates import (
    CERT_NAMES,
    Certificate,
    SigningKey,
    parse_key,
    same,
    same_key,
)
from archiver.formats.ssh_keys import key_kind
from archiver.formats.ssh_patterns import match_list
from archiver.formats.ssh_times import absolute_time
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
    key: SigningKey
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


def allows(signer: Signer, key: SigningKey, *, identity: bytes | None, namespace: bytes,
           now: int) -> str:
    """Why `signer` does not allow `key` to sign as `identity` in `namespace` at `now`, "no" if
    it does not list the key at all, or "" if it allows it (check_allowed_keys_line)."""
    by_ca = signer.cert_authority and isinstance(key, Certificate) and same_key(signer.key,
                                                                                  key.ca)
    if not by_ca and (signer.cert_authority or not same(signer.key, key)):
        return "no"
    if identity is not None and not match_list(identity, signer.principals):
        return f"line {signer.line} is for {_text(signer.principals)}"
    if isinstance(key, Certificate) and by_ca:
        refused = key.refusal(identity, now) if identity is not None else (
            "" if key.principals_for(signer.principals, now) else "no principal of the "
            "certificate matches the line's")
        if refused:
            return f"line {signer.line}: the certificate is not authorized: {refused}"
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


def _key(text: bytes) -> SigningKey | None:
    """sshkey_read: `keytype base64`, the blob's type the same as the one named; None if not."""
    found = _BLANK_AT.search(text)
    if found is None:
        return None
    name = text[:found.start()].decode("latin-1")
    rest = text[found.start():].lstrip(_BLANK)
    try:
        named = _type_of(name)
    except SignatureError:
        return None
    after = _BLANK_AT.search(rest)
    blob = b64decode(rest[:after.start() if after else len(rest)]) if rest else None
    if blob is None:
        return None
    try:
        key = parse_key(blob)
    except SignatureError:
        return None
    plain = key.key if isinstance(key, Certificate) else key
    if (isinstance(key, Certificate), plain.kind) != named[:2]:
        return None
    if plain.kind == "ecdsa" and plain.name != named[2]:
        return None  # another curve
    return key


def _type_of(name: str) -> tuple[bool, str, str]:
    """Whether a line's key type names a certificate, the kind of key, its plain name."""
    plain = CERT_NAMES.get(name, name)
    return name in CERT_NAMES, key_kind(plain, in_blob=False), plain


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


def _time(text: bytes, name: str) -> int:
    seconds = absolute_time(text)
    if seconds is None:
        raise SignatureError(f'bad options: invalid "{name}" time')
    return seconds


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
