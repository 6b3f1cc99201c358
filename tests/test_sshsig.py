"""SSH signatures, checked against the real ssh-keygen in both directions.

The differential table (`test_sshsig_differential.py`) compares verdicts case by case; this file
holds the round trips, the messages a user reads, signing keys, and one regression test for each
finding of the 2026-12 review about signatures (H1, M4, L1-L4, I2).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest
from sshlib import (
    KEY_TYPES,
    NOW,
    Fields,
    Key,
    both_verdicts,
    keygen,
    keygen_signature,
    session_key,
    small_rsa_key,
    strings,
    wire,
)

from archiver.base.digests import Hasher, Signed
from archiver.formats import sshsig
from archiver.formats.ssh_keys import parse_public_key
from archiver.formats.ssh_patterns import match_list
from archiver.formats.ssh_wire import SignatureError, string
from archiver.formats.sshsig import BEGIN, END, SigningKeyError, sign, verify

MESSAGE = b'{"manifest": "pretend"}\n\xe4\xb8\xad\x00binary\n'
PRINCIPAL = "alice@example.com"
DETERMINISTIC = {"ed25519", "rsa-3072"}  # their signatures depend only on key and message


def signers_of(*lines: str) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode()


def check(signature: str | bytes, signers: bytes, *, message: bytes = MESSAGE,
          identity: str | None = PRINCIPAL, namespace: str = "archiver") -> str:
    data = signature.encode() if isinstance(signature, str) else signature
    return verify(message, data, signers, identity=identity, namespace=namespace, now=NOW)


@pytest.fixture(params=sorted(set(KEY_TYPES) - {"rsa-1024", "rsa-2048", "dsa"}))
def key(request: pytest.FixtureRequest) -> Key:
    return session_key(request.param)


# --- both directions, every key type ---------------------------------------------------------


def test_ssh_keygen_accepts_our_signature(key: Key) -> None:
    verdicts = both_verdicts(MESSAGE, sign(MESSAGE, key.private).encode(),
                             signers_of(f"{PRINCIPAL} {key.public_line}"), PRINCIPAL)
    assert verdicts.theirs and verdicts.ours == PRINCIPAL


def test_we_accept_ssh_keygen_signature(key: Key) -> None:
    kind = next(name for name in KEY_TYPES if session_key(name) == key)
    signers = signers_of("# team keys", "", f"{PRINCIPAL} {key.public_line}")
    assert check(keygen_signature(kind, MESSAGE), signers) == PRINCIPAL
    assert check(keygen_signature(kind, MESSAGE), signers, identity=None) == PRINCIPAL


@pytest.mark.parametrize("kind", sorted(DETERMINISTIC))
def test_deterministic_signatures_are_byte_identical_to_ssh_keygen(kind: str) -> None:
    assert sign(MESSAGE, session_key(kind).private).encode() == keygen_signature(kind, MESSAGE)


def test_tampered_message_fails_both(key: Key) -> None:
    verdicts = both_verdicts(MESSAGE + b" ", sign(MESSAGE, key.private).encode(),
                             signers_of(f"{PRINCIPAL} {key.public_line}"), PRINCIPAL)
    assert not verdicts.theirs and verdicts.why.startswith("bad signature")


def test_key_not_in_allowed_signers_fails_both(key: Key) -> None:
    stranger = session_key("ed25519", "stranger")
    verdicts = both_verdicts(MESSAGE, sign(MESSAGE, stranger.private).encode(),
                             signers_of(f"{PRINCIPAL} {key.public_line}"), PRINCIPAL)
    assert not verdicts.theirs and "is not in allowed signers" in verdicts.why


def test_wrong_namespace_fails_both(key: Key) -> None:
    signature = sign(MESSAGE, key.private, namespace="git").encode()
    signers = signers_of(f"{PRINCIPAL} {key.public_line}")
    refused = both_verdicts(MESSAGE, signature, signers, PRINCIPAL)
    assert not refused.theirs and "namespace 'git', not 'archiver'" in refused.why
    assert both_verdicts(MESSAGE, signature, signers, PRINCIPAL, namespace="git").theirs


# --- what a user reads -----------------------------------------------------------------------


def test_without_identity_the_principals_field_is_returned(tmp_path: Path) -> None:
    ed25519, other = session_key("ed25519"), session_key("ed25519", "other")
    signers = signers_of(f"bob@example.com {other.public_line}",
                         f"alice@example.com,*@archive.example {ed25519.public_line}")
    signature = sign(MESSAGE, ed25519.private)
    assert check(signature, signers, identity=None) == "alice@example.com,*@archive.example"
    (tmp_path / "s.sig").write_text(signature)
    (tmp_path / "allowed").write_bytes(signers)
    found = keygen("-Y", "find-principals", "-f", tmp_path / "allowed", "-s", tmp_path / "s.sig")
    assert found.stdout.decode().split() == ["alice@example.com", "*@archive.example"]


@pytest.mark.parametrize(("options", "allowed", "reason"), [
    ('valid-after="20200101"', True, ""),
    ('valid-before="20991231Z"', True, ""),
    ('valid-after="20270101"', False, "not valid before 2027-01-01"),
    ('valid-before="20251231235959Z"', False, "not valid after 2025-12-31T23:59:59Z"),
    ('namespaces="archiver",valid-after="20200101",valid-before="20991231"', True, ""),
])
def test_validity_times_are_checked_as_of_now(options: str, allowed: bool, reason: str) -> None:
    ed25519 = session_key("ed25519")
    verdicts = both_verdicts(MESSAGE, sign(MESSAGE, ed25519.private).encode(),
                             signers_of(f"{PRINCIPAL} {options} {ed25519.public_line}"), PRINCIPAL)
    assert verdicts.theirs is allowed and (verdicts.ours == PRINCIPAL) is allowed
    assert reason in verdicts.why


def test_armor_is_wrapped_at_70_columns() -> None:
    lines = sign(MESSAGE * 50, session_key("ed25519").private).splitlines()
    assert (lines[0], lines[-1]) == (BEGIN, END)
    assert all(len(line) == 70 for line in lines[1:-2]) and 0 < len(lines[-2]) <= 70


def test_sha256_signatures_from_ssh_keygen_are_accepted() -> None:
    signers = signers_of(f"{PRINCIPAL} {session_key('ed25519').public_line}")
    assert check(keygen_signature("ed25519", MESSAGE, hashalg="sha256"), signers) == PRINCIPAL


@pytest.mark.parametrize("hashalg", ["sha256", "sha512"])
def test_a_message_given_by_its_digests_verifies_as_its_bytes(hashalg: str) -> None:
    """verify checks a manifest read as a stream by the digests made as it was read: ssh-keygen's
    signature of either hash, over those digests, gets the verdict it gets over the bytes."""
    signers = signers_of(f"{PRINCIPAL} {session_key('ed25519').public_line}")
    signature = keygen_signature("ed25519", MESSAGE, hashalg=hashalg)
    hasher = Hasher(sha512=True)
    for at in range(0, len(MESSAGE), 5):  # in blocks, as the stream reads it
        hasher.update(MESSAGE[at:at + 5])
    digests = hasher.signed()
    assert digests is not None
    assert verify(digests, signature, signers, identity=PRINCIPAL, now=NOW) == PRINCIPAL
    assert digests == Signed(hashlib.sha256(MESSAGE).digest(), hashlib.sha512(MESSAGE).digest())
    other = Hasher(sha512=True)
    other.update(MESSAGE + b"!")
    with pytest.raises(SignatureError, match="bad signature"):
        verify(other.signed(), signature, signers, identity=PRINCIPAL, now=NOW)


def test_fingerprint_matches_ssh_keygen() -> None:
    key = session_key("ed25519")
    listed = keygen("-l", "-E", "sha256", "-f", key.private.with_suffix(".pub")).stdout.decode()
    assert listed.split()[1] == parse_public_key(key.blob).fingerprint()


def test_passphrase_protected_key_is_refused_clearly(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    assert keygen("-t", "ed25519", "-q", "-N", "correct horse", "-f", locked).returncode == 0
    with pytest.raises(SigningKeyError, match="^key is passphrase-protected: .*locked"):
        sign(MESSAGE, locked)


def test_dsa_keys_are_checked_but_never_signed_with() -> None:
    with pytest.raises(SigningKeyError, match="^DSA key: .* makes none"):
        sign(MESSAGE, session_key("dsa").private)
    signers = signers_of(f"{PRINCIPAL} {session_key('dsa').public_line}")
    assert check(keygen_signature("dsa", MESSAGE), signers) == PRINCIPAL


def test_unreadable_or_foreign_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="cannot read signing key"):
        sign(MESSAGE, tmp_path / "absent")
    junk = tmp_path / "junk"
    junk.write_text("not a key\n")
    junk.chmod(0o600)
    with pytest.raises(SigningKeyError, match="not an OpenSSH private key"):
        sign(MESSAGE, junk)


# --- regression tests, one for each finding of the 2026-12 review about signatures ------------

BREAKS = ["\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
SPACES = ["\u00a0", "\u2003", "\u3000"]


@pytest.mark.parametrize("separator", BREAKS, ids=[f"U+{ord(c):04X}" for c in BREAKS])
def test_h1_a_line_break_in_a_key_comment_hides_no_second_signer(separator: str) -> None:
    """H1: what str.splitlines takes for a line break is, to ssh-keygen, part of bob's comment,
    so mallory (listed as bob's "comment") cannot sign as alice."""
    bob, mallory = session_key("ecdsa-p256", "bob"), session_key("ed25519", "mallory")
    line = (f"bob@example.org {bob.type_and_blob} laptop{separator}"
            f"alice@example.org {mallory.type_and_blob}")
    verdicts = both_verdicts(MESSAGE, sign(MESSAGE, mallory.private).encode(),
                             signers_of(line), "alice@example.org")
    assert (verdicts.ours, verdicts.theirs) == (None, False)
    assert "is not in allowed signers" in verdicts.why


@pytest.mark.parametrize("space", SPACES, ids=[f"U+{ord(c):04X}" for c in SPACES])
def test_h1_unicode_spaces_do_not_separate_fields(space: str) -> None:
    """H1: only space and tab separate the fields of a line; NBSP or EM SPACE leave one token."""
    key = session_key("ed25519")
    line = f"{PRINCIPAL}{space}{key.type_and_blob}".replace(" ", space)
    verdicts = both_verdicts(MESSAGE, sign(MESSAGE, key.private).encode(), signers_of(line),
                             PRINCIPAL)
    assert (verdicts.ours, verdicts.theirs) == (None, False)


@pytest.mark.parametrize("bits", [512, 768, 1016])
def test_m4_rsa_keys_under_1024_bits_are_refused_when_signing_and_verifying(bits: int) -> None:
    """M4: OpenSSH's floor. A signature made anyway (rsa-sha2-256 fits a 512-bit modulus) is
    refused by both verifiers, and `sign` refuses the key."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    small = small_rsa_key(bits)
    with pytest.raises(SigningKeyError, match=f"RSA key of {bits} bits: OpenSSH refuses"):
        sign(MESSAGE, small.private)
    private = serialization.load_ssh_private_key(small.private.read_bytes(), password=None)
    signed = sshsig._signed_data(b"archiver", b"sha512", MESSAGE)
    raw = private.sign(signed, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr]
    fields = Fields(small.blob, b"archiver", b"", b"sha512", string(b"rsa-sha2-256") + string(raw))
    verdicts = both_verdicts(MESSAGE, fields.armored(), signers_of(f"{PRINCIPAL} {small.public_line}"),
                             PRINCIPAL)
    assert (verdicts.ours, verdicts.theirs) == (None, False)
    assert f"RSA key of {bits} bits" in verdicts.why


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa-p256", "rsa-2048"])
def test_l1_bytes_after_the_signature_blob_are_refused(kind: str) -> None:
    """L1: a signature blob with a byte after its fields is a new, malleated .sig file."""
    good = Fields.of(keygen_signature(kind, MESSAGE))
    padded = replace(good, signature=good.signature + b"\0")
    verdicts = both_verdicts(MESSAGE, padded.armored(),
                             signers_of(f"{PRINCIPAL} {session_key(kind).public_line}"), PRINCIPAL)
    assert (verdicts.ours, verdicts.theirs) == (None, False)
    assert "unexpected bytes after its end" in verdicts.why


def test_l1_bytes_after_ecdsa_r_and_s_are_refused() -> None:
    good = Fields.of(keygen_signature("ecdsa-p384", MESSAGE))
    algorithm, numbers = strings(good.signature)
    padded = replace(good, signature=wire(algorithm) + wire(numbers + b"\0"))
    verdicts = both_verdicts(MESSAGE, padded.armored(),
                             signers_of(f"{PRINCIPAL} {session_key('ecdsa-p384').public_line}"),
                             PRINCIPAL)
    assert (verdicts.ours, verdicts.theirs) == (None, False)


def test_l2_crafted_signatures_get_a_verdict_not_a_traceback() -> None:
    """L2: a negative ECDSA r, a compressed point as the signer's key, a non-ASCII key field."""
    key = session_key("ecdsa-p256")
    signers = signers_of(f"{PRINCIPAL} {key.public_line}")
    good = Fields.of(keygen_signature("ecdsa-p256", MESSAGE))
    algorithm, numbers = strings(good.signature)
    r, s = strings(numbers)
    negative = replace(good, signature=wire(algorithm) + wire(wire(b"\x80" + r) + wire(s)))
    name, curve, point = strings(good.public_key)
    prefix = bytes([2 + point[-1] % 2])
    compressed = replace(good, public_key=wire(name) + wire(curve) + wire(prefix + point[1:33]))
    for crafted in (negative.armored(), compressed.armored()):
        verdicts = both_verdicts(MESSAGE, crafted, signers, PRINCIPAL)
        assert (verdicts.ours, verdicts.theirs) == (None, False)
        assert verdicts.why.startswith("malformed")
    accented = signers_of(f"{PRINCIPAL} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIé",
                          f"{PRINCIPAL} {key.public_line}")
    assert both_verdicts(MESSAGE, good.armored(), accented, PRINCIPAL).ours == PRINCIPAL


def test_l2_a_device_or_fifo_is_refused_in_one_line(tmp_path: Path) -> None:
    """L2: --signature /dev/zero would never end and an allowed_signers FIFO would hang."""
    from conftest import REPO, run

    manifest = REPO / "manifests" / "cac-voice-social-2021.manifest.json"
    signers = tmp_path / "allowed_signers"
    signers.write_bytes(signers_of(f"{PRINCIPAL} {session_key('ed25519').public_line}"))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for signature, allowed, what in [("/dev/zero", signers, "signature"),
                                     (tmp_path / "absent.sig", signers, "signature"),
                                     (signers, fifo, "allowed signers")]:
        result = run("verify", manifest, "--fast", "--signature", signature,
                     "--allowed-signers", allowed)
        assert result.returncode == 2, result.stderr
        assert f"cannot read {what}" in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


L3_CASES = {  # each verdict the review found to differ from ssh-keygen's
    "armor after a blank line": lambda s, k: (b"\n" + s, k),
    "armor lines indented": lambda s, k: (s.replace(b"\n", b"\n  ", 1), k),
    "text after the footer": lambda s, k: (s + b"trailing words\n", k),
    "unmatched quote opens the principals": lambda s, k: (s, f'"{PRINCIPAL} {k}'),
    "version 0": lambda s, k: (replace(Fields.of(s), version=0).armored(), f"{PRINCIPAL} {k}"),
    "bad base64 on another line": lambda s, k: (s, f"{PRINCIPAL} ssh-ed25519 AAA*\n{PRINCIPAL} {k}"),
    "unknown option on another line": lambda s, k: (
        s, f"{PRINCIPAL} no-touch-required {k}\n{PRINCIPAL} {k}"),
    "Namespaces in capitals": lambda s, k: (s, f'{PRINCIPAL} Namespaces="archiver" {k}'),
    "valid-before in the future": lambda s, k: (s, f'{PRINCIPAL} valid-before="20991231" {k}'),
}


@pytest.mark.parametrize("case", sorted(L3_CASES))
def test_l3_verdicts_the_review_found_different_now_agree(case: str) -> None:
    key = session_key("ed25519")
    signature, line = L3_CASES[case](keygen_signature("ed25519", MESSAGE), key.public_line)
    if not line.startswith(('"', PRINCIPAL)):
        line = f"{PRINCIPAL} {line}"
    verdicts = both_verdicts(MESSAGE, signature, signers_of(line), PRINCIPAL)
    assert (verdicts.ours is not None) is verdicts.theirs, verdicts.why


@pytest.mark.parametrize(("pattern", "identity"), [
    ("?@example.org", "é@example.org"), ("??@example.org", "é@example.org"),
    ("\u00e9*", "é@example.org"), ("*\xa9@example.org", "é@example.org"),
])
def test_l3_patterns_match_bytes_as_openssh_does(pattern: str, identity: str) -> None:
    key = session_key("ed25519")
    verdicts = both_verdicts(MESSAGE, keygen_signature("ed25519", MESSAGE),
                             signers_of(f"{pattern} {key.public_line}"), identity)
    assert (verdicts.ours == identity) is verdicts.theirs


def test_l3_ed25519_s_plus_l_is_accepted_as_openssh_accepts_it() -> None:
    good = Fields.of(keygen_signature("ed25519", MESSAGE))
    algorithm, raw = strings(good.signature)
    order = 2**252 + 27742317777372353535851937790883648493
    s = int.from_bytes(raw[32:], "little") + order
    bumped = replace(good, signature=wire(algorithm) + wire(raw[:32] + s.to_bytes(32, "little")))
    verdicts = both_verdicts(MESSAGE, bumped.armored(),
                             signers_of(f"{PRINCIPAL} {session_key('ed25519').public_line}"),
                             PRINCIPAL)
    assert (verdicts.ours, verdicts.theirs) == (PRINCIPAL, True)


def test_l3_rsa_signature_without_its_leading_zero_is_accepted() -> None:
    """OpenSSH pads a signature shorter than the modulus; found by signing until one starts
    with a zero byte (about one signature in 256)."""
    key = session_key("rsa-2048")
    signers = signers_of(f"{PRINCIPAL} {key.public_line}")
    for attempt in range(4000):
        message = MESSAGE + str(attempt).encode()
        good = Fields.of(sign(message, key.private).encode())
        algorithm, raw = strings(good.signature)
        if raw[0] == 0:
            break
    else:
        pytest.fail("no RSA signature starting with a zero byte in 4,000 tries")
    short = replace(good, signature=wire(algorithm) + wire(raw[1:]))
    verdicts = both_verdicts(message, short.armored(), signers, PRINCIPAL)
    assert (verdicts.ours, verdicts.theirs) == (PRINCIPAL, True)


def test_l4_many_stars_match_in_linear_time() -> None:
    """L4: 14 stars took the old matcher over a minute; 40 stars and 3,000 bytes take this one
    a few milliseconds (run in a child, so a regression fails at the bound, not never)."""
    import subprocess
    import sys

    code = ("from archiver.formats.ssh_patterns import match_list\n"
            "assert not match_list(b'a' * 3000, b'*' * 40 + b'x' + b',' + b'*a' * 400 + b'x')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert match_list(b"alice@example.org", b"*" * 40 + b"@example.org")


def test_i2_a_private_key_others_can_read_is_refused_like_ssh_keygen(tmp_path: Path) -> None:
    open_key = tmp_path / "open"
    assert keygen("-t", "ed25519", "-q", "-N", "", "-f", open_key).returncode == 0
    open_key.chmod(0o644)
    with pytest.raises(SigningKeyError, match="unprotected private key: .* permissions 0644"):
        sign(MESSAGE, open_key)
    message = tmp_path / "m"
    message.write_bytes(MESSAGE)
    assert keygen("-Y", "sign", "-f", open_key, "-n", "archiver", message).returncode != 0


def test_time_is_the_callers_and_checked_as_given() -> None:
    key = session_key("ed25519")
    signers = signers_of(f'{PRINCIPAL} valid-before="20260101" {key.public_line}')
    signature = keygen_signature("ed25519", MESSAGE)
    midnight = int(time.mktime((2026, 1, 1, 0, 0, 0, 0, 0, 0)))
    assert verify(MESSAGE, signature, signers, identity=PRINCIPAL, now=midnight) == PRINCIPAL
    with pytest.raises(SignatureError, match="not valid after"):
        verify(MESSAGE, signature, signers, identity=PRINCIPAL, now=midnight + 1)


SWAP_AT_FORK = '''
import json, os, shutil, sys, time
from pathlib import Path
import archiver
import archiver.verification.checker as checker
from archiver.verification.signature import SignatureCheck

manifest, signed, signature, signers = map(Path, sys.argv[1:5])
swapped = []

def swap():  # in this process, as the first WARC worker is forked: mid-verification
    if not swapped:
        swapped.append(True)
        os.replace(signed, manifest)

os.register_at_fork(before=swap)
checker.worth_workers = lambda plan: True  # the pool even for one chunk (L14)
report = archiver.verify(manifest, jobs=2, signature=SignatureCheck(signature, signers, now=int(time.time())))
assert swapped, "no worker was forked"
print(json.dumps(report.to_json()))
'''


def test_m1_the_signature_is_checked_over_the_bytes_that_are_verified(tmp_path: Path) -> None:
    """M1: the manifest verified is swapped for the signed one while the WARC is checked (as a
    worker is forked). The old second read found the signed bytes and said "good signature" for
    a manifest it had not verified; the one read now gives signature-invalid."""
    import json
    import subprocess
    import sys

    from conftest import REPO

    name = "cac-voice-social-2021"
    for path in (REPO / "manifests").glob(f"{name}.[mw]*"):  # not its events log
        (tmp_path / path.name).write_bytes(path.read_bytes())
    manifest = tmp_path / f"{name}.manifest.json"
    key = session_key("ed25519")
    signature = tmp_path / "m.sig"
    signature.write_text(sign(manifest.read_bytes(), key.private))
    signers = tmp_path / "allowed_signers"
    signers.write_bytes(signers_of(f"{PRINCIPAL} {key.public_line}"))
    signed = tmp_path / "signed.json"
    signed.write_bytes(original := manifest.read_bytes())
    unsigned = json.dumps(json.loads(manifest.read_bytes()), indent=1).encode()  # same document
    manifest.write_bytes(unsigned)
    sidecar = tmp_path / f"{manifest.name}.sha256"
    sidecar.write_text(f"{hashlib.sha256(unsigned).hexdigest()}  {manifest.name}\n")
    result = subprocess.run([sys.executable, "-c", SWAP_AT_FORK, manifest, signed, signature,
                             signers], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert manifest.read_bytes() == original  # swapped while it was being verified
    codes = {problem["code"] for problem in report["problems"]}
    assert codes == {"signature-invalid"}, report["problems"]  # the unsigned bytes verify
    assert report["signature"] == {"path": str(signature), "ok": False, "signer": None}


SWAP_EARLIER_AT_FORK = '''
import json, os, sys
from pathlib import Path
import archiver

import archiver.verification.checker as checker

newest, earlier, replacement = map(Path, sys.argv[1:4])
swapped = []

def swap():  # as the first worker for the newest batch's WARC is forked
    if not swapped:
        swapped.append(True)
        os.replace(replacement, earlier)
        os.replace(f"{replacement}.sha256", f"{earlier}.sha256")

os.register_at_fork(before=swap)
checker.worth_workers = lambda plan: True  # the pool even for one chunk (L14)
report = archiver.verify(newest, jobs=2)
assert swapped, "no worker was forked"
print(json.dumps(report.to_json()))
'''


def test_m1_an_earlier_link_swapped_mid_verify_breaks_the_chain(tmp_path: Path) -> None:
    """M1, earlier links: the chain pins an earlier manifest by the sha256 of the bytes read
    first; swapped afterwards for other bytes (the same document, its sidecar redone), the old
    second read checked the WARC against the new bytes and said OK."""
    import json
    import subprocess
    import sys

    from conftest import DATE, make_seeds, pack, run

    out = tmp_path / "out"
    first = pack(make_seeds(tmp_path / "one", {"old.txt": b"archived in batch one\n"}), out)
    second_seeds = make_seeds(tmp_path / "two", {"new.txt": b"new in batch two\n",
                                                 "again.txt": b"archived in batch one\n"},
                              fields="- batch: batch-two\n")
    result = run("pack", second_seeds, "--out", out, "--date", DATE, "--quiet",
                 "--previous", first)
    assert result.returncode == 0, result.stderr
    newest = out / "batch-two.manifest.json"
    assert run("verify", newest).returncode == 0
    replacement = tmp_path / "replacement.json"
    reformatted = json.dumps(json.loads(first.read_bytes()), indent=1).encode()
    replacement.write_bytes(reformatted)
    digest = hashlib.sha256(replacement.read_bytes()).hexdigest()
    Path(f"{replacement}.sha256").write_text(f"{digest}  {first.name}\n")
    result = subprocess.run([sys.executable, "-c", SWAP_EARLIER_AT_FORK, newest, first,
                             replacement], capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert first.read_bytes() == reformatted  # swapped while the newest batch was checked
    problems = {problem["code"]: problem for problem in json.loads(result.stdout)["problems"]}
    assert set(problems) == {"chain-broken", "revisit-unresolved"}, problems
    assert "changed while being verified" in problems["chain-broken"]["message"]
    assert problems["revisit-unresolved"]["seed"] == "again.txt"  # it revisits batch one


def test_a_principal_that_is_not_utf8_is_matched_as_its_bytes(tmp_path: Path) -> None:
    """The command line can pass any bytes as --identity; they are matched as ssh-keygen
    matches them, and said back escaped, never a traceback."""
    import subprocess
    import sys

    from conftest import REPO

    manifest = tmp_path / "m.json"
    manifest.write_bytes((REPO / "manifests" / "cac-voice-social-2021.manifest.json").read_bytes())
    key = session_key("ed25519")
    signature = tmp_path / "m.sig"
    signature.write_text(sign(manifest.read_bytes(), key.private))
    signers = tmp_path / "allowed_signers"
    signers.write_bytes(signers_of(f"?@example.com {key.public_line}"))
    identity = b"\xff@example.com"
    result = subprocess.run([sys.executable, "-m", "archiver", "verify", manifest, "--fast",
                             "--signature", signature, "--allowed-signers", signers,
                             b"--identity", identity], capture_output=True, timeout=120,
                            check=False, env={**os.environ, "PYTHONWARNINGS": "error"})
    assert b"Traceback" not in result.stderr
    assert b"good signature by \\xff@example.com" in result.stdout
    keygen_result = keygen("-Y", "verify", "-f", signers, "-I", identity.decode(
        "utf-8", "surrogateescape"), "-n", "archiver", "-s", signature,
        stdin=manifest.read_bytes())
    assert keygen_result.returncode == 0
