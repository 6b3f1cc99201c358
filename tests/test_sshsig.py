"""SSH signatures, checked against the real ssh-keygen in both directions."""

from __future__ import annotations

import base64
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from archiver.formats.sshsig import (
    BEGIN,
    END,
    SignatureError,
    SigningKeyError,
    fingerprint,
    read_allowed_signers,
    sign,
    verify,
)

SSH_KEYGEN = shutil.which("ssh-keygen")
MESSAGE = b'{"manifest": "pretend"}\n\xe4\xb8\xad\x00binary\n'
PRINCIPAL = "alice@example.com"
KEY_TYPES = {  # name -> ssh-keygen arguments
    "ed25519": ["-t", "ed25519"],
    "ecdsa-p256": ["-t", "ecdsa", "-b", "256"],
    "ecdsa-p384": ["-t", "ecdsa", "-b", "384"],
    "ecdsa-p521": ["-t", "ecdsa", "-b", "521"],
    "rsa": ["-t", "rsa", "-b", "3072"],
}
DETERMINISTIC = {"ed25519", "rsa"}  # their signatures depend only on key and message (ECDSA's don't)


@dataclass(frozen=True)
class Key:
    private: Path
    public_line: str

    @property
    def type_and_blob(self) -> str:
        return " ".join(self.public_line.split()[:2])


def keygen(*args: str | Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    assert SSH_KEYGEN, "ssh-keygen is needed for these tests: install openssh-client"
    return subprocess.run([SSH_KEYGEN, *map(str, args)], input=stdin, capture_output=True, timeout=60)


def make_key(folder: Path, name: str, kind: str = "ed25519", passphrase: str = "") -> Key:
    path = folder / name
    result = keygen(*KEY_TYPES[kind], "-q", "-N", passphrase, "-C", name, "-f", path)
    assert result.returncode == 0, result.stderr
    return Key(path, path.with_suffix(".pub").read_text().strip())


def allowed_signers(folder: Path, *lines: str) -> Path:
    path = folder / "allowed_signers"
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def keygen_verify(signers: Path, signature: str, message: bytes, *,
                  principal: str = PRINCIPAL, namespace: str = "archiver") -> bool:
    sig = signers.parent / "check.sig"
    sig.write_text(signature)
    result = keygen("-Y", "verify", "-f", signers, "-I", principal, "-n", namespace, "-s", sig, stdin=message)
    return result.returncode == 0


def keygen_sign(key: Key, message: bytes, *, namespace: str = "archiver",
                extra: tuple[str, ...] = ()) -> str:
    target = key.private.parent / "signed-by-keygen"
    target.write_bytes(message)
    sig = target.with_name(target.name + ".sig")
    sig.unlink(missing_ok=True)
    result = keygen("-Y", "sign", "-f", key.private, "-n", namespace, *extra, target)
    assert result.returncode == 0, result.stderr
    return sig.read_text()


@pytest.fixture(scope="module", params=sorted(KEY_TYPES))
def key(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Key:
    """One key of each type for the module: RSA keys take a while to generate."""
    return make_key(tmp_path_factory.mktemp(request.param), "signer", request.param)


@pytest.fixture
def signers(tmp_path: Path, key: Key) -> Path:
    return allowed_signers(tmp_path, "# team keys", "", f"{PRINCIPAL} {key.public_line}")


# --- both directions, every key type ---------------------------------------------------------


def test_ssh_keygen_accepts_our_signature(key: Key, signers: Path) -> None:
    assert keygen_verify(signers, sign(MESSAGE, key.private), MESSAGE)


def test_we_accept_ssh_keygen_signature(key: Key, signers: Path) -> None:
    signature = keygen_sign(key, MESSAGE)
    assert verify(MESSAGE, signature, signers, identity=PRINCIPAL) == PRINCIPAL
    assert verify(MESSAGE, signature, signers) == PRINCIPAL


@pytest.mark.parametrize("kind", sorted(DETERMINISTIC))
def test_deterministic_signatures_are_byte_identical_to_ssh_keygen(tmp_path: Path, kind: str) -> None:
    key = make_key(tmp_path, "signer", kind)
    assert sign(MESSAGE, key.private) == keygen_sign(key, MESSAGE)


def test_tampered_message_fails_both(key: Key, signers: Path) -> None:
    tampered = MESSAGE + b" "
    ours = sign(MESSAGE, key.private)
    assert not keygen_verify(signers, ours, tampered)
    with pytest.raises(SignatureError, match="^bad signature"):
        verify(tampered, keygen_sign(key, MESSAGE), signers)


def test_key_not_in_allowed_signers_fails_both(tmp_path: Path, key: Key, signers: Path) -> None:
    stranger = make_key(tmp_path, "stranger")
    ours = sign(MESSAGE, stranger.private)
    assert not keygen_verify(signers, ours, MESSAGE)
    with pytest.raises(SignatureError, match="is not in allowed signers"):
        verify(MESSAGE, keygen_sign(stranger, MESSAGE), signers)


def test_wrong_namespace_fails_both(key: Key, signers: Path) -> None:
    ours = sign(MESSAGE, key.private, namespace="git")
    assert not keygen_verify(signers, ours, MESSAGE)
    assert keygen_verify(signers, ours, MESSAGE, namespace="git")
    with pytest.raises(SignatureError, match="namespace 'git', not 'archiver'"):
        verify(MESSAGE, keygen_sign(key, MESSAGE, namespace="git"), signers)


# --- allowed signers rules, compared with ssh-keygen ------------------------------------------


@pytest.fixture(scope="module")
def ed25519(tmp_path_factory: pytest.TempPathFactory) -> Key:
    return make_key(tmp_path_factory.mktemp("ed25519"), "ed", "ed25519")


@pytest.mark.parametrize(("line", "identity", "allowed"), [
    ('{p} namespaces="archiver,file" {key}', PRINCIPAL, True),
    ('{p} namespaces="git" {key}', PRINCIPAL, False),
    ('{p} namespaces="arch*" {key}', PRINCIPAL, True),
    ("*@example.com {key}", PRINCIPAL, True),
    ("*@example.com,!alice@* {key}", PRINCIPAL, False),
    ("bob@example.com,{p} {key}", PRINCIPAL, True),
    ("bob@example.com {key}", PRINCIPAL, False),
    ("{p} {key}", "ALICE@example.com", False),
    ('"{p}" {key} trailing comment', PRINCIPAL, True),
    ("{p} cert-authority {key}", PRINCIPAL, False),
])
def test_allowed_signers_rules_agree_with_ssh_keygen(
    tmp_path: Path, ed25519: Key, line: str, identity: str, allowed: bool,
) -> None:
    signers = allowed_signers(tmp_path, line.format(p=PRINCIPAL, key=ed25519.type_and_blob))
    signature = sign(MESSAGE, ed25519.private)
    assert keygen_verify(signers, signature, MESSAGE, principal=identity) is allowed
    if allowed:
        assert verify(MESSAGE, signature, signers, identity=identity) == identity
    else:
        with pytest.raises(SignatureError, match="may not sign|not in allowed signers"):
            verify(MESSAGE, signature, signers, identity=identity)


def test_without_identity_the_principals_field_is_returned(tmp_path: Path, ed25519: Key) -> None:
    other = make_key(tmp_path, "other")
    signers = allowed_signers(tmp_path, f"bob@example.com {other.public_line}",
                              f"alice@example.com,*@archive.example {ed25519.public_line}")
    signature = sign(MESSAGE, ed25519.private)
    assert verify(MESSAGE, signature, signers) == "alice@example.com,*@archive.example"
    found = keygen("-Y", "find-principals", "-f", signers, "-s", write(tmp_path / "s.sig", signature))
    assert found.stdout.decode().split() == ["alice@example.com", "*@archive.example"]


@pytest.mark.parametrize("options", [
    'valid-after="20200101"', 'valid-before="20991231Z"',
    'namespaces="archiver",valid-after="20200101",valid-before="20991231"',
])
def test_time_limited_line_is_refused_with_a_reason(tmp_path: Path, ed25519: Key, options: str) -> None:
    signers = allowed_signers(tmp_path, f"{PRINCIPAL} {options} {ed25519.public_line}")
    with pytest.raises(SignatureError, match="valid-after/valid-before"):
        verify(MESSAGE, sign(MESSAGE, ed25519.private), signers, identity=PRINCIPAL)


@pytest.mark.parametrize(("line", "problem"), [
    ("alice@example.com", "expected principals"),
    ("alice@example.com ssh-ed25519 not-base64!", "invalid ssh-ed25519 key"),
    ("alice@example.com ssh-ed25519 AAAA", "invalid ssh-ed25519 key"),
    ("alice@example.com ssh-rsa {blob}", "invalid ssh-rsa key"),
    ("alice@example.com namespaces=archiver {key}", "malformed option 'namespaces=archiver'"),
    ('alice@example.com no-touch-required,x="1" {key}', "unknown or malformed option 'no-touch"),
    ('alice@example.com namespaces="a",namespaces="b" {key}', "option namespaces given twice"),
    ("alice@example.com cert-authority,cert-authority {key}", "option cert-authority given twice"),
    ('alice@example.com cert-authority="yes" {key}', "unknown or malformed option"),
])
def test_malformed_allowed_signers_line_is_named(
    tmp_path: Path, ed25519: Key, line: str, problem: str,
) -> None:
    line = line.format(key=ed25519.type_and_blob, blob=ed25519.public_line.split()[1])
    signers = allowed_signers(tmp_path, "# fine", line)
    with pytest.raises(SignatureError, match=f"allowed_signers:2: .*{problem}"):
        read_allowed_signers(signers)


def test_missing_allowed_signers_file(tmp_path: Path, ed25519: Key) -> None:
    with pytest.raises(SignatureError, match="cannot read allowed signers"):
        verify(MESSAGE, sign(MESSAGE, ed25519.private), tmp_path / "absent")


# --- signature text and keys -----------------------------------------------------------------


def test_armor_is_wrapped_at_70_columns(ed25519: Key) -> None:
    lines = sign(MESSAGE * 50, ed25519.private).splitlines()
    assert (lines[0], lines[-1]) == (BEGIN, END)
    assert all(len(line) == 70 for line in lines[1:-2]) and 0 < len(lines[-2]) <= 70


def test_sha256_signatures_from_ssh_keygen_are_accepted(tmp_path: Path, ed25519: Key) -> None:
    signers = allowed_signers(tmp_path, f"{PRINCIPAL} {ed25519.public_line}")
    signature = keygen_sign(ed25519, MESSAGE, extra=("-O", "hashalg=sha256"))
    assert verify(MESSAGE, signature, signers) == PRINCIPAL


@pytest.mark.parametrize(("mangle", "problem"), [
    (lambda s: "", "does not start with"),
    (lambda s: s.replace(END, ""), "does not end with"),
    (lambda s: s.replace("U1NIU0lH", "U1NIU0lI"), "not an SSHSIG"),
    (lambda s: s.replace(s.splitlines()[2], "AAAA"), "truncated|trailing"),
    (lambda s: s.replace("U1NIU0lH", "U1NIU0l*"), "not base64"),
])
def test_malformed_signature_is_refused(
    tmp_path: Path, ed25519: Key, mangle: Callable[[str], str], problem: str,
) -> None:
    signers = allowed_signers(tmp_path, f"{PRINCIPAL} {ed25519.public_line}")
    with pytest.raises(SignatureError, match=f"^malformed signature: .*({problem})"):
        verify(MESSAGE, mangle(sign(MESSAGE, ed25519.private)), signers)


def test_crlf_signature_text_is_accepted(tmp_path: Path, ed25519: Key) -> None:
    signers = allowed_signers(tmp_path, f"{PRINCIPAL} {ed25519.public_line}")
    signature = sign(MESSAGE, ed25519.private).replace("\n", "\r\n")
    assert verify(MESSAGE, signature, signers) == PRINCIPAL


def test_fingerprint_matches_ssh_keygen(ed25519: Key) -> None:
    blob = base64.b64decode(ed25519.public_line.split()[1])
    listed = keygen("-l", "-E", "sha256", "-f", ed25519.private.with_suffix(".pub")).stdout.decode()
    assert listed.split()[1] == fingerprint(blob)


def test_passphrase_protected_key_is_refused_clearly(tmp_path: Path) -> None:
    locked = make_key(tmp_path, "locked", passphrase="correct horse")
    with pytest.raises(SigningKeyError, match="^key is passphrase-protected: .*locked"):
        sign(MESSAGE, locked.private)


def test_unreadable_or_foreign_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="cannot read signing key"):
        sign(MESSAGE, tmp_path / "absent")
    with pytest.raises(SigningKeyError, match="not an OpenSSH private key"):
        sign(MESSAGE, write(tmp_path / "junk", "not a key\n"))


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
