"""SSH signatures over a snapshot's manifest, in the format of `ssh-keygen -Y sign`.

An SSH key is what most people already have, and `ssh-keygen` can check the result without
archiver: `ssh-keygen -Y verify -f allowed_signers -I alice@example.com -n archiver -s
manifest.json.sig < manifest.json`. The format is OpenSSH's PROTOCOL.sshsig: the message is
hashed (sha512) and the hash is signed inside a wrapper that names a namespace, so a signature
made for archiver cannot be passed off as, say, a git commit signature.

Keys: Ed25519, ECDSA (P-256, P-384, P-521) and RSA (signed as rsa-sha2-512), in OpenSSH's
private key format without a passphrase (archiver never prompts). Certificates and hardware
(sk-) keys are not supported.

allowed_signers is ssh-keygen's ALLOWED SIGNERS file: `principals [options] keytype base64
[comment]`. A key matches by its exact public key; `namespaces="..."` is honoured. Lines marked
`cert-authority` never match (no certificate support), and neither do lines limited by
`valid-after`/`valid-before`: checking those needs a clock, which library code does not read.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

BEGIN = "-----BEGIN SSH SIGNATURE-----"


END = "-----END SSH SIGNATURE-----"


MAGIC = b"SSHSIG"


HASH_ALGORITHM = "sha512"


_HASHES = {"sha256": hashes.SHA256, "sha512": hashes.SHA512}


_RSA_SIGNATURES = {b"rsa-sha2-512": hashes.SHA512, b"rsa-sha2-256": hashes.SHA256}


_CURVES = {  # curve name -> (SSH key type, hash its signatures use)
    "secp256r1": (b"ecdsa-sha2-nistp256", hashes.SHA256),
    "secp384r1": (b"ecdsa-sha2-nistp384", hashes.SHA384),
    "secp521r1": (b"ecdsa-sha2-nistp521", hashes.SHA512),
}


PrivateKey = Union[ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey]


_SUPPORTED_KEYS = (ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)


class SignatureError(ValueError):
    """A signature does not check out: malformed, wrong namespace, key not allowed, or bad."""


class SigningKeyError(ValueError):
    """The signing key cannot be used: unreadable, passphrase-protected, or of another kind."""


def sign(message: bytes, key_path: Path, *, namespace: str = "archiver") -> str:
    """Sign `message` as `ssh-keygen -Y sign -n NAMESPACE` would; return the armored text."""
    key = _load_private_key(key_path)
    public_blob = _public_blob(key)
    signed = _signed_data(namespace, HASH_ALGORITHM, _digest(HASH_ALGORITHM, message))
    blob = b"".join([
        MAGIC, struct.pack(">I", 1), _string(public_blob), _string(namespace.encode()),
        _string(b""), _string(HASH_ALGORITHM.encode()), _string(_sign_raw(key, signed)),
    ])
    return _armor(blob)


def verify(
    message: bytes,
    signature: str,
    allowed_signers: Path,
    *,
    identity: str | None = None,
    namespace: str = "archiver",
) -> str:
    """Check `signature` over `message`; return the principal it was made by.

    With `identity`, that principal must be listed for the key (patterns such as
    `*@example.com` allowed) and is returned; without, the key's principals field is returned.
    """
    parsed = _parse(_dearmor(signature))
    if parsed.namespace != namespace:
        raise SignatureError(f"signature is for namespace {parsed.namespace!r}, not {namespace!r}")
    signed = _signed_data(namespace, parsed.hash_algorithm, _digest(parsed.hash_algorithm, message))
    _check_signature(parsed.public_blob, parsed.signature, signed)
    return _allowed_principal(parsed.public_blob, allowed_signers, identity, namespace)


def fingerprint(public_blob: bytes) -> str:
    """The key's fingerprint as ssh-keygen prints it: `SHA256:` and unpadded base64."""
    return "SHA256:" + base64.b64encode(_digest("sha256", public_blob)).decode().rstrip("=")


def _load_private_key(path: Path) -> PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise SigningKeyError(f"cannot read signing key {path}: {err.strerror}") from None
    if _is_encrypted(data):
        raise SigningKeyError(
            f"key is passphrase-protected: {path} (use a key without a passphrase, "
            "or sign with ssh-keygen -Y sign -n archiver)"
        )
    try:
        key = serialization.load_ssh_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as err:
        raise SigningKeyError(f"not an OpenSSH private key: {path} ({err})") from None
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name not in _CURVES:
        raise SigningKeyError(f"unsupported ECDSA curve {key.curve.name}: {path}")
    if not isinstance(key, _SUPPORTED_KEYS):
        raise SigningKeyError(f"unsupported key type {type(key).__name__}: {path}")
    return key


def _is_encrypted(data: bytes) -> bool:
    """True for an OpenSSH private key whose cipher is not "none" (it has a passphrase)."""
    lines = data.decode("ascii", "replace").strip().splitlines()
    if not lines or lines[0] != "-----BEGIN OPENSSH PRIVATE KEY-----":
        return False
    try:
        raw = base64.b64decode("".join(line for line in lines[1:] if not line.startswith("-----")))
        reader = _Reader(raw[len(b"openssh-key-v1\0"):])
        return raw.startswith(b"openssh-key-v1\0") and reader.string() != b"none"
    except (binascii.Error, SignatureError):
        return False  # let the real parser report what is wrong


def _public_blob(key: PrivateKey) -> bytes:
    openssh = serialization.Encoding.OpenSSH
    line = key.public_key().public_bytes(openssh, serialization.PublicFormat.OpenSSH)
    return base64.b64decode(line.split()[1])


def _sign_raw(key: PrivateKey, data: bytes) -> bytes:
    """The SSH signature blob (algorithm name and signature) over `data`."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return _string(b"ssh-ed25519") + _string(key.sign(data))
    if isinstance(key, ec.EllipticCurvePrivateKey):
        key_type, hash_type = _CURVES[key.curve.name]
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hash_type())))
        return _string(key_type) + _string(_mpint(r) + _mpint(s))
    return _string(b"rsa-sha2-512") + _string(key.sign(data, padding.PKCS1v15(), hashes.SHA512()))


def _armor(blob: bytes) -> str:
    text = base64.b64encode(blob).decode("ascii")
    return "\n".join([BEGIN, *(text[i:i + 70] for i in range(0, len(text), 70)), END]) + "\n"


@dataclass(frozen=True)
class _Parsed:
    public_blob: bytes
    namespace: str
    hash_algorithm: str
    signature: bytes


def _dearmor(text: str) -> bytes:
    lines = text.strip().splitlines()
    if not lines or lines[0].strip() != BEGIN:
        raise SignatureError(f"malformed signature: it does not start with {BEGIN}")
    if lines[-1].strip() != END:
        raise SignatureError(f"malformed signature: it does not end with {END}")
    try:
        return base64.b64decode("".join("".join(lines[1:-1]).split()), validate=True)
    except binascii.Error:
        raise SignatureError("malformed signature: the text inside the armor is not base64") from None


def _parse(blob: bytes) -> _Parsed:
    reader = _Reader(blob)
    if reader.take(6) != MAGIC or reader.u32() != 1:
        raise SignatureError("malformed signature: not an SSHSIG version 1 signature")
    public_blob, namespace, _, hash_algorithm, signature = (reader.string() for _ in range(5))
    if not reader.done():
        raise SignatureError("malformed signature: trailing data")
    try:
        parsed = _Parsed(public_blob, namespace.decode(), hash_algorithm.decode(), signature)
    except UnicodeDecodeError:
        raise SignatureError("malformed signature: namespace or hash name is not UTF-8") from None
    if parsed.hash_algorithm not in _HASHES:
        raise SignatureError(f"malformed signature: unsupported hash {parsed.hash_algorithm!r}")
    return parsed


def _check_signature(public_blob: bytes, signature: bytes, signed: bytes) -> None:
    key = _public_key(public_blob)
    reader = _Reader(signature)
    algorithm, raw = reader.string(), reader.string()
    try:
        if isinstance(key, ed25519.Ed25519PublicKey) and algorithm == b"ssh-ed25519":
            key.verify(raw, signed)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm == _CURVES[key.curve.name][0]:
            numbers = _Reader(raw)
            der = encode_dss_signature(numbers.mpint(), numbers.mpint())
            key.verify(der, signed, ec.ECDSA(_CURVES[key.curve.name][1]()))
        elif isinstance(key, rsa.RSAPublicKey) and algorithm in _RSA_SIGNATURES:
            key.verify(raw, signed, padding.PKCS1v15(), _RSA_SIGNATURES[algorithm]())
        else:
            raise SignatureError(f"malformed signature: {algorithm.decode(errors='replace')} "
                                 "signature from a key of another type")
    except InvalidSignature:
        raise SignatureError("bad signature: the message or the signature was altered") from None


def _public_key(blob: bytes) -> object:
    key_type = _Reader(blob).string()
    try:
        key = serialization.load_ssh_public_key(key_type + b" " + base64.b64encode(blob))
    except (ValueError, UnsupportedAlgorithm):
        name = key_type.decode(errors="replace")
        raise SignatureError(f"malformed signature: unsupported key {name}") from None
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name not in _CURVES:
        raise SignatureError(f"malformed signature: unsupported curve {key.curve.name}")
    return key


@dataclass(frozen=True)
class AllowedSigner:
    """One line of an allowed_signers file."""

    line: int
    principals: str
    public_blob: bytes
    namespaces: str | None = None
    cert_authority: bool = False
    time_limited: bool = False


def read_allowed_signers(path: Path) -> list[AllowedSigner]:
    """Every signer listed in `path`; SignatureError naming the line for one it cannot read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise SignatureError(f"cannot read allowed signers {path}: {err}") from None
    lines = enumerate(text.splitlines(), 1)
    return [signer for n, line in lines if (signer := _parse_signer(line, n, path)) is not None]


def _allowed_principal(public_blob: bytes, path: Path, identity: str | None, namespace: str) -> str:
    key = fingerprint(public_blob)
    signers = [s for s in read_allowed_signers(path)
               if s.public_blob == public_blob and not s.cert_authority]
    if not signers:
        raise SignatureError(f"key {key} is not in allowed signers {path}")
    if identity is not None:
        signers = [s for s in signers if _match_list(identity, s.principals)]
        if not signers:
            raise SignatureError(f"key {key} may not sign as {identity!r} ({path})")
    in_namespace = [s for s in signers
                    if s.namespaces is None or _match_list(namespace, s.namespaces)]
    if not in_namespace:
        where = f"{path}:{signers[0].line}"
        raise SignatureError(f"key {key} may not sign in namespace {namespace!r} ({where})")
    timeless = [s for s in in_namespace if not s.time_limited]
    if not timeless:
        raise SignatureError(f"key {key} is only allowed between valid-after/valid-before times, "
                             f"which archiver does not check ({path}:{in_namespace[0].line})")
    return identity if identity is not None else timeless[0].principals


_TOKEN = re.compile(r'(?:[^\s"]|"[^"]*")+')


_OPTION = re.compile(r'(?:[^,"]|"[^"]*")+')


_VALUED_OPTIONS = ("namespaces", "valid-after", "valid-before")


def _parse_signer(text: str, number: int, path: Path) -> AllowedSigner | None:
    tokens = _TOKEN.findall(text)
    if not tokens or tokens[0].startswith("#"):
        return None
    option_text = tokens[1] if len(tokens) > 1 and _looks_like_options(tokens[1]) else ""
    key_tokens = tokens[2:4] if option_text else tokens[1:3]
    where = f"{path}:{number}"
    if len(key_tokens) < 2:
        raise SignatureError(f"{where}: expected principals, optional options, key type and key")
    try:
        blob = base64.b64decode(key_tokens[1], validate=True)
        valid = _Reader(blob).string() == key_tokens[0].encode()
    except (binascii.Error, SignatureError):
        valid = False
    if not valid:
        raise SignatureError(f"{where}: invalid {key_tokens[0]} key")
    options = _parse_options(option_text, where)
    return AllowedSigner(
        number, tokens[0].strip('"'), blob, namespaces=options.get("namespaces"),
        cert_authority="cert-authority" in options,
        time_limited=bool({"valid-after", "valid-before"} & options.keys()),
    )


def _looks_like_options(token: str) -> bool:
    return "=" in token or "," in token or token == "cert-authority"


def _parse_options(text: str, where: str) -> dict[str, str]:
    """The options ssh-keygen knows, by name, each at most once; quoted values unquoted."""
    options: dict[str, str] = {}
    for option in _OPTION.findall(text):
        name, _, value = option.partition("=")
        quoted = len(value) >= 2 and value[0] == value[-1] == '"'
        if not (option == "cert-authority" or (name in _VALUED_OPTIONS and quoted)):
            raise SignatureError(f"{where}: unknown or malformed option {option!r}")
        if name in options:
            raise SignatureError(f"{where}: option {name} given twice")
        options[name] = value[1:-1]
    return options


def _match_list(name: str, patterns: str) -> bool:
    """OpenSSH's match_pattern_list: comma-separated `*`/`?` patterns, `!` negates and wins."""
    matched = False
    for pattern in patterns.split(","):
        negated = pattern.startswith("!")
        if _match(name, pattern[1:] if negated else pattern):
            if negated:
                return False
            matched = True
    return matched


def _match(name: str, pattern: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, name, re.DOTALL) is not None


def _signed_data(namespace: str, hash_algorithm: str, digest: bytes) -> bytes:
    """What is actually signed (PROTOCOL.sshsig): preamble, namespace, reserved, hash name, H(m)."""
    return b"".join([MAGIC, _string(namespace.encode()), _string(b""),
                     _string(hash_algorithm.encode()), _string(digest)])


def _digest(algorithm: str, data: bytes) -> bytes:
    hasher = hashes.Hash(_HASHES[algorithm]())
    hasher.update(data)
    return hasher.finalize()


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _mpint(value: int) -> bytes:
    """A non-negative SSH mpint: big-endian, with a zero byte first when the top bit is set."""
    return _string(value.to_bytes((value.bit_length() + 8) // 8, "big") if value else b"")


class _Reader:
    """Reads SSH wire types; running off the end is a malformed signature."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def take(self, size: int) -> bytes:
        if self._at + size > len(self._data):
            raise SignatureError("malformed signature: truncated")
        self._at += size
        return self._data[self._at - size:self._at]

    def u32(self) -> int:
        return int.from_bytes(self.take(4), "big")

    def string(self) -> bytes:
        return self.take(self.u32())

    def mpint(self) -> int:
        return int.from_bytes(self.string(), "big", signed=True)

    def done(self) -> bool:
        return self._at == len(self._data)
