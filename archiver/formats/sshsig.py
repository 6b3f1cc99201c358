"""SSH signatures over a snapshot's manifest, in the format of `ssh-keygen -Y sign`.

An SSH key is what most people already have, and `ssh-keygen` can check the result without
archiver: `ssh-keygen -Y verify -f allowed_signers -I alice@example.com -n archiver -s
manifest.json.sig < manifest.json`. The format is OpenSSH's PROTOCOL.sshsig: the message is
hashed (sha512) and the hash is signed inside a wrapper that names a namespace, so a signature
made for archiver cannot be passed off as, say, a git commit signature.

`verify` gives the verdict `ssh-keygen -Y verify` (OpenSSH 9.2) gives for the same signature,
allowed_signers file, principal, namespace and time: the armor must start the file exactly, the
blob must hold nothing after its fields, and the key, the signature blob (`ssh_keys`) and the
allowed_signers lines (`allowed_signers`) are read with OpenSSH's rules, and so are
certificates (`ssh_certificates`).

Signing keys: Ed25519, ECDSA (P-256, P-384, P-521) and RSA of 1,024 bits or more (signed as
rsa-sha2-512), in OpenSSH's private key format without a passphrase (archiver never prompts),
readable by their owner only (ssh-keygen refuses a key that others can read, and so does this).
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from archiver.base.digests import Signed
from archiver.base.regular import TooLarge, read_regular
from archiver.formats.allowed_signers import Skipped, allows, read_lines
from archiver.formats.ssh_certificates import Certificate, SigningKey, parse_key
from archiver.formats.ssh_keys import CURVES, PublicKey, parse_public_key
from archiver.formats.ssh_wire import Reader, SignatureError, b64decode, mpint, string

__all__ = ["SignatureError", "SigningKeyError", "sign", "verify"]

BEGIN = "-----BEGIN SSH SIGNATURE-----"
END = "-----END SSH SIGNATURE-----"
MAGIC = b"SSHSIG"
HASH_ALGORITHM = "sha512"
_HASHES = (b"sha256", b"sha512")
_RSA_SIGNATURES = (b"rsa-sha2-512", b"rsa-sha2-256")
MAX_KEY_FILE = 1 << 20

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
_CURVE_NAMES = {"secp256r1": "nistp256", "secp384r1": "nistp384", "secp521r1": "nistp521"}


class SigningKeyError(ValueError):
    """The signing key cannot be used: unreadable, unprotected, passphrase-protected, or of
    another kind."""


def sign(message: bytes, key_path: Path, *, namespace: str = "archiver") -> str:
    """Sign `message` as `ssh-keygen -Y sign -n NAMESPACE` would; return the armored text."""
    key, public = _load_private_key(key_path)
    signed = _signed_data(namespace.encode(), HASH_ALGORITHM.encode(), message)
    blob = b"".join([
        MAGIC, (1).to_bytes(4, "big"), string(public.blob()), string(namespace.encode()),
        string(b""), string(HASH_ALGORITHM.encode()), string(_sign_raw(key, signed)),
    ])
    text = base64.b64encode(blob).decode("ascii")
    return "\n".join([BEGIN, *(text[i:i + 70] for i in range(0, len(text), 70)), END]) + "\n"


def verify(message: bytes | Signed, signature: bytes, allowed_signers: bytes, *, now: int,
           identity: str | None = None, namespace: str = "archiver") -> str:
    """The principal who signed `message` (its bytes, or its digests), where `ssh-keygen -Y
    verify -I IDENTITY -n NAMESPACE -Overify-time=NOW` accepts it; SignatureError saying why not
    where it does not.

    `now` is seconds since the epoch (for `valid-after`/`valid-before`). With `identity`, that
    principal must match the line's patterns and is returned; without, the principals field
    of the first line that allows the key is.
    """
    key, signature_blob, hash_name = _parse(_dearmor(signature), namespace.encode())
    signed = _signed_data(namespace.encode(), hash_name, message)
    if not key.verify(signature_blob, signed):
        raise SignatureError("bad signature: the message or the signature was altered")
    # the principal's bytes as given (a name from the command line that is not UTF-8 is kept
    # as its bytes, as ssh-keygen gets them)
    wanted = identity.encode("utf-8", "surrogateescape") if identity is not None else None
    reasons: list[str] = []  # the first few lines that list the key but do not allow it
    skipped: list[Skipped] = []  # the first unreadable line, and how many there were
    unreadable = 0
    for line in read_lines(allowed_signers):
        if isinstance(line, Skipped):
            unreadable += 1
            skipped = skipped or [line]
            continue
        why = allows(line, key, identity=wanted, namespace=namespace.encode(), now=now)
        if not why:
            if wanted is not None:
                return _principals(wanted)
            if isinstance(key, Certificate):
                return _principals(b",".join(key.principals_for(line.principals, now)))
            return _principals(line.principals)
        if why != "no" and len(reasons) < 3:
            reasons.append(why)
    raise SignatureError(_refusal(key, identity, reasons, skipped, unreadable))


def _refusal(key: SigningKey, identity: str | None, reasons: list[str],
             skipped: list[Skipped], unreadable: int) -> str:
    said = f"key {key.fingerprint()} ({key.name})"
    if reasons:
        who = f" as {identity!r}" if identity is not None else ""
        message = f"{said} may not sign{who}: {'; '.join(reasons)}"
    else:
        message = f"{said} is not in allowed signers"
    if skipped:
        message += (f" ({unreadable} unreadable line{'s' if unreadable > 1 else ''} skipped, "
                    f"as ssh-keygen skips them: line {skipped[0].line}: {skipped[0].reason})")
    return message


def _principals(field: bytes) -> str:
    return field.decode("utf-8", "backslashreplace")


def _dearmor(text: bytes) -> bytes:
    """sshsig_dearmor: the header first, the first footer after it, base64 in between."""
    head = BEGIN.encode() + b"\n"
    if not text.startswith(head):
        raise SignatureError(f"malformed signature: it does not start with the line {BEGIN}")
    body, found, _ = text[len(head):].partition(b"\n" + END.encode())
    if not found:
        raise SignatureError(f"malformed signature: no line {END} after its start")
    if b"\0" in body[:-1]:
        raise SignatureError("malformed signature: a NUL inside the armor")
    blob = b64decode(body[:-1] if body.endswith(b"\0") else body)
    if blob is None:
        raise SignatureError("malformed signature: the text inside the armor is not base64")
    return blob


def _parse(blob: bytes, namespace: bytes) -> tuple[SigningKey, bytes, bytes]:
    """The key, signature blob and hash name of an SSHSIG blob made in `namespace`."""
    reader = Reader(blob)
    if reader.take(6) != MAGIC or reader.u32() > 1:
        raise SignatureError("malformed signature: not an SSHSIG version 1 signature")
    key_blob, found, _, hash_name, signature_blob = (
        reader.string(), reader.cstring(), reader.string(), reader.cstring(), reader.string())
    reader.end()
    if hash_name not in _HASHES:
        raise SignatureError(f"malformed signature: unsupported hash {_text(hash_name)}")
    key = parse_key(key_blob)
    if key.kind == "rsa" and Reader(signature_blob).cstring() not in _RSA_SIGNATURES:
        raise SignatureError("malformed signature: an RSA signature here must be rsa-sha2-256 "
                             "or rsa-sha2-512")
    if found != namespace:
        raise SignatureError(f"signature is for namespace {_text(found)}, "
                             f"not {_text(namespace)}")
    return key, signature_blob, hash_name


def _text(value: bytes) -> str:
    return repr(value.decode("utf-8", "backslashreplace"))


def _signed_data(namespace: bytes, hash_name: bytes, message: bytes | Signed) -> bytes:
    """What is actually signed (PROTOCOL.sshsig): preamble, namespace, reserved, hash name, H(m)."""
    name = hash_name.decode()
    digest = message.digest(name) if isinstance(message, Signed) else hashlib.new(
        name, message).digest()
    return MAGIC + string(namespace) + string(b"") + string(hash_name) + string(digest)


def _load_private_key(path: Path) -> tuple[PrivateKey, PublicKey]:
    data = _read_key_file(path)
    cipher, key_type = _container(data)
    if cipher not in (None, b"none"):
        raise SigningKeyError(
            f"key is passphrase-protected: {path} (use a key without a passphrase, "
            "or sign with ssh-keygen -Y sign -n archiver)"
        )
    if key_type == b"ssh-dss":
        raise SigningKeyError(f"DSA key: {path} (archiver checks DSA signatures but makes none: "
                              "1,024 bits and SHA-1; sign with an Ed25519 key)")
    try:
        key = serialization.load_ssh_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as err:
        raise SigningKeyError(f"not an OpenSSH private key: {path} ({err})") from None
    if not isinstance(key, (ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey,
                            rsa.RSAPrivateKey)):
        raise SigningKeyError(f"unsupported key type {type(key).__name__}: {path}")
    line = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                         serialization.PublicFormat.OpenSSH)
    try:
        public = parse_public_key(base64.b64decode(line.split()[1]))
    except SignatureError as err:
        raise SigningKeyError(f"cannot sign with {path}: {str(err).removeprefix('malformed key: ')}")
    return key, public


def _read_key_file(path: Path) -> bytes:
    """The key file's bytes; refused, as ssh-keygen refuses it, if others may read it."""
    try:
        info = os.stat(path)
        if info.st_uid == os.getuid() and info.st_mode & 0o077:
            raise SigningKeyError(
                f"unprotected private key: {path} has permissions {info.st_mode & 0o777:04o}, "
                f"so others can read it; ssh-keygen refuses it too (chmod 600 {path})")
        return read_regular(path, limit=MAX_KEY_FILE)
    except OSError as err:
        raise SigningKeyError(f"cannot read signing key {path}: {err.strerror}") from None
    except TooLarge as err:
        raise SigningKeyError(f"cannot read signing key {path}: {err}") from None


def _container(data: bytes) -> tuple[bytes | None, bytes | None]:
    """The cipher and the type of the first key of an OpenSSH private key file (PROTOCOL.key),
    None where it is not one: then the real parser says what is wrong."""
    lines = data.decode("ascii", "replace").strip().split("\n")
    if not lines or lines[0].strip() != "-----BEGIN OPENSSH PRIVATE KEY-----":
        return None, None
    raw = b64decode("".join(line for line in lines[1:] if not line.startswith("-----")).encode())
    if raw is None or not raw.startswith(b"openssh-key-v1\0"):
        return None, None
    reader = Reader(raw[len(b"openssh-key-v1\0"):])
    try:
        cipher = reader.string()
        reader.string()  # kdf name
        reader.string()  # kdf options
        return cipher, (Reader(reader.string()).cstring() if reader.u32() else None)
    except SignatureError:
        return None, None


def _sign_raw(key: PrivateKey, data: bytes) -> bytes:
    """The SSH signature blob (algorithm name and signature) over `data`."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return string(b"ssh-ed25519") + string(key.sign(data))
    if isinstance(key, ec.EllipticCurvePrivateKey):
        curve = CURVES[_CURVE_NAMES[key.curve.name]]
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(curve.hash())))
        return string(f"ecdsa-sha2-{curve.name}".encode()) + string(mpint(r) + mpint(s))
    return string(b"rsa-sha2-512") + string(key.sign(data, padding.PKCS1v15(), hashes.SHA512()))
