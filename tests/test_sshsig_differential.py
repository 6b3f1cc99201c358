"""archiver's signature verdicts against the real `ssh-keygen -Y verify`, case by case.

Each case is a message, a signature file, an allowed_signers file, a principal and a namespace;
both verifiers get the same ones at the same time (`-Overify-time`), and must give the same
verdict (and archiver the principal asked for). The cases: every one of the 2026-12 review, and
families generated over every key type (Ed25519, ECDSA P-256/384/521, RSA 1024/2048/3072): the
signature file, its blob, the signature inside it, and the allowed_signers line's grammar.
A property test (`test_random_mutations_agree_with_ssh_keygen`) mutates both files at random;
`ARCHIVER_FUZZ=N` runs N examples of each instead of a few dozen.
"""

from __future__ import annotations

import base64
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sshlib import (
    CERT_MESSAGE,
    KEY_TYPES,
    Fields,
    both_verdicts,
    certified,
    keygen_signature,
    session_key,
    small_rsa_key,
    strings,
    wire,
)

from archiver.formats.sshsig import _signed_data, sign

MESSAGE = b"the manifest's bytes\n\x00\xff"
ME = "alice@example.com"
L = 2**252 + 27742317777372353535851937790883648493
P25519 = 2**255 - 19
ORDERS = {"ecdsa-p256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551}


@dataclass(frozen=True)
class Case:
    signature: bytes
    signers: str | bytes
    identity: str = ME
    message: bytes = MESSAGE
    namespace: str = "archiver"


def line(kind: str = "ed25519", principals: str = ME, options: str = "", comment: str = "") -> str:
    key = session_key(kind)
    return " ".join(part for part in (principals, options, key.type_and_blob, comment) if part)


def good(kind: str = "ed25519") -> bytes:
    return keygen_signature(kind, MESSAGE)


def fields(kind: str = "ed25519") -> Fields:
    return Fields.of(good(kind))


def with_signature(kind: str, raw: bytes, algorithm: bytes | None = None) -> bytes:
    """The good signature of `kind` with its inner signature replaced by `raw`."""
    old = fields(kind)
    name = algorithm if algorithm is not None else strings(old.signature)[0]
    return replace(old, signature=wire(name) + wire(raw)).armored()


def private(kind: str) -> Any:  # a cryptography private key of the kind
    return serialization.load_ssh_private_key(session_key(kind).private.read_bytes(), None)


def rsa_signed(kind: str, hash_type: hashes.HashAlgorithm, label: bytes) -> bytes:
    signed = _signed_data(b"archiver", b"sha512", MESSAGE)
    raw = private(kind).sign(signed, padding.PKCS1v15(), hash_type)
    return with_signature(kind, raw, label)


def ecdsa_numbers(kind: str, change: Callable[[int, int], tuple[bytes, bytes]]) -> bytes:
    algorithm, inner = strings(fields(kind).signature)
    r, s = (int.from_bytes(value, "big") for value in strings(inner))
    new_r, new_s = change(r, s)
    return with_signature(kind, wire(new_r) + wire(new_s), algorithm)


def mp(value: int, extra_zero: bool = False) -> bytes:
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big")
    return b"\0" + raw if extra_zero else raw


def ed25519_raw(change: Callable[[bytes], bytes]) -> bytes:
    algorithm, raw = strings(fields("ed25519").signature)
    return with_signature("ed25519", change(raw), algorithm)


def blob_text(armored: bytes, change: Callable[[str], str]) -> bytes:
    head, *body, foot = armored.decode().strip().split("\n")
    text = change("".join(body))
    return f"{head}\n{text}\n{foot}\n".encode()


def key_blob_line(kind: str, change: Callable[[bytes], bytes], name: str | None = None) -> str:
    key = session_key(kind)
    blob = base64.b64encode(change(key.blob)).decode()
    return f"{ME} {name or key.public_line.split()[0]} {blob}"


def per_key_type(kind: str) -> dict[str, Callable[[], Case]]:
    def ours() -> bytes:
        return sign(MESSAGE, session_key(kind).private).encode()

    other = "ed25519" if kind != "ed25519" else "ecdsa-p256"
    return {
        "good": lambda: Case(good(kind), line(kind)),
        **({"signed by archiver": lambda: Case(ours(), line(kind))} if kind != "dsa" else {}),
        "sha256 hash": lambda: Case(keygen_signature(kind, MESSAGE, hashalg="sha256"), line(kind)),
        "message changed": lambda: Case(good(kind), line(kind), message=MESSAGE + b"!"),
        "signed for git": lambda: Case(keygen_signature(kind, MESSAGE, "git"), line(kind)),
        "checked for git": lambda: Case(keygen_signature(kind, MESSAGE, "git"), line(kind),
                                        namespace="git"),
        "byte after the signature": lambda: Case(
            replace(fields(kind), signature=fields(kind).signature + b"\0").armored(), line(kind)),
        "byte after the blob": lambda: Case(fields(kind).armored(fields(kind).blob() + b"\0"),
                                            line(kind)),
        "blob cut short": lambda: Case(fields(kind).armored(fields(kind).blob()[:-9]), line(kind)),
        "wrong magic": lambda: Case(replace(fields(kind), magic=b"SSHSIH").armored(), line(kind)),
        "hash sha384": lambda: Case(replace(fields(kind), hash_name=b"sha384").armored(),
                                    line(kind)),
        "hash SHA512": lambda: Case(replace(fields(kind), hash_name=b"SHA512").armored(),
                                    line(kind)),
        "another key listed": lambda: Case(good(kind), line(other)),
        "listed for bob": lambda: Case(good(kind), line(kind, "bob@example.com")),
        "key blob with a byte more": lambda: Case(good(kind), key_blob_line(kind, lambda b: b + b"\0")),
    }


CASES: dict[str, Callable[[], Case]] = {
    f"{kind}: {name}": build for kind in KEY_TYPES for name, build in per_key_type(kind).items()
}

CASES.update({
    # RSA: algorithms, lengths, small keys
    "rsa: ssh-rsa (SHA-1) signature": lambda: Case(
        rsa_signed("rsa-2048", hashes.SHA1(), b"ssh-rsa"), line("rsa-2048")),
    "rsa: rsa-sha2-256 signature": lambda: Case(
        rsa_signed("rsa-2048", hashes.SHA256(), b"rsa-sha2-256"), line("rsa-2048")),
    "rsa: rsa-sha2-256 label on a SHA-512 signature": lambda: Case(
        rsa_signed("rsa-2048", hashes.SHA512(), b"rsa-sha2-256"), line("rsa-2048")),
    "rsa: signature one byte longer": lambda: Case(with_signature(
        "rsa-2048", b"\0" + strings(fields("rsa-2048").signature)[1]), line("rsa-2048")),
    "rsa: rsa-sha2-512 as the line's key type": lambda: Case(
        good("rsa-2048"), f"{ME} rsa-sha2-512 {session_key('rsa-2048').public_line.split()[1]}"),
    **{f"rsa: {bits}-bit key": (lambda bits=bits: small_rsa_case(bits)) for bits in (512, 768, 1016)},
    # Ed25519: S and R
    "ed25519: S + L": lambda: Case(ed25519_raw(lambda raw: raw[:32] + (
        int.from_bytes(raw[32:], "little") + L).to_bytes(32, "little")), line()),
    "ed25519: top bit of S set": lambda: Case(ed25519_raw(
        lambda raw: raw[:63] + bytes([raw[63] | 0x80])), line()),
    "ed25519: R changed": lambda: Case(ed25519_raw(lambda raw: bytes([raw[0] ^ 1]) + raw[1:]),
                                       line()),
    "ed25519: 63 bytes": lambda: Case(ed25519_raw(lambda raw: raw[:63]), line()),
    "ed25519: 65 bytes": lambda: Case(ed25519_raw(lambda raw: raw + b"\0"), line()),
    "ed25519: key blob type ED25519": lambda: Case(good(), key_blob_line(
        "ed25519", lambda blob: wire(b"ED25519") + blob[15:])),
    "ed25519: line names ssh-rsa": lambda: Case(good(), key_blob_line(
        "ed25519", lambda blob: blob, "ssh-rsa")),
    # ECDSA: numbers and points
    "ecdsa: high s": lambda: Case(ecdsa_numbers("ecdsa-p256", lambda r, s: (
        mp(r), mp(ORDERS["ecdsa-p256"] - s))), line("ecdsa-p256")),
    "ecdsa: s + n": lambda: Case(ecdsa_numbers("ecdsa-p256", lambda r, s: (
        mp(r), mp(ORDERS["ecdsa-p256"] + s))), line("ecdsa-p256")),
    "ecdsa: leading zero on r": lambda: Case(ecdsa_numbers("ecdsa-p256", lambda r, s: (
        mp(r, extra_zero=True), mp(s))), line("ecdsa-p256")),
    "ecdsa: negative r": lambda: Case(ecdsa_numbers("ecdsa-p256", lambda r, s: (
        b"\x80" + mp(r), mp(s))), line("ecdsa-p256")),
    "ecdsa: r is zero": lambda: Case(ecdsa_numbers("ecdsa-p256", lambda r, s: (b"", mp(s))),
                                     line("ecdsa-p256")),
    "ecdsa: byte after r and s": lambda: Case(ecdsa_numbers("ecdsa-p256", lambda r, s: (
        mp(r), mp(s) + b"\0\0\0\0")), line("ecdsa-p256")),
    "ecdsa: compressed point in the signature": lambda: Case(
        replace(fields("ecdsa-p256"), public_key=compressed("ecdsa-p256")).armored(),
        line("ecdsa-p256")),
    "ecdsa: p384 signature labelled p256": lambda: Case(with_signature(
        "ecdsa-p384", strings(fields("ecdsa-p384").signature)[1], b"ecdsa-sha2-nistp256"),
        line("ecdsa-p384")),
    "ecdsa: s changed": lambda: Case(ecdsa_numbers(
        "ecdsa-p384", lambda r, s: (mp(r), mp(s ^ 1))), line("ecdsa-p384")),
    # DSA: r and s, 20 bytes each
    "dsa: r is zero": lambda: Case(with_signature(
        "dsa", bytes(20) + strings(fields("dsa").signature)[1][20:]), line("dsa")),
    "dsa: s is 2^160 - 1": lambda: Case(with_signature(
        "dsa", strings(fields("dsa").signature)[1][:20] + b"\xff" * 20), line("dsa")),
    "dsa: 41 bytes": lambda: Case(with_signature(
        "dsa", strings(fields("dsa").signature)[1] + b"\0"), line("dsa")),
    # Ed25519 keys at odd points: both verifiers do the same arithmetic
    **{f"ed25519: key and R at {name}": (lambda a=a, r=r: edge_point_case(a, r))
       for name, a, r in [("the neutral point", 1, 1), ("y = p + 1", P25519 + 1, 1),
                          ("the neutral point, sign bit set", 1 | 1 << 255, 1),
                          ("y = 0", 0, 1), ("y = 2^255 - 1", 2**255 - 1, 1),
                          ("R = p + 1", 1, P25519 + 1), ("R sign bit set", 1, 1 | 1 << 255)]},
    # the signature file
    "armor: CRLF": lambda: Case(good().replace(b"\n", b"\r\n"), line()),
    "armor: blank line first": lambda: Case(b"\n" + good(), line()),
    "armor: lines indented": lambda: Case(good().replace(b"\n", b"\n  "), line()),
    "armor: text after the footer": lambda: Case(good() + b"and more\n", line()),
    "armor: no footer": lambda: Case(good().replace(b"-----END SSH SIGNATURE-----", b""),
                                     line()),
    "armor: no newline at the end": lambda: Case(good().rstrip(b"\n"), line()),
    "armor: header in lower case": lambda: Case(good().replace(b"BEGIN SSH", b"begin ssh"),
                                                line()),
    "armor: spaces in the base64": lambda: Case(blob_text(good(), lambda t: " ".join(t)), line()),
    "armor: vertical tab in the base64": lambda: Case(blob_text(
        good(), lambda t: t[:20] + "\v" + t[20:]), line()),
    "armor: base64 padding dropped": lambda: Case(blob_text(good(), lambda t: t.rstrip("=")),
                                                  line()),
    "armor: base64 with a stray character": lambda: Case(blob_text(
        good(), lambda t: t[:30] + "*" + t[30:]), line()),
    "armor: NUL at the end of the base64": lambda: Case(blob_text(good(), lambda t: t + "\0"),
                                                        line()),
    "armor: NUL inside the base64": lambda: Case(blob_text(
        good(), lambda t: t[:30] + "\0" + t[30:]), line()),
    "armor: two footers": lambda: Case(good() + b"-----END SSH SIGNATURE-----\n", line()),
    "armor: empty": lambda: Case(b"", line()),
    "blob: version 0": lambda: Case(replace(fields(), version=0).armored(), line()),
    "blob: version 2": lambda: Case(replace(fields(), version=2).armored(), line()),
    "blob: reserved field used": lambda: Case(replace(fields(), reserved=b"x").armored(), line()),
    "blob: namespace with a NUL at its end": lambda: Case(
        replace(fields(), namespace=b"archiver\0").armored(), line()),
    "blob: namespace with a NUL inside": lambda: Case(
        replace(fields(), namespace=b"arch\0iver").armored(), line()),
    "blob: hash name with a NUL at its end": lambda: Case(
        replace(fields(), hash_name=b"sha512\0").armored(), line()),
    "blob: signature algorithm with a NUL at its end": lambda: Case(with_signature(
        "ed25519", strings(fields().signature)[1], b"ssh-ed25519\0"), line()),
    "blob: empty signature": lambda: Case(replace(fields(), signature=b"").armored(), line()),
})


def edge_point_case(a: int, r: int) -> Case:
    """A "signature" with S = 0 by an Ed25519 key whose point is encoded as `a`."""
    blob = wire(b"ssh-ed25519") + wire(a.to_bytes(32, "little"))
    raw = r.to_bytes(32, "little") + bytes(32)
    signature = Fields(blob, b"archiver", b"", b"sha512", wire(b"ssh-ed25519") + wire(raw))
    return Case(signature.armored(), f"{ME} ssh-ed25519 {base64.b64encode(blob).decode()}")


def small_rsa_case(bits: int) -> Case:
    small = small_rsa_key(bits)
    key = serialization.load_ssh_private_key(small.private.read_bytes(), None)
    raw = key.sign(_signed_data(b"archiver", b"sha512", MESSAGE), padding.PKCS1v15(),
                   hashes.SHA256())
    signature = Fields(small.blob, b"archiver", b"", b"sha512",
                       wire(b"rsa-sha2-256") + wire(raw)).armored()
    return Case(signature, f"{ME} {small.public_line}")


def compressed(kind: str) -> bytes:
    name, curve, point = strings(session_key(kind).blob)
    size = (len(point) - 1) // 2
    return wire(name) + wire(curve) + wire(bytes([2 + point[-1] % 2]) + point[1:1 + size])


BREAKS = ["\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
SPACES = ["\u00a0", "\u2003", "\u3000"]

CASES.update({
    # H1: a second line hidden in bob's comment, and other separators
    **{f"lines: U+{ord(c):04X} in a comment": (lambda c=c: Case(
        sign(MESSAGE, session_key("ed25519", "mallory").private).encode(),
        f"bob@example.org {session_key('ecdsa-p256').type_and_blob} laptop{c}"
        f"{ME} {session_key('ed25519', 'mallory').type_and_blob}")) for c in BREAKS},
    **{f"fields: U+{ord(c):04X} between fields": (lambda c=c: Case(
        good(), line().replace(" ", c))) for c in SPACES},
    "lines: CRLF": lambda: Case(good(), line() + "\r"),
    "lines: tabs between fields": lambda: Case(good(), line().replace(" ", "\t")),
    "lines: several spaces and an indent": lambda: Case(good(), "  " + line().replace(" ", "   ")),
    "lines: comment and blank lines first": lambda: Case(good(), f"# keys\n\n   \n{line()}"),
    "lines: a BOM first": lambda: Case(good(), "\ufeff" + line()),
    "lines: NUL after the key": lambda: Case(good(), line() + "\0 junk"),
    "lines: NUL inside the principal": lambda: Case(good(), "ali\0" + line()),
    "lines: no newline at the end": lambda: Case(good(), line().encode()),
    "lines: a comment after the key": lambda: Case(good(), line(comment='laptop "2024"')),
    "lines: bad base64 line, then a good one": lambda: Case(
        good(), f"{ME} ssh-ed25519 AAAA*\n{line()}"),
    "lines: a key with a non-ASCII character, then a good one": lambda: Case(
        good(), f"{ME} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIé\n{line()}"),
    "lines: the good one listed for bob first": lambda: Case(
        good(), f"{line(principals='bob@example.com')}\n{line()}"),
    "lines: base64 with its padding bits set": lambda: Case(good(), key_text_line(
        lambda text: text[:-1] + chr(ord(text[-1]) + 1))),
    "lines: base64 without padding": lambda: Case(good(), key_text_line(
        lambda text: text.rstrip("="))),
    "lines: only principals": lambda: Case(good(), ME),
    "lines: principals and key type only": lambda: Case(good(), f"{ME} ssh-ed25519"),
    # principals
    "principals: quoted": lambda: Case(good(), line(principals=f'"{ME}"')),
    "principals: quoted list": lambda: Case(good(), line(principals=f'"bob@x,{ME}"')),
    "principals: quoted with a space": lambda: Case(good(), line(principals='"alice smith"'),
                                                    identity="alice smith"),
    "principals: quote in the middle": lambda: Case(good(), line(principals='ali"ce@example.com"')),
    "principals: unmatched quote": lambda: Case(good(), line(principals=f'"{ME}')),
    "principals: CR ends them": lambda: Case(good(), line(principals=ME + "\rbob")),
    "principals: *@example.com": lambda: Case(good(), line(principals="*@example.com")),
    "principals: *": lambda: Case(good(), line(principals="*")),
    "principals: ?lice@example.com": lambda: Case(good(), line(principals="?lice@example.com")),
    "principals: a*e@*.com": lambda: Case(good(), line(principals="a*e@*.com")),
    "principals: alice@example.co?": lambda: Case(good(), line(principals="alice@example.co?")),
    "principals: *,!alice@example.com": lambda: Case(good(), line(principals=f"*,!{ME}")),
    "principals: !bob*,*": lambda: Case(good(), line(principals="!bob*,*")),
    "principals: !*": lambda: Case(good(), line(principals="!*")),
    "principals: bob,alice": lambda: Case(good(), line(principals=f"bob@example.com,{ME}")),
    "principals: empty element": lambda: Case(good(), line(principals=f",,{ME}")),
    "principals: trailing comma": lambda: Case(good(), line(principals=f"{ME},")),
    "principals: other case": lambda: Case(good(), line(principals=ME.upper())),
    "principals: ? against two UTF-8 bytes": lambda: Case(
        good(), line(principals="?@example.com"), identity="é@example.com"),
    "principals: ?? against two UTF-8 bytes": lambda: Case(
        good(), line(principals="??@example.com"), identity="é@example.com"),
    "principals: many stars": lambda: Case(good(), line(principals="*" * 40 + "x"),
                                           identity="a" * 60),
    "principals: a pattern of 1023 bytes": lambda: Case(good(), line(principals="*" * 1023)),
    "principals: a pattern of 1022 bytes": lambda: Case(good(), line(principals="*" * 1022)),
    # options
    **{f"options: {options}": (lambda options=options: Case(good(), line(options=options)))
       for options in [
           'namespaces="archiver"', 'namespaces="git"', 'namespaces="arch*"',
           'namespaces="git,archiver"', 'namespaces="*,!archiver"', 'namespaces=""',
           'Namespaces="archiver"', 'NAMESPACES="archiver"', "namespaces=archiver",
           'namespaces="a",namespaces="archiver"', 'namespaces="arch\\"iver"',
           'namespaces="archiver', "cert-authority", 'cert-authority,namespaces="archiver"',
           "CERT-AUTHORITY", "cert-authority,cert-authority", ',namespaces="archiver"',
           'namespaces="archiver",', "no-touch-required", 'namespaces="archiver" ',
           'valid-after="20200101"', 'valid-after="20270101"', 'valid-before="20991231"',
           'valid-before="20251231"', 'valid-before="20251231235959Z"',
           'valid-before="20260101000000Z"', 'valid-after="20260101000001Z"',
           'valid-after="202001010000"', 'valid-after="2020"', 'valid-after="20201301"',
           'valid-after="20200230"', 'valid-after="20200101UTC"', 'valid-after="20200101z"',
           'valid-after=" 2020101"', 'valid-after="19700101000000Z"',
           'valid-after="20200101",valid-before="20190101"',
           'valid-after="20200101",valid-after="20210101"',
           'namespaces="archiver",valid-after="20200101",valid-before="20991231"',
       ]},
})


def key_text_line(change: Callable[[str], str]) -> str:
    kind, text = session_key("ed25519").public_line.split()[:2]
    return f"{ME} {kind} {change(text)}"


# --- random mutations ------------------------------------------------------------------------

EXAMPLES = int(os.environ.get("ARCHIVER_FUZZ", "40"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize="ARCHIVER_FUZZ" not in os.environ,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ALPHABET = st.sampled_from([" ", "\t", "\r", "\n", "\v", "\f", '"', ",", "=", "!", "*", "?",
                            "#", "\\", "\0", "\x85", "\u2028", "\u00a0", "A", "z", "0", "+", "/",
                            "é", "cert-authority", 'namespaces="', "valid-after=", ME])


def mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    for at, cut, insert in edits:
        at %= len(data) + 1
        data = data[:at] + insert + data[at + cut:]
    return data


EDITS = st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 3), st.binary(max_size=3)),
                 min_size=1, max_size=3)
KINDS = st.sampled_from(["ed25519", "ecdsa-p256", "rsa-2048", "dsa", "ed25519-sk", "ecdsa-sk",
                         "certificate"])


def any_good(kind: str) -> bytes:
    if kind == "certificate":
        return certified("ecdsa-p256", "ed25519")[1]
    return sk_signature(kind) if kind.endswith("-sk") else good(kind)


def any_message(kind: str) -> bytes:
    return CERT_MESSAGE if kind == "certificate" else MESSAGE


def any_line(kind: str, options: str = "") -> str:
    if kind == "certificate":
        return ca_line(options=",".join(["cert-authority", *([options] if options else [])]))
    if not kind.endswith("-sk"):
        return line(kind, options=options)
    principals, rest = sk_line(kind).split(" ", 1)
    return " ".join(part for part in (principals, options, rest) if part)


@SETTINGS
@given(kind=KINDS, edits=EDITS, where=st.sampled_from(["armor", "blob"]))
def test_random_mutations_of_the_signature_agree_with_ssh_keygen(
    kind: str, edits: list[tuple[int, int, bytes]], where: str,
) -> None:
    old = Fields.of(any_good(kind))
    signature = (mutate(any_good(kind), edits) if where == "armor"
                 else old.armored(mutate(old.blob(), edits)))
    verdicts = both_verdicts(any_message(kind), signature, f"{any_line(kind)}\n".encode(), ME)
    assert (verdicts.ours is not None) is verdicts.theirs, verdicts.why


@SETTINGS
@given(kind=KINDS, pieces=st.lists(st.tuples(st.integers(0, 400), ALPHABET), min_size=1,
                                     max_size=4), cut=st.integers(0, 2))
def test_random_mutations_of_the_allowed_signers_line_agree_with_ssh_keygen(
    kind: str, pieces: list[tuple[int, str]], cut: int,
) -> None:
    text = any_line(kind, options='namespaces="archiver"')
    for at, piece in pieces:
        at %= len(text) + 1
        text = text[:at] + piece + text[at + cut:]
    verdicts = both_verdicts(any_message(kind), any_good(kind), f"{text}\n".encode(), ME)
    assert (verdicts.ours is not None) is verdicts.theirs, (text, verdicts.why)


# --- without --identity: the principals ssh-keygen -Y find-principals names -------------------

EXPIRED = 'valid-before="20200101"'
UNNAMED = {
    "one principal": lambda: line(),
    "a list with a pattern": lambda: line(principals=f"{ME},*@archive.example"),
    "quoted": lambda: line(principals=f'"{ME},bob@example.com"'),
    "after a line for another key": lambda: f"{line('ecdsa-p256', 'bob@x')}\n{line()}",
    "after an unreadable line": lambda: f"{ME} ssh-ed25519 AAAA*\n{line()}",
    "expired, then valid": lambda: "\n".join([line(principals="old@x", options=EXPIRED),
                                              line(principals="new@x")]),
    "expired": lambda: line(options=EXPIRED),
    "cert-authority": lambda: line(options="cert-authority"),
    "not listed": lambda: line("ecdsa-p256"),
}


@pytest.mark.parametrize("name", list(UNNAMED))
def test_without_identity_the_principals_are_those_ssh_keygen_finds(name: str) -> None:
    from sshlib import NOW, keygen_principals

    from archiver.formats.ssh_wire import SignatureError
    from archiver.formats.sshsig import verify

    signers = f"{UNNAMED[name]()}\n".encode()
    try:
        ours: str | None = verify(MESSAGE, good(), signers, now=NOW)
    except SignatureError:
        ours = None
    assert ours == keygen_principals(good(), signers)


# --- security keys (sk-), signed here as a token would sign ----------------------------------

SK_NAMES = {"ed25519-sk": b"sk-ssh-ed25519@openssh.com",
            "ecdsa-sk": b"sk-ecdsa-sha2-nistp256@openssh.com"}


@functools.cache
def sk_private(kind: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    if kind == "ed25519-sk":
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1())


def sk_blob(kind: str, application: bytes = b"ssh:", name: bytes | None = None) -> bytes:
    public = sk_private(kind).public_key()
    raw = public.public_bytes(serialization.Encoding.Raw if kind == "ed25519-sk"
                              else serialization.Encoding.X962,
                              serialization.PublicFormat.Raw if kind == "ed25519-sk"
                              else serialization.PublicFormat.UncompressedPoint)
    body = wire(raw) if kind == "ed25519-sk" else wire(b"nistp256") + wire(raw)
    return wire(name or SK_NAMES[kind]) + body + wire(application)


def sk_line(kind: str, application: bytes = b"ssh:", name: bytes | None = None,
            text_name: str | None = None) -> str:
    blob = sk_blob(kind, application, name)
    return f"{ME} {text_name or SK_NAMES[kind].decode()} {base64.b64encode(blob).decode()}"


def sk_signature(kind: str, *, flags: bytes = b"\x01", counter: bytes = b"\0\0\0\x07",
                 message: bytes = MESSAGE, tail: bytes = b"", signed_flags: bytes | None = None,
                 application: bytes = b"ssh:") -> bytes:
    import hashlib

    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    data = _signed_data(b"archiver", b"sha512", message)
    signed = (hashlib.sha256(application).digest() + (signed_flags or flags) + counter
              + hashlib.sha256(data).digest())
    if kind == "ed25519-sk":
        raw = sk_private(kind).sign(signed)
    else:
        r, s = decode_dss_signature(sk_private(kind).sign(signed, ec.ECDSA(hashes.SHA256())))
        raw = wire(mp(r)) + wire(mp(s))
    blob = wire(SK_NAMES[kind]) + wire(raw) + flags + counter + tail
    return Fields(sk_blob(kind), b"archiver", b"", b"sha512", blob).armored()


for _kind in SK_NAMES:
    CASES.update({
        f"{_kind}: good": lambda k=_kind: Case(sk_signature(k), sk_line(k)),
        f"{_kind}: no user presence flag": lambda k=_kind: Case(sk_signature(k, flags=b"\0"),
                                                                sk_line(k)),
        f"{_kind}: message changed": lambda k=_kind: Case(sk_signature(k), sk_line(k),
                                                          message=MESSAGE + b"!"),
        f"{_kind}: flags changed after signing": lambda k=_kind: Case(
            sk_signature(k, flags=b"\x05", signed_flags=b"\x01"), sk_line(k)),
        f"{_kind}: another application listed": lambda k=_kind: Case(
            sk_signature(k), sk_line(k, application=b"ssh:other")),
        f"{_kind}: signed for another application": lambda k=_kind: Case(
            sk_signature(k, application=b"ssh:other"), sk_line(k)),
        f"{_kind}: byte after the counter": lambda k=_kind: Case(sk_signature(k, tail=b"\0"),
                                                                 sk_line(k)),
        f"{_kind}: counter cut short": lambda k=_kind: Case(sk_signature(k, counter=b"\0\0\x07"),
                                                            sk_line(k)),
        f"{_kind}: short name in the blob": lambda k=_kind: Case(
            sk_signature(k), sk_line(k, name=k.upper().encode())),
    })
def webauthn_signature(*, origin: bytes = b"https://example.org", flags: bytes = b"\x01",
                       extensions: bytes = b"", challenge: bytes | None = None,
                       client_tail: bytes = b',"crossOrigin":false}', shorten: int = 0) -> bytes:
    """An sk-ecdsa key's signature as a browser makes it (webauthn): over the hash of
    clientData, whose challenge is the data signed."""
    import hashlib

    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    data = _signed_data(b"archiver", b"sha512", MESSAGE)
    challenge = challenge or base64.urlsafe_b64encode(data).rstrip(b"=")
    client = (b'{"type":"webauthn.get","challenge":"' + challenge + b'","origin":"' + origin
              + b'"' + client_tail)
    client = client[:len(client) - shorten]
    counter = b"\0\0\0\x09"
    signed = (hashlib.sha256(b"ssh:").digest() + flags + counter + extensions
              + hashlib.sha256(client).digest())
    r, s = decode_dss_signature(sk_private("ecdsa-sk").sign(signed, ec.ECDSA(hashes.SHA256())))
    blob = (wire(b"webauthn-sk-ecdsa-sha2-nistp256@openssh.com") + wire(wire(mp(r)) + wire(mp(s)))
            + flags + counter + wire(origin) + wire(client) + wire(extensions))
    return Fields(sk_blob("ecdsa-sk"), b"archiver", b"", b"sha512", blob).armored()


CASES.update({
    "webauthn: good": lambda: Case(webauthn_signature(), sk_line("ecdsa-sk")),
    "webauthn: clientData is only what OpenSSH expects": lambda: Case(
        webauthn_signature(client_tail=b""), sk_line("ecdsa-sk")),
    "webauthn: clientData one byte short": lambda: Case(
        webauthn_signature(client_tail=b"", shorten=1), sk_line("ecdsa-sk")),
    "webauthn: a quote in the origin": lambda: Case(
        webauthn_signature(origin=b'https://exa"mple.org'), sk_line("ecdsa-sk")),
    "webauthn: the AD flag": lambda: Case(webauthn_signature(flags=b"\x41"), sk_line("ecdsa-sk")),
    "webauthn: the ED flag, no extensions": lambda: Case(
        webauthn_signature(flags=b"\x81"), sk_line("ecdsa-sk")),
    "webauthn: extensions, no ED flag": lambda: Case(
        webauthn_signature(extensions=b"\xa0"), sk_line("ecdsa-sk")),
    "webauthn: extensions with the ED flag": lambda: Case(
        webauthn_signature(flags=b"\x81", extensions=b"\xa0"), sk_line("ecdsa-sk")),
    "webauthn: the challenge of another message": lambda: Case(
        webauthn_signature(challenge=b"b3RoZXI"), sk_line("ecdsa-sk")),
    "webauthn: by an Ed25519 security key's name": lambda: Case(
        webauthn_signature(), sk_line("ed25519-sk")),
})


CASES["ecdsa-sk: webauthn name on the line"] = lambda: Case(
    sk_signature("ecdsa-sk"), sk_line("ecdsa-sk", text_name="webauthn-sk-ecdsa-sha2-nistp256@openssh.com"))
CASES["ed25519-sk: listed as a plain Ed25519 key"] = lambda: Case(
    sk_signature("ed25519-sk"), f"{ME} ssh-ed25519 " + base64.b64encode(
        wire(b"ssh-ed25519") + strings(sk_blob("ed25519-sk"))[1]).decode())


# --- certificates, made and used by ssh-keygen ----------------------------------------------


def ca_line(ca_kind: str = "ed25519", principals: str = ME, options: str = "cert-authority") -> str:
    key = session_key(ca_kind, "ca")
    return " ".join(part for part in (principals, options, key.type_and_blob) if part)


def cert_case(signers: str, *, kind: str = "ecdsa-p256", ca_kind: str = "ed25519",
              identity: str = ME, **made: Any) -> Case:
    _, signature = certified(kind, ca_kind, **made)
    return Case(signature, signers, identity=identity, message=CERT_MESSAGE)


def cert_line(principals: str = ME, **made: Any) -> str:
    cert, _ = certified("ecdsa-p256", "ed25519", **made)
    return f"{principals} {cert.decode()}"


CASES.update({
    "cert: cert-authority line for its CA": lambda: cert_case(ca_line()),
    "cert: its CA listed without cert-authority": lambda: cert_case(ca_line(options="")),
    "cert: the certified key listed plainly": lambda: cert_case(line("ecdsa-p256")),
    "cert: the very certificate listed": lambda: cert_case(cert_line()),
    "cert: the very certificate listed as cert-authority": lambda: cert_case(
        cert_line().replace(" ", " cert-authority ", 1)),
    "cert: another CA": lambda: cert_case(ca_line("ecdsa-p384")),
    "cert: principal not in the certificate": lambda: cert_case(
        ca_line(principals="*"), identity="bob@example.com"),
    "cert: line pattern, exact principal in the certificate": lambda: cert_case(
        ca_line(principals="*@example.com")),
    "cert: line for bob only": lambda: cert_case(ca_line(principals="bob@example.com")),
    "cert: certificate lists no principals": lambda: cert_case(ca_line(), principals=None),
    "cert: certificate lists a pattern": lambda: cert_case(ca_line(principals="*"),
                                                          principals="alice*"),
    "cert: certificate lists two": lambda: cert_case(ca_line(),
                                                     principals=f"bob@example.com,{ME}"),
    "cert: expired": lambda: cert_case(ca_line(), validity="20200101:20210101"),
    "cert: not yet valid": lambda: cert_case(ca_line(), validity="20300101:20310101"),
    "cert: valid forever": lambda: cert_case(ca_line(), validity="always:forever"),
    "cert: a host certificate": lambda: cert_case(ca_line(), host=True),
    "cert: with a force-command": lambda: cert_case(ca_line(), options=("force-command=ls",)),
    "cert: with no extensions": lambda: cert_case(ca_line(), options=("clear",)),
    "cert: an RSA CA": lambda: cert_case(ca_line("rsa-2048"), ca_kind="rsa-2048"),
    "cert: an ECDSA P-521 CA": lambda: cert_case(ca_line("ecdsa-p521"), ca_kind="ecdsa-p521"),
    "cert: an RSA key certified": lambda: cert_case(ca_line(), kind="rsa-2048"),
    "cert: an Ed25519 key certified": lambda: cert_case(ca_line(), kind="ed25519"),
    "cert: a DSA key certified": lambda: cert_case(ca_line(), kind="dsa"),
    "cert: a DSA CA": lambda: cert_case(ca_line("dsa"), ca_kind="dsa"),
    "cert: namespaces git on the line": lambda: cert_case(
        ca_line(options='cert-authority,namespaces="git"')),
    "cert: the line expired": lambda: cert_case(
        ca_line(options='cert-authority,valid-before="20200101"')),
    "cert: certificate changed after the CA signed it": lambda: Case(
        retouched_certificate(), ca_line(), message=CERT_MESSAGE),
})


def retouched_certificate() -> bytes:
    _, signature = certified("ecdsa-p256", "ed25519")
    old = Fields.of(signature)
    at = old.public_key.index(ME.encode())
    changed = old.public_key[:at] + b"b" + old.public_key[at + 1:]  # "blice@example.com"
    return replace(old, public_key=changed).armored()


@pytest.mark.parametrize(("line_principals", "cert_principals"), [
    (ME, ME), ("*@example.com", f"bob@example.com,{ME},carol@other.org"),
    ("*", "bob@example.com,carol@other.org"), ("bob@x,,*", ME), ("nobody@x", ME),
])
def test_without_identity_a_certificate_names_the_principals_ssh_keygen_finds(
    line_principals: str, cert_principals: str,
) -> None:
    from sshlib import NOW, keygen_principals

    from archiver.formats.ssh_wire import SignatureError
    from archiver.formats.sshsig import verify

    _, signature = certified("ecdsa-p256", "ed25519", principals=cert_principals)
    signers = f"{ca_line(principals=line_principals)}\n".encode()
    try:
        ours: str | None = verify(CERT_MESSAGE, signature, signers, now=NOW)
    except SignatureError:
        ours = None
    assert ours == keygen_principals(signature, signers)


# --- the table, run ----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CASES))
def test_same_verdict_as_ssh_keygen(name: str) -> None:
    case = CASES[name]()
    signers = case.signers if isinstance(case.signers, bytes) else f"{case.signers}\n".encode()
    verdicts = both_verdicts(case.message, case.signature, signers, case.identity,
                             namespace=case.namespace)
    assert (verdicts.ours is not None) is verdicts.theirs, (
        f"ssh-keygen {'accepts' if verdicts.theirs else 'refuses'}; archiver: "
        f"{verdicts.ours or verdicts.why}")
    assert verdicts.ours in (None, case.identity)


def test_the_table_is_large() -> None:
    assert len(CASES) >= 100
