"""Sign a manifest's exact bytes with an SSH key, and check such a signature (see py).

The signature is a detached SSHSIG in namespace "archiver", so anyone can check it without
archiver: `ssh-keygen -Y verify -f allowed_signers -I PRINCIPAL -n archiver -s MANIFEST.sig
< MANIFEST`. A signature that does not check out is a verification problem
(`signature-invalid`); a signature or allowed-signers file that cannot be read is bad input.
"""

from __future__ import annotations

from pathlib import Path

from archiver.base.atomic import write_atomically
from archiver.errors import InputError
from archiver.formats.sshsig import (
    SignatureError,
    SigningKeyError,
    read_allowed_signers,
    sign,
    verify,
)
from archiver.manifest.files import read_manifest_bytes
from archiver.verification.checker import Report

NAMESPACE = "archiver"


def default_signature_path(manifest_path: Path) -> Path:
    return manifest_path.with_name(manifest_path.name + ".sig")


def sign_manifest(manifest_path: Path, *, key: Path, out: Path | None = None) -> Path:
    """Write the detached signature of the manifest file's bytes; return where it went."""
    data = read_manifest_bytes(manifest_path)
    try:
        text = sign(data, key, namespace=NAMESPACE)
    except SigningKeyError as err:
        raise InputError(str(err)) from None
    target = out or default_signature_path(manifest_path)
    write_atomically(target, text.encode("ascii"))
    return target


def check_signature(manifest_path: Path, report: Report, *, signature: Path,
                    allowed_signers: Path, identity: str | None = None) -> str | None:
    """The principal who signed the manifest, or None with a `signature-invalid` problem added."""
    data = read_manifest_bytes(manifest_path)
    try:
        text = signature.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{signature}: cannot read signature: {getattr(err, 'strerror', None) or err}") from None
    try:
        read_allowed_signers(allowed_signers)
    except SignatureError as err:
        raise InputError(str(err)) from None
    try:
        return verify(data, text, allowed_signers, identity=identity, namespace=NAMESPACE)
    except SignatureError as err:
        report.add("signature-invalid", str(signature), f"{err}")
        return None
