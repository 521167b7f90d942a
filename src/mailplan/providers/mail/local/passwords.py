"""Initial passwords and the hashes Dovecot verifies.

``SHA512-CRYPT`` is the glibc ``$6$`` scheme (Drepper's SHA-crypt), computed by
the system's libxcrypt (``libcrypt.py``) and, where there is none, by the Python
code below (the ``crypt`` module is deprecated and gone in Python 3.13).
``SSHA512`` is a salted SHA-512, ``base64(sha512(password + salt) + salt)``.
Both are stored with Dovecot's ``{SCHEME}`` prefix so a Dovecot ``passdb sql``
reads them without a ``default_pass_scheme``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import string
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from mailplan.providers.mail.local import libcrypt

Scheme = Literal["SHA512-CRYPT", "SSHA512"]
SCHEMES: tuple[Scheme, ...] = ("SHA512-CRYPT", "SSHA512")

_CRYPT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_DEFAULT_ROUNDS = 5000
# The order in which SHA-crypt spreads the 64 digest bytes over its base-64 output.
_SHA512_PERMUTATION = (
    (0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4), (47, 5, 26), (6, 27, 48),
    (28, 49, 7), (50, 8, 29), (9, 30, 51), (31, 52, 10), (53, 11, 32), (12, 33, 54), (34, 55, 13),
    (56, 14, 35), (15, 36, 57), (37, 58, 16), (59, 17, 38), (18, 39, 60), (40, 61, 19), (62, 20, 41),
)  # fmt: skip

# Letters and digits only: an initial password is read off a file and typed by a person.
_PASSWORD_ALPHABET = string.ascii_letters + string.digits
MIN_GENERATED_LENGTH = 16


def generate_password(min_length: int = MIN_GENERATED_LENGTH) -> str:
    """A random password at least ``min_length`` long with upper, lower case and digits."""
    length = max(min_length, MIN_GENERATED_LENGTH)
    while True:
        password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
        if (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
        ):
            return password


def hash_password(password: str, scheme: Scheme) -> str:
    """``{SCHEME}hash`` for Dovecot."""
    if scheme == "SHA512-CRYPT":
        salt = "".join(secrets.choice(_CRYPT_ALPHABET) for _ in range(16))
        return "{SHA512-CRYPT}" + sha512_crypt(password, salt)
    if scheme == "SSHA512":
        salt_bytes = secrets.token_bytes(16)
        digest = hashlib.sha512(password.encode() + salt_bytes).digest()
        return "{SSHA512}" + base64.b64encode(digest + salt_bytes).decode("ascii")
    raise ValueError(f"unknown password scheme {scheme!r}; known: {', '.join(SCHEMES)}")


def hash_passwords(passwords: Sequence[str], scheme: Scheme) -> list[str]:
    """``hash_password`` of each, on every core where the C library does the work (it releases the GIL)."""
    if len(passwords) < 2 or scheme != "SHA512-CRYPT" or not libcrypt.available():
        return [hash_password(p, scheme) for p in passwords]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(hash_password, passwords, [scheme] * len(passwords)))


def verify_password(password: str, stored: str) -> bool:
    """True when ``stored`` (``{SCHEME}hash``) is the hash of ``password``."""
    scheme, _, hashed = stored.partition("}")
    scheme = scheme.lstrip("{").upper()
    if scheme == "SHA512-CRYPT":
        parts = hashed.split("$")
        if len(parts) < 4 or parts[1] != "6":
            return False
        rounds = _DEFAULT_ROUNDS
        salt = parts[2]
        if salt.startswith("rounds="):
            rounds = int(salt.removeprefix("rounds="))
            salt = parts[3]
        return hmac.compare_digest(sha512_crypt(password, salt, rounds), hashed)
    if scheme == "SSHA512":
        raw = base64.b64decode(hashed)
        digest, salt_bytes = raw[:64], raw[64:]
        return hmac.compare_digest(hashlib.sha512(password.encode() + salt_bytes).digest(), digest)
    return False


def sha512_crypt(password: str, salt: str, rounds: int = _DEFAULT_ROUNDS) -> str:
    """The ``$6$salt$hash`` string glibc's crypt(3) gives for ``password``."""
    setting = "$6$" + (salt if rounds == _DEFAULT_ROUNDS else f"rounds={rounds}${salt}")
    return libcrypt.crypt(password, setting) or python_sha512_crypt(password, salt, rounds)


def python_sha512_crypt(password: str, salt: str, rounds: int = _DEFAULT_ROUNDS) -> str:
    """SHA-crypt in Python, for systems without libxcrypt."""
    pw = password.encode()
    salt_bytes = salt.encode()[:16]
    rounds = min(max(rounds, 1000), 999_999_999)

    alternate = hashlib.sha512(pw + salt_bytes + pw).digest()
    intermediate = hashlib.sha512(pw + salt_bytes)
    intermediate.update(_repeat(alternate, len(pw)))
    n = len(pw)
    while n:
        intermediate.update(alternate if n & 1 else pw)
        n >>= 1
    digest = intermediate.digest()

    p_bytes = _repeat(hashlib.sha512(pw * len(pw)).digest(), len(pw))
    s_bytes = _repeat(hashlib.sha512(salt_bytes * (16 + digest[0])).digest(), len(salt_bytes))
    for i in range(rounds):
        step = hashlib.sha512(p_bytes if i & 1 else digest)
        if i % 3:
            step.update(s_bytes)
        if i % 7:
            step.update(p_bytes)
        step.update(digest if i & 1 else p_bytes)
        digest = step.digest()

    encoded = "".join(_b64_24bit(digest[a], digest[b], digest[c], 4) for a, b, c in _SHA512_PERMUTATION)
    encoded += _b64_24bit(0, 0, digest[63], 2)
    prefix = "$6$" if rounds == _DEFAULT_ROUNDS else f"$6$rounds={rounds}$"
    return f"{prefix}{salt_bytes.decode()}${encoded}"


def _repeat(block: bytes, length: int) -> bytes:
    return (block * (length // len(block) + 1))[:length]


def _b64_24bit(high: int, middle: int, low: int, chars: int) -> str:
    word = (high << 16) | (middle << 8) | low
    out = []
    for _ in range(chars):
        out.append(_CRYPT_ALPHABET[word & 0x3F])
        word >>= 6
    return "".join(out)
