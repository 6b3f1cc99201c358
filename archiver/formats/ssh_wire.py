"""SSH wire types (RFC 4251) and OpenSSH's base64, decoded exactly as OpenSSH 9.2 decodes them.

Every rule here is one ssh-keygen applies, so that a blob is accepted by archiver exactly when it
is accepted by `ssh-keygen -Y verify`: a C string may hold a NUL only as its last byte (which
ends it), an mpint may not be negative or longer than 16,384 bits, and base64 is `b64_pton`:
whitespace anywhere is skipped, padding is required, and the bits after the last whole byte must
be zero.
"""

from __future__ import annotations

import struct

MAX_BIGNUM = 16384 // 8  # bytes (SSHBUF_MAX_BIGNUM); one leading zero byte more is allowed


class SignatureError(ValueError):
    """A signature does not check out: malformed, wrong namespace, key not allowed, or bad."""


class Reader:
    """Reads SSH wire types from a blob; running off its end is a malformed signature."""

    def __init__(self, data: bytes, what: str = "signature") -> None:
        self._data = data
        self._at = 0
        self._what = what

    def fail(self, why: str) -> SignatureError:
        return SignatureError(f"malformed {self._what}: {why}")

    def take(self, size: int) -> bytes:
        if self._at + size > len(self._data):
            raise self.fail("truncated")
        self._at += size
        return self._data[self._at - size:self._at]

    def u32(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def string(self) -> bytes:
        return self.take(self.u32())

    def cstring(self) -> bytes:
        """A string read as OpenSSH reads a C string: a NUL only as the last byte, and dropped."""
        value = self.string()
        if b"\0" in value[:-1]:
            raise self.fail("a NUL inside a string")
        return value[:-1] if value.endswith(b"\0") else value

    def bignum(self) -> int:
        """A non-negative mpint (sshbuf_get_bignum2): leading zeros allowed, the sign bit not."""
        value = self.string()
        if value and value[0] & 0x80:
            raise self.fail("a negative number")
        if len(value) > MAX_BIGNUM + 1 or (len(value) == MAX_BIGNUM + 1 and value[0]):
            raise self.fail("a number over 16,384 bits")
        return int.from_bytes(value, "big")

    def remaining(self) -> int:
        return len(self._data) - self._at

    def done(self) -> bool:
        return self._at == len(self._data)

    def end(self) -> None:
        if not self.done():
            raise self.fail("unexpected bytes after its end")


def string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def mpint(value: int) -> bytes:
    """A non-negative SSH mpint: big-endian, with a zero byte first when the top bit is set."""
    return string(value.to_bytes((value.bit_length() + 8) // 8, "big") if value else b"")


_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_VALUE = {char: index for index, char in enumerate(_ALPHABET)}
_SPACE = frozenset(b" \t\n\v\f\r")  # C isspace() in the C locale


def b64decode(text: bytes) -> bytes | None:
    """OpenSSH's b64_pton: the decoded bytes, or None where it would fail. `text` ends at its
    first NUL, as a C string does."""
    text = text.split(b"\0", 1)[0]
    bits = count = 0
    out = bytearray()
    at = 0
    for at, char in enumerate(text):  # at: where the padding starts, after a break
        if char in _SPACE:
            continue
        if char == 0x3D:  # "="
            break
        if char not in _VALUE:
            return None
        bits = (bits << 6) | _VALUE[char]
        count += 1
        if count % 4 == 0:
            out += bits.to_bytes(3, "big")
            bits = 0
    else:
        return bytes(out) if count % 4 == 0 else None
    return _padded(text[at:], bytes(out), bits, count % 4)


def _padded(rest: bytes, out: bytes, bits: int, state: int) -> bytes | None:
    """The end of b64_pton after the first "=": one "=" after three characters of a group, two
    after two, nothing but whitespace after them, and zero bits in what the group leaves over."""
    if state < 2:
        return None
    rest = rest[1:]
    if state == 2:
        rest = rest.lstrip(bytes(_SPACE))
        if not rest.startswith(b"="):
            return None
        rest = rest[1:]
    if rest.strip(bytes(_SPACE)):
        return None
    spare = 4 if state == 2 else 2
    if bits & ((1 << spare) - 1):
        return None
    return out + (bits >> spare).to_bytes(state - 1, "big")
