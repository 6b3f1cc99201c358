"""SSH public keys and the signatures they check, with OpenSSH 9.2's rules (sshkey.c, ssh-*.c).

A key blob parses here exactly when `sshkey_froms` parses it: a known type name (also the short
names OpenSSH allows inside a blob, such as `ED25519` or `rsa-sha2-512` for an RSA key),
nothing after the key, an Ed25519 key of 32 bytes, an ECDSA point that is uncompressed, on its
curve and passes `sshkey_ec_validate_public`, an RSA modulus of at least 1,024 bits. A signature
blob checks out exactly when `sshkey_verify` says so: nothing after its fields, an Ed25519 S
whose top three bits are clear (OpenSSH reduces it mod L), ECDSA r and s as non-negative mpints,
an RSA signature no longer than the modulus (a shorter one is padded with zeros).

Security keys (`sk-ssh-ed25519@openssh.com`, `sk-ecdsa-sha2-nistp256@openssh.com`) sign the
hash of their application, their flags and counter, and the hash of the data; user presence is
not required (ssh-keygen -Y verify does not require it); an ECDSA security key's signature made
through a web browser (`webauthn-sk-ecdsa-sha2-nistp256@openssh.com`) is checked as OpenSSH
checks it. DSA (`ssh-dss`, SHA-1) is checked as OpenSSH 9.2 still checks it.
Certificates are read in `ssh_certificates`, their keys' fields here (`read_key_fields`).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, replace

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from archiver.formats.ssh_integers import dsa_check, rsa_check
from archiver.formats.ssh_wire import Reader, SignatureError, mpint, string

RSA_MINIMUM_BITS = 1024  # SSH_RSA_MINIMUM_MODULUS_SIZE: smaller keys are "Invalid key length"


@dataclass(frozen=True)
class Curve:
    name: str  # ecdsa-sha2-NAME
    p: int
    a: int
    b: int
    order: int
    size: int  # bytes of a coordinate
    ec: ec.EllipticCurve
    hash: type[hashes.HashAlgorithm]


CURVES = {curve.name: curve for curve in [
    Curve("nistp256", 2**256 - 2**224 + 2**192 + 2**96 - 1, -3,
          0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
          0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551, 32,
          ec.SECP256R1(), hashes.SHA256),
    Curve("nistp384", 2**384 - 2**128 - 2**96 + 2**32 - 1, -3,
          int("B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875A"
              "C656398D8A2ED19D2A85C8EDD3EC2AEF", 16),
          int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
              "581A0DB248B0A77AECEC196ACCC52973", 16), 48, ec.SECP384R1(), hashes.SHA384),
    Curve("nistp521", 2**521 - 1, -3,
          int("0051953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF1"
              "09E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F00", 16),
          int("01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783"
              "BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409", 16), 66,
          ec.SECP521R1(), hashes.SHA512),
]}

# Every name OpenSSH gives a key type, to its kind (None: a certificate, not a plain key).
_NAMES: dict[str, str | None] = {
    "ssh-ed25519": "ed25519", "ssh-rsa": "rsa", "rsa-sha2-256": "rsa", "rsa-sha2-512": "rsa",
    **{f"ecdsa-sha2-{name}": "ecdsa" for name in CURVES},
    "sk-ssh-ed25519@openssh.com": "ed25519-sk", "sk-ecdsa-sha2-nistp256@openssh.com": "ecdsa-sk",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com": "ecdsa-sk", "ssh-dss": "dsa",
    **dict.fromkeys(f"{name}-cert-v01@openssh.com" for name in [
        "ssh-ed25519", "sk-ssh-ed25519", "ssh-rsa", "rsa-sha2-256", "rsa-sha2-512", "ssh-dss",
        "sk-ecdsa-sha2-nistp256", *(f"ecdsa-sha2-{name}" for name in CURVES)]),
}
# Short names, matched without case, and only inside a blob (sshkey_type_from_name).
_SHORT_NAMES: dict[str, str | None] = {"ed25519": "ed25519", "rsa": "rsa", "ecdsa": "ecdsa",
                                       "dsa": "dsa", "ed25519-sk": "ed25519-sk",
                                       "ecdsa-sk": "ecdsa-sk"}
WEBAUTHN = "webauthn-sk-ecdsa-sha2-nistp256@openssh.com"  # an ecdsa-sk signature via a browser
_SK_NAMES = {"ed25519-sk": "sk-ssh-ed25519@openssh.com",
             "ecdsa-sk": "sk-ecdsa-sha2-nistp256@openssh.com"}


def key_kind(name: str, *, in_blob: bool) -> str:
    """The kind of key an SSH type name stands for; SignatureError if archiver cannot check
    such keys (with a reason) or OpenSSH knows no such name."""
    short = _SHORT_NAMES.get(name.lower()) if in_blob else None
    if name in _NAMES or (in_blob and name.lower() in _SHORT_NAMES):
        kind = _NAMES.get(name) or short
        if kind is None:
            raise SignatureError(f"{name} is a certificate where OpenSSH reads only a key")
        return kind
    raise SignatureError(f"unknown key type {name!r}")


@dataclass(frozen=True)
class PublicKey:
    """A public key as OpenSSH compares keys: its kind and its numbers, not the blob's bytes."""

    kind: str  # ed25519, ecdsa, rsa, or a security key: ed25519-sk, ecdsa-sk
    curve: str  # the ECDSA curve, else ""
    numbers: tuple[int, ...] | bytes  # Ed25519: the 32 bytes; ECDSA: (x, y); RSA: (e, n)
    application: bytes = b""  # a security key's, such as b"ssh:"

    @property
    def name(self) -> str:
        names = {"ed25519": "ssh-ed25519", "rsa": "ssh-rsa", "dsa": "ssh-dss", **_SK_NAMES}
        return names.get(self.kind, f"ecdsa-sha2-{self.curve}")

    def blob(self) -> bytes:
        """The key as OpenSSH writes it (what its fingerprint is taken over)."""
        head = string(self.name.encode())
        if self.kind in ("rsa", "dsa"):
            return head + b"".join(mpint(value) for value in self.numbers)
        if isinstance(self.numbers, bytes):
            body = string(self.numbers)
        else:
            x, y = self.numbers
            size = CURVES[self.curve].size
            point = b"\x04" + x.to_bytes(size, "big") + y.to_bytes(size, "big")
            body = string(self.curve.encode()) + string(point)
        return head + body + (string(self.application) if self.kind in _SK_NAMES else b"")

    def fingerprint(self) -> str:
        """As ssh-keygen prints it: `SHA256:` and unpadded base64."""
        digest = hashlib.sha256(self.blob()).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")

    def verify(self, signature: bytes, data: bytes) -> bool:
        """Whether `signature` (an SSH signature blob) is this key's over `data`."""
        if not signature:
            return False
        reader = Reader(signature)
        algorithm = reader.cstring()
        if self.kind == "rsa":
            raw = reader.string()
            reader.end()
            e, n = self.numbers
            return rsa_check(int(e), int(n), algorithm, raw, data)
        webauthn = self.kind == "ecdsa-sk" and algorithm == WEBAUTHN.encode()
        if algorithm != self.name.encode() and not webauthn:
            return False
        if self.kind in _SK_NAMES:
            return _sk_verify(self, reader, data, webauthn=webauthn)
        raw = reader.string()
        reader.end()
        if self.kind == "ed25519":
            return _ed25519_check(self, raw, data)
        if self.kind == "dsa":
            p, q, g, y = self.numbers
            return dsa_check((int(p), int(q), int(g), int(y)), raw, data)
        return _ecdsa_check(self, raw, data)


def parse_public_key(blob: bytes) -> PublicKey:
    """The key in an SSH public key blob, checked as sshkey_from_blob checks it."""
    reader = Reader(blob, "key")
    name = reader.cstring().decode("latin-1")
    key = read_key_fields(name, key_kind(name, in_blob=True), reader)
    reader.end()
    return key


def read_key_fields(name: str, kind: str, reader: Reader) -> PublicKey:
    """The fields of a key of `kind` after its type name (`name`): deserialize_public."""
    if kind in ("ed25519", "ed25519-sk"):
        key = PublicKey(kind, "", reader.string())
        if len(key.numbers) != 32:
            raise reader.fail("an Ed25519 key is 32 bytes")
    elif kind in ("ecdsa", "ecdsa-sk"):
        full = name if kind == "ecdsa" or name not in _NAMES else "ecdsa-sha2-nistp256"
        key = _ecdsa_key(full, reader)  # a short name such as ECDSA has no curve: refused
        key = replace(key, kind=kind)
    elif kind == "dsa":
        key = PublicKey("dsa", "", tuple(reader.bignum() for _ in range(4)))  # p, q, g, y
    else:
        e, n = reader.bignum(), reader.bignum()
        if n.bit_length() < RSA_MINIMUM_BITS:
            raise SignatureError(f"RSA key of {n.bit_length()} bits: OpenSSH refuses keys under "
                                 f"{RSA_MINIMUM_BITS} bits")
        key = PublicKey("rsa", "", (e, n))
    if kind in _SK_NAMES:
        key = replace(key, application=reader.cstring())
    return key


def _ecdsa_key(name: str, reader: Reader) -> PublicKey:
    curve = CURVES.get(name.removeprefix("ecdsa-sha2-"))
    if curve is None or reader.cstring() != curve.name.encode():
        raise reader.fail(f"{name} key for another curve")
    point = reader.string()
    if len(point) != 1 + 2 * curve.size or point[0] != 4:
        raise reader.fail("an ECDSA point must be uncompressed and of its curve's size")
    x = int.from_bytes(point[1:1 + curve.size], "big")
    y = int.from_bytes(point[1 + curve.size:], "big")
    on_curve = x < curve.p and y < curve.p and (
        y * y - x * x * x - curve.a * x - curve.b) % curve.p == 0
    half = curve.order.bit_length() // 2  # sshkey_ec_validate_public
    if not on_curve or min(x.bit_length(), y.bit_length()) <= half or max(x, y) >= curve.order - 1:
        raise reader.fail("the ECDSA point is not a valid public key")
    return PublicKey("ecdsa", curve.name, (x, y))


_L = 2**252 + 27742317777372353535851937790883648493  # the order of the Ed25519 group


def _ed25519_check(key: PublicKey, raw: bytes, data: bytes) -> bool:
    if len(raw) != 64 or raw[63] & 0xE0:
        return False
    s = int.from_bytes(raw[32:], "little") % _L  # as OpenSSH's sc25519_from32bytes reduces it
    assert isinstance(key.numbers, bytes)
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(key.numbers).verify(
            raw[:32] + s.to_bytes(32, "little"), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def _ecdsa_check(key: PublicKey, raw: bytes, data: bytes) -> bool:
    inner = Reader(raw)
    r, s = inner.bignum(), inner.bignum()
    inner.end()
    curve = CURVES[key.curve]
    if not (0 < r < curve.order and 0 < s < curve.order):
        return False
    x, y = key.numbers
    try:
        public = ec.EllipticCurvePublicNumbers(int(x), int(y), curve.ec).public_key()
        public.verify(encode_dss_signature(r, s), data, ec.ECDSA(curve.hash()))
    except (InvalidSignature, ValueError):
        return False
    return True


def _sk_verify(key: PublicKey, reader: Reader, data: bytes, *, webauthn: bool) -> bool:
    """A security key signs its application's hash, flags, counter and the data's hash; signed
    through a web browser (webauthn), the hash of the browser's clientData instead, which must
    start with the data as its challenge and the origin named."""
    raw = reader.string()
    flags_and_counter = reader.take(5)
    origin = client_data = extensions = b""
    message_hash = hashlib.sha256(data).digest()
    if webauthn:
        origin, client_data, extensions = reader.cstring(), reader.string(), reader.string()
    reader.end()
    if webauthn:
        if not _webauthn_matches(origin, client_data, flags_and_counter[0], extensions, data):
            return False
        message_hash = hashlib.sha256(client_data).digest()
    signed = b"".join([hashlib.sha256(key.application).digest(), flags_and_counter, extensions,
                       message_hash])
    if key.kind == "ed25519-sk":
        return _ed25519_check(key, raw, signed)
    return _ecdsa_check(key, raw, signed)


def _webauthn_matches(origin: bytes, client_data: bytes, flags: int, extensions: bytes,
                      data: bytes) -> bool:
    """webauthn_check_prepare_hash: no quote in the origin, no AD flag, the ED flag exactly
    when there are extensions, and clientData starting as OpenSSH expects it to."""
    if b'"' in origin or flags & 0x40 or (not flags & 0x80) != (not extensions):
        return False
    challenge = base64.urlsafe_b64encode(data).rstrip(b"=")
    return client_data.startswith(b'{"type":"webauthn.get","challenge":"' + challenge
                                  + b'","origin":"' + origin + b'"')
