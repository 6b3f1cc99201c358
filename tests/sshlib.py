"""Keys made once per test session, and the real `ssh-keygen -Y verify` to compare verdicts with.

Every verdict archiver gives on a signature is compared with ssh-keygen's on the same files,
principal, namespace and time (`-Overify-time`), so the time a test runs at changes nothing.
"""

from __future__ import annotations

import atexit
import base64
import functools
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from archiver.formats.sshsig import SignatureError, verify

SSH_KEYGEN = shutil.which("ssh-keygen")
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z: every check is made as of this time
KEY_TYPES = {  # name -> ssh-keygen arguments
    "ed25519": ["-t", "ed25519"],
    "ecdsa-p256": ["-t", "ecdsa", "-b", "256"],
    "ecdsa-p384": ["-t", "ecdsa", "-b", "384"],
    "ecdsa-p521": ["-t", "ecdsa", "-b", "521"],
    "rsa-1024": ["-t", "rsa", "-b", "1024"],
    "rsa-2048": ["-t", "rsa", "-b", "2048"],
    "rsa-3072": ["-t", "rsa", "-b", "3072"],
    "dsa": ["-t", "dsa"],
}
_FOLDER = Path(tempfile.mkdtemp(prefix="archiver-ssh-keys-"))
atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)  # the session's keys go with it


@dataclass(frozen=True)
class Key:
    private: Path
    public_line: str

    @property
    def type_and_blob(self) -> str:
        return " ".join(self.public_line.split()[:2])

    @property
    def blob(self) -> bytes:
        return base64.b64decode(self.public_line.split()[1])


def keygen(*args: str | Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    assert SSH_KEYGEN, "ssh-keygen is needed for these tests: install openssh-client"
    return subprocess.run([SSH_KEYGEN, *map(str, args)], input=stdin, capture_output=True,
                          timeout=60, check=False)


@functools.cache
def session_key(kind: str, name: str = "signer") -> Key:
    """A key of `kind`, made the first time it is asked for in this session."""
    path = _FOLDER / f"{name}-{kind}"
    result = keygen(*KEY_TYPES[kind], "-q", "-N", "", "-C", name, "-f", path)
    assert result.returncode == 0, result.stderr
    return Key(path, path.with_suffix(".pub").read_text().strip())


@functools.cache
def small_rsa_key(bits: int) -> Key:
    """An RSA key under OpenSSH's 1,024-bit floor, which ssh-keygen will not make: openssl
    makes it, and cryptography writes it in OpenSSH's format."""
    pem = subprocess.run(["openssl", "genrsa", str(bits)], capture_output=True, check=True,
                         timeout=60).stdout
    key = serialization.load_pem_private_key(pem, password=None)
    path = _FOLDER / f"small-rsa-{bits}"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.OpenSSH,
                                       serialization.NoEncryption()))
    path.chmod(0o600)
    line = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                         serialization.PublicFormat.OpenSSH).decode()
    return Key(path, line)


@functools.cache
def keygen_signature(kind: str, message: bytes, namespace: str = "archiver",
                     hashalg: str = "sha512") -> bytes:
    """ssh-keygen's own signature of `message` by the session key of `kind`."""
    key = session_key(kind)
    with tempfile.TemporaryDirectory(dir=_FOLDER) as folder:
        target = Path(folder) / "message"
        target.write_bytes(message)
        result = keygen("-Y", "sign", "-f", key.private, "-n", namespace,
                        "-O", f"hashalg={hashalg}", target)
        assert result.returncode == 0, result.stderr
        return target.with_name("message.sig").read_bytes()


@dataclass(frozen=True)
class Verdicts:
    ours: str | None  # the principal, or None for a refusal
    why: str  # our reason for a refusal
    theirs: bool  # ssh-keygen -Y verify's exit status was 0


def both_verdicts(message: bytes, signature: bytes, signers: bytes, identity: str, *,
                  namespace: str = "archiver", now: int = NOW) -> Verdicts:
    """archiver's and ssh-keygen's verdicts on the same signature, file, principal and time."""
    try:
        ours: str | None = verify(message, signature, signers, identity=identity,
                                  namespace=namespace, now=now)
        why = ""
    except SignatureError as err:
        ours, why = None, str(err)
    with tempfile.TemporaryDirectory(dir=_FOLDER) as folder:
        sig, allowed = Path(folder) / "m.sig", Path(folder) / "allowed_signers"
        sig.write_bytes(signature)
        allowed.write_bytes(signers)
        result = keygen("-Y", "verify", "-f", allowed, "-I", identity, "-n", namespace, "-s", sig,
                        f"-Overify-time={_keygen_time(now)}", stdin=message)
    return Verdicts(ours, why, result.returncode == 0)


def _keygen_time(seconds: int) -> str:
    return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(seconds))


@dataclass(frozen=True)
class Fields:
    """The fields of an SSHSIG blob, to take apart and put together changed (PROTOCOL.sshsig)."""

    public_key: bytes
    namespace: bytes
    reserved: bytes
    hash_name: bytes
    signature: bytes
    version: int = 1
    magic: bytes = b"SSHSIG"

    @classmethod
    def of(cls, armored: bytes) -> Fields:
        lines = armored.decode().strip().split("\n")
        blob = base64.b64decode("".join(lines[1:-1]))
        assert blob[:6] == b"SSHSIG"
        at, values = 10, []
        for _ in range(5):
            size = int.from_bytes(blob[at:at + 4], "big")
            values.append(blob[at + 4:at + 4 + size])
            at += 4 + size
        return cls(*values, version=int.from_bytes(blob[6:10], "big"))

    def blob(self) -> bytes:
        return b"".join([self.magic, self.version.to_bytes(4, "big"),
                         *(wire(value) for value in (self.public_key, self.namespace,
                                                     self.reserved, self.hash_name,
                                                     self.signature))])

    def armored(self, blob: bytes | None = None) -> bytes:
        text = base64.b64encode(self.blob() if blob is None else blob).decode()
        body = "\n".join(text[i:i + 70] for i in range(0, len(text), 70))
        return f"-----BEGIN SSH SIGNATURE-----\n{body}\n-----END SSH SIGNATURE-----\n".encode()


def wire(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def strings(blob: bytes) -> list[bytes]:
    """A blob of SSH strings, taken apart (what follows the last whole one is dropped)."""
    found, at = [], 0
    while at + 4 <= len(blob):
        size = int.from_bytes(blob[at:at + 4], "big")
        found.append(blob[at + 4:at + 4 + size])
        at += 4 + size
    return found


def keygen_principals(signature: bytes, signers: bytes, *, now: int = NOW) -> str | None:
    """What `ssh-keygen -Y find-principals` prints for the signature, joined by commas, or
    None where it finds none."""
    with tempfile.TemporaryDirectory(dir=_FOLDER) as folder:
        sig, allowed = Path(folder) / "m.sig", Path(folder) / "allowed_signers"
        sig.write_bytes(signature)
        allowed.write_bytes(signers)
        result = keygen("-Y", "find-principals", "-f", allowed, "-s", sig,
                        f"-Overify-time={_keygen_time(now)}")
    return ",".join(result.stdout.decode().split("\n")[:-1]) if result.returncode == 0 else None


@functools.cache
def certified(kind: str, ca_kind: str, *, principals: str | None = "alice@example.com",
              validity: str = "20250101:20270101", host: bool = False,
              options: tuple[str, ...] = ()) -> tuple[bytes, bytes]:
    """A certificate for a key of `kind` by a CA key of `ca_kind` (`ssh-keygen -s`), and
    ssh-keygen's signature of MESSAGE made with it: (the certificate line, the signature)."""
    ca = session_key(ca_kind, "ca")
    folder = Path(tempfile.mkdtemp(dir=_FOLDER))
    user = folder / "user"
    user.write_bytes(session_key(kind, "certified").private.read_bytes())
    user.chmod(0o600)
    user.with_suffix(".pub").write_text(session_key(kind, "certified").public_line + "\n")
    naming = ["-n", principals] if principals is not None else []
    extra = [item for option in options for item in ("-O", option)]
    result = keygen("-s", ca.private, "-I", "key-id", *naming, "-V", validity,
                    *(["-h"] if host else []), *extra, user.with_suffix(".pub"))
    assert result.returncode == 0, result.stderr
    cert = folder / "user-cert.pub"
    message = folder / "message"
    message.write_bytes(CERT_MESSAGE)
    result = keygen("-Y", "sign", "-f", cert, "-n", "archiver", message)
    assert result.returncode == 0, result.stderr
    return cert.read_bytes().strip(), message.with_name("message.sig").read_bytes()


CERT_MESSAGE = b"a manifest signed with a certificate\n"
