"""SHA512-CRYPT is computed by the system's libxcrypt where there is one and by mailplan's Python code
where there is not: both must give the hash glibc specifies, so that a database written on one machine
is verified by Dovecot on any other (tests/providers/test_local.py has Dovecot verify it)."""

from __future__ import annotations

import random

import pytest

from mailplan.providers.mail.local import libcrypt
from mailplan.providers.mail.local.passwords import python_sha512_crypt, sha512_crypt

# Ulrich Drepper's SHA-crypt specification, the test vectors of SHA-512
VECTORS = [
    ("Hello world!", "saltstring", 5000,
     "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"),
    ("Hello world!", "saltstringsaltstring", 10000,
     "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."),
]  # fmt: skip


@pytest.mark.parametrize(("password", "salt", "rounds", "expected"), VECTORS)
def test_both_implementations_give_the_specified_hash(password: str, salt: str, rounds: int, expected: str) -> None:
    assert python_sha512_crypt(password, salt, rounds) == expected
    assert sha512_crypt(password, salt, rounds) == expected


@pytest.mark.skipif(not libcrypt.available(), reason="no libxcrypt on this system")
def test_libxcrypt_and_python_agree_on_chinese_and_long_passwords() -> None:
    rng = random.Random(13)
    alphabet = "abcXYZ0189!@# 张三李四ü€\t"
    for _ in range(20):
        password = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        salt = "".join(rng.choice("./0123456789ABCDEFabcdef") for _ in range(rng.randint(1, 16)))
        assert libcrypt.crypt(password, f"$6${salt}") == python_sha512_crypt(password, salt)
