"""DKIM keys mailplan generates and holds for domains whose mail it runs itself.

The private key stays in an owner-only directory (the mail server signs with
it); the public half goes into ``<selector>._domainkey`` as base64 DER
SubjectPublicKeyInfo, which is what the ``p=`` tag carries (RFC 6376 §3.6.1).
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from mailplan.dirs import make_dirs
from mailplan.errors import MailplanError
from mailplan.files import write_atomically


def key_path(keys_dir: Path, domain: str, selector: str) -> Path:
    """Where the private key of ``selector`` for ``domain`` lives (PEM, PKCS#8)."""
    return keys_dir / f"{domain}.{selector}.pem"


def ensure_key(keys_dir: Path, domain: str, selector: str, bits: int = 2048) -> str:
    """The public key (base64 DER) of the domain's selector, generating the key pair on first use."""
    path = key_path(keys_dir, domain, selector)
    if not path.exists():
        _write_new_key(keys_dir, path, bits)
    elif _empty(path):
        # an empty key (a run killed while writing it, before writes were atomic) was never published
        path.unlink()
        _write_new_key(keys_dir, path, bits)
    return public_key_b64(path.read_bytes(), path)


def existing_key(keys_dir: Path, domain: str, selector: str) -> str | None:
    """The public key of the domain's selector if its key pair exists, else None (nothing is written)."""
    path = key_path(keys_dir, domain, selector)
    return public_key_b64(path.read_bytes(), path) if path.exists() and not _empty(path) else None


def _empty(path: Path) -> bool:
    return path.stat().st_size == 0


def _write_new_key(keys_dir: Path, path: Path, bits: int) -> None:
    make_dirs(keys_dir.parent)
    keys_dir.mkdir(mode=0o700, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    from cryptography.hazmat.primitives import serialization  # imported when used: start-up cost
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=bits).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # exclusive: if another run created the key meanwhile, keep theirs rather than replace a published key;
    # atomic: a run killed while writing leaves no empty or half key file that would stop every later run
    write_atomically(path, pem, 0o600, exclusive=True)


def public_key_b64(private_pem: bytes, source: Path | str = "<key>") -> str:
    from cryptography.hazmat.primitives import serialization  # imported when used: start-up cost

    try:
        key = serialization.load_pem_private_key(private_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise MailplanError(f"{source}: not an unencrypted PEM private key ({exc})") from exc
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def dkim_txt(public_key_b64: str) -> str:
    """The selector's TXT value for an RSA key."""
    return f"v=DKIM1; k=rsa; p={public_key_b64}"
