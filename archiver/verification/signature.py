"""A manifest's SSH signature, checked over the very bytes of the manifest that are verified.

The signature and allowed-signers files are read first (bounded, regular files only: a FIFO
would hang and /dev/zero never end), so unusable input stops verification before it starts
(InputError, exit 2). The verdict is `ssh-keygen -Y verify`'s (see `formats/sshsig.py`); a
signature that does not check out is a `signature-invalid` problem, and the report says who
signed (`Report.signature`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archiver.base.digests import Signed
from archiver.base.regular import TooLarge, read_regular
from archiver.errors import InputError
from archiver.verification.report import Report

NAMESPACE = "archiver"
MAX_SIGNATURE = 1 << 20  # an SSHSIG of the largest RSA key OpenSSH reads is under 6 KB
MAX_ALLOWED_SIGNERS = 4 << 20  # some 5,000 RSA-4096 lines, 40,000 Ed25519 ones


@dataclass(frozen=True)
class SignatureCheck:
    """Check this detached signature of the manifest against these allowed signers.

    `now` (seconds since the epoch) is the time `valid-after`/`valid-before` are checked at;
    with `identity`, that principal must have signed."""

    signature: Path
    allowed_signers: Path
    now: int
    identity: str | None = None


def signature_checker(check: SignatureCheck) -> Callable[[bytes | Signed, Report], None]:
    """Read both files now; the function returned checks the signature over manifest bytes (or
    their digests, made as a manifest read as a stream is hashed)."""
    # Imported only for a signature: the SSH formats load `cryptography`, a tenth of a second.
    from archiver.formats.sshsig import SignatureError, verify

    signature = _read(check.signature, "signature", MAX_SIGNATURE)
    signers = _read(check.allowed_signers, "allowed signers", MAX_ALLOWED_SIGNERS)

    def checked(data: bytes | Signed, report: Report) -> None:
        try:
            signer: str | None = verify(data, signature, signers, now=check.now,
                                        identity=check.identity, namespace=NAMESPACE)
        except SignatureError as err:
            report.add("signature-invalid", str(check.signature), str(err))
            signer = None
        report.signature = {"path": str(check.signature), "ok": signer is not None,
                            "signer": signer}

    return checked


def _read(path: Path, what: str, limit: int) -> bytes:
    try:
        return read_regular(path, limit=limit)
    except OSError as err:
        raise InputError(f"{path}: cannot read {what}: {err.strerror or err}") from None
    except TooLarge as err:
        raise InputError(f"{path}: cannot read {what}: {err}") from None
