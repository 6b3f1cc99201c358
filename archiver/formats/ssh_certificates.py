"""OpenSSH certificates (PROTOCOL.certkeys), read and checked as OpenSSH 9.2 checks them.

A certificate is a key signed by a certificate authority, with a type (user or host), a list
of principals and a validity period. `ssh-keygen -Y verify` accepts a signature by a certified
key when an allowed_signers line marked `cert-authority` lists the CA's key, and the
certificate is a user certificate, valid at the time of the check, that lists the principal
asked for by its exact name (sshkey_cert_check_authority). The certificate's own signature, by
its CA, is checked when it is read (cert_parse), with any of the CA's signature algorithms.
"""

from __future__ import annotations

from dataclasses import dataclass

from archiver.formats.ssh_keys import PublicKey, key_kind, parse_public_key, read_key_fields
from archiver.formats.ssh_patterns import match_pattern
from archiver.formats.ssh_wire import Reader, SignatureError

# Each certificate type to the key type it certifies.
CERT_NAMES = {
    f"{name}-cert-v01@openssh.com": plain for name, plain in [
        ("ssh-ed25519", "ssh-ed25519"), ("ssh-rsa", "ssh-rsa"), ("rsa-sha2-256", "ssh-rsa"),
        ("rsa-sha2-512", "ssh-rsa"), ("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256"),
        ("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384"),
        ("ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521"), ("ssh-dss", "ssh-dss"),
        ("sk-ssh-ed25519", "sk-ssh-ed25519@openssh.com"),
        ("sk-ecdsa-sha2-nistp256", "sk-ecdsa-sha2-nistp256@openssh.com"),
    ]
}
MAX_PRINCIPALS = 256  # SSHKEY_CERT_MAX_PRINCIPALS
USER = 1
HOST = 2


@dataclass(frozen=True)
class Certificate:
    """A certified key: the key, what the certificate says of it, and the CA that signed it."""

    name: str
    blob: bytes  # the whole certificate, as OpenSSH compares two certificates
    key: PublicKey
    type: int
    principals: tuple[bytes, ...]
    valid_after: int
    valid_before: int
    ca: PublicKey

    @property
    def kind(self) -> str:
        return self.key.kind

    def fingerprint(self) -> str:
        return self.key.fingerprint()

    def verify(self, signature: bytes, data: bytes) -> bool:
        return self.key.verify(signature, data)

    def refusal(self, identity: bytes | None, now: int) -> str:
        """Why this certificate does not let its key sign as `identity` at `now`, or ""."""
        if self.type != USER:
            return "not a user certificate"
        if now < self.valid_after:
            return "not yet valid"
        if now >= self.valid_before:
            return "expired"
        if not self.principals:
            return "it lists no principals"
        if identity is not None and identity not in self.principals:
            return "the name is not a listed principal"
        return ""

    def principals_for(self, patterns: bytes, now: int) -> list[bytes]:
        """cert_filter_principals: the certificate's principals that the line's patterns match
        (each pattern on its own, up to the first empty one; `!` means nothing here)."""
        if self.refusal(None, now):
            return []
        found = []
        for pattern in patterns.split(b","):
            if not pattern:
                break
            found += [name for name in self.principals if match_pattern(name, pattern)]
        return found


SigningKey = PublicKey | Certificate


def parse_key(blob: bytes) -> SigningKey:
    """A key or a certificate, as sshkey_from_blob reads either."""
    reader = Reader(blob, "key")
    name = reader.cstring().decode("latin-1")
    if name not in CERT_NAMES:
        return parse_public_key(blob)
    plain = CERT_NAMES[name]
    kind = key_kind(plain, in_blob=True)
    reader.string()  # nonce
    key = read_key_fields(plain, kind, reader)
    serial_and_type = reader.take(12)
    reader.cstring()  # key id
    principals = _principals(Reader(reader.string(), "certificate"))
    valid_after, valid_before = (int.from_bytes(reader.take(8), "big") for _ in range(2))
    for section in (reader.string(), reader.string()):  # critical options, extensions
        _pairs(Reader(section, "certificate"))
    reader.string()  # reserved
    ca_blob = reader.string()
    signed = blob[:len(blob) - reader.remaining()]
    signature = reader.string()
    reader.end()
    cert_type = int.from_bytes(serial_and_type[8:], "big")
    if cert_type not in (USER, HOST):
        raise reader.fail(f"unknown certificate type {cert_type}")
    try:
        ca = parse_public_key(ca_blob)
    except SignatureError as err:
        raise SignatureError(f"malformed certificate: its CA key: {err}") from None
    if not ca.verify(signature, signed):
        raise SignatureError("malformed certificate: its CA's signature does not check out")
    return Certificate(name, blob, key, cert_type, principals, valid_after, valid_before, ca)


def _principals(reader: Reader) -> tuple[bytes, ...]:
    found: list[bytes] = []
    while not reader.done():
        if len(found) >= MAX_PRINCIPALS:
            raise reader.fail(f"more than {MAX_PRINCIPALS} principals")
        found.append(reader.cstring())
    return tuple(found)


def _pairs(reader: Reader) -> None:
    while not reader.done():
        reader.string()
        reader.string()


def same_key(listed: SigningKey, ca: PublicKey) -> bool:
    """sshkey_equal_public: a line's key (or the key of a certificate on it) is the CA's."""
    return (listed.key if isinstance(listed, Certificate) else listed) == ca


def same(listed: SigningKey, signer: SigningKey) -> bool:
    """sshkey_equal: the same key, or the very same certificate."""
    if isinstance(listed, Certificate) and isinstance(signer, Certificate):
        return listed.blob == signer.blob
    return listed == signer  # a key is never equal to a certificate
