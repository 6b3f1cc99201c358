"""Sign a manifest's exact bytes with an SSH key.

The signature is a detached SSHSIG in namespace "archiver", so anyone can check it without
archiver: `ssh-keygen -Y verify -f allowed_signers -I PRINCIPAL -n archiver -s MANIFEST.sig
< MANIFEST`; `verify --signature` checks it over the bytes it verifies
(`verification/signature.py`).
"""

from __future__ import annotations

from pathlib import Path

from archiver.base.atomic import write_atomically
from archiver.errors import InputError
from archiver.formats.sshsig import SigningKeyError, sign
from archiver.manifest.files import read_manifest_bytes
from archiver.verification.signature import NAMESPACE


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
