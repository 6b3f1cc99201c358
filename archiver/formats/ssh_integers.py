"""RSA and DSA signatures checked in plain integers, exactly as OpenSSL checks them.

cryptography refuses some keys OpenSSH reads (an even RSA exponent, DSA parameters of unusual
sizes) and OpenSSH pads a short RSA signature that cryptography would refuse, so these two are
checked here with Python's integers: the same arithmetic and the same refusals as
`rsa_ossl_public_decrypt` with PKCS #1 v1.5 padding and `dsa_do_verify`.
"""

from __future__ import annotations

import hashlib

_DIGEST_INFO = {  # PKCS #1 DigestInfo prefixes (RFC 8017, 9.2 note 1)
    b"ssh-rsa": ("sha1", bytes.fromhex("3021300906052b0e03021a05000414")),  # a CA's, on a cert
    b"rsa-sha2-256": ("sha256", bytes.fromhex("3031300d060960864801650304020105000420")),
    b"rsa-sha2-512": ("sha512", bytes.fromhex("3051300d060960864801650304020305000440")),
}


def rsa_check(e: int, n: int, algorithm: bytes, raw: bytes, data: bytes) -> bool:
    """RSASSA-PKCS1-v1_5 by the key (e, n), `algorithm` naming the hash, as OpenSSH's
    ssh_rsa_verify and OpenSSL's rsa_ossl_public_decrypt check it."""
    size = (n.bit_length() + 7) // 8
    if algorithm not in _DIGEST_INFO or len(raw) > size:
        return False
    if n % 2 == 0 or e >= n or (n.bit_length() > 3072 and e.bit_length() > 64):
        return False  # OpenSSL's rsa_ossl_public_decrypt refuses such a key
    value = int.from_bytes(raw, "big")  # a short signature is padded with zeros in front
    if value >= n:
        return False
    hash_name, prefix = _DIGEST_INFO[algorithm]
    wanted = prefix + hashlib.new(hash_name, data).digest()
    padding = size - 3 - len(wanted)
    if padding < 8:
        return False
    return pow(value, e, n).to_bytes(size, "big") == b"\0\1" + b"\xff" * padding + b"\0" + wanted


def dsa_check(key: tuple[int, int, int, int], raw: bytes, data: bytes) -> bool:
    """DSA over SHA-1 by the key (p, q, g, y), as OpenSSH's ssh_dss_verify (r and s of 20 bytes
    each) and OpenSSL's dsa_do_verify check it."""
    p, q, g, y = key
    if len(raw) != 40 or q.bit_length() not in (160, 224, 256) or p.bit_length() > 10000:
        return False
    r, s = int.from_bytes(raw[:20], "big"), int.from_bytes(raw[20:], "big")
    if not (0 < r < q and 0 < s < q) or p % 2 == 0:
        return False
    try:
        w = pow(s, -1, q)
    except ValueError:  # no inverse: OpenSSL fails too
        return False
    digest = int.from_bytes(hashlib.sha1(data).digest(), "big")
    return pow(g, digest * w % q, p) * pow(y, r * w % q, p) % p % q == r
