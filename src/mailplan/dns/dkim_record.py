"""A DKIM key record (RFC 6376 §3.6.1, RFC 8301, RFC 8463): reading one, and taking one from a console.

A hosted provider (Google, Exmail, Alibaba, NetEase, Zoho) generates the key pair and shows the
public half in its admin console; the admin copies it into the config. It is public — it is
published in DNS — so it may be written inline. ``console_record`` accepts it in every form a
console or a zone file shows it (``ACCEPTED_FORMS``), checks it is a key receivers will use, and
gives the one TXT value mailplan publishes.
"""

from __future__ import annotations

import base64
import binascii
import re
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

import dns.exception
import dns.rdata
import dns.rdataclass
import dns.rdatatype

from mailplan.dns.txt import join_txt
from mailplan.i18n import N_, Msg

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

MIN_BITS = 1024  # RFC 8301 §3.2: verifiers must not accept shorter RSA keys
KEY_TYPES = ("rsa", "ed25519")
_PEM = re.compile(r"-----BEGIN (RSA )?PUBLIC KEY-----(.*?)-----END (RSA )?PUBLIC KEY-----", re.S)

ACCEPTED_FORMS = N_(
    "paste the key as the console shows it: the whole record (v=DKIM1; k=rsa; p=MIIB…), the p= value alone, "
    'quoted zone-file strings ("v=DKIM1; k=rsa; " "p=MIIB…") or a PEM public key; see docs/dns.md'
)


@dataclass(frozen=True)
class KeyRecord:
    tags: dict[str, str]
    problems: tuple[str, ...]
    bits: int | None  # RSA modulus size; None when not RSA or unreadable

    @property
    def revoked(self) -> bool:
        return "p" in self.tags and self.tags["p"] == ""


def parse(record: str) -> KeyRecord:
    """The record's tags (values without whitespace, which RFC 6376 allows inside them) and what is wrong."""
    tags: dict[str, str] = {}
    problems: list[str] = []
    for i, part in enumerate(p.strip() for p in record.split(";")):
        if not part:
            continue
        tag, eq, val = part.partition("=")
        tag, val = tag.strip(), "".join(val.split())
        if not eq:
            problems.append(Msg("'{part}' is not a tag=value pair", part=part))
        elif tag == "v" and (i != 0 or val != "DKIM1"):
            problems.append(Msg("v= must come first and be DKIM1"))
        tags[tag] = val
    bits = None
    kind = tags.get("k", "rsa")
    if kind not in KEY_TYPES:
        problems.append(Msg("unknown key type k={kind}", kind=kind))
    if "p" not in tags:
        problems.append(Msg("no p= tag (the public key)"))
    elif tags["p"] and kind in KEY_TYPES:
        bits = _key_bits(kind, tags["p"], problems)
    return KeyRecord(tags, tuple(problems), bits)


def _key_bits(kind: str, b64: str, problems: list[str]) -> int | None:
    try:
        der = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        problems.append(Msg("p= is not valid base64"))
        return None
    if kind == "ed25519":
        if len(der) != 32:
            problems.append(Msg("an ed25519 p= must be 32 bytes"))
        return None
    key = _rsa_key(der)
    if key is None:
        problems.append(Msg("p= is not an RSA public key (DER SubjectPublicKeyInfo or RSAPublicKey)"))
        return None
    return key.key_size


def _rsa_key(der: bytes) -> rsa.RSAPublicKey | None:
    """RFC 6376 names RSAPublicKey (PKCS#1); nearly everyone publishes SubjectPublicKeyInfo. Verifiers read both."""
    # cryptography is imported when a key is read: most commands never read one (start-up cost)
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key

    try:
        key = load_der_public_key(der)
    except ValueError:
        pem = "-----BEGIN RSA PUBLIC KEY-----\n" + "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
        try:
            key = load_pem_public_key((pem + "\n-----END RSA PUBLIC KEY-----\n").encode())
        except ValueError:
            return None
    return key if isinstance(key, rsa.RSAPublicKey) else None


def console_record(text: str) -> str:
    """The TXT value to publish for a public key copied from a console (see ``ACCEPTED_FORMS``).

    Raises ``ValueError`` saying what is wrong with it: not a key, a revoked (empty) key,
    an RSA key shorter than 1024 bits.
    """
    raw = text.strip()
    if raw.startswith('"'):
        raw = _unquote(raw)
    pem = _PEM.search(raw)
    if pem:
        raw = "".join(pem.group(2).split())
    if "=" in raw.rstrip("=") or ";" in raw:  # a tag list (base64 ends in '=' padding only)
        tags = [(t.strip(), v.strip()) for t, _, v in (p.partition("=") for p in raw.split(";") if p.strip())]
    else:
        tags = [("p", raw)]
    if not tags or tags[0][0] != "v":
        tags.insert(0, ("v", "DKIM1"))
    if all(name != "k" for name, _ in tags):
        tags.insert(1, ("k", "rsa"))
    value = "; ".join(f"{name}={val if name == 'n' else ''.join(val.split())}" for name, val in tags)
    record = parse(value)
    if record.problems:
        raise ValueError(Msg("not a DKIM key record: {problem}", problem=record.problems[0]))
    if record.revoked:
        raise ValueError(Msg("p= is empty, which publishes a revoked key: copy the key the console shows"))
    if record.bits is not None and record.bits < MIN_BITS:
        raise ValueError(Msg("a {bits}-bit RSA key: receivers ignore keys under {minimum} bits (RFC 8301); "
                             "generate a 2048-bit key in the console", bits=record.bits, minimum=MIN_BITS))
    return value


def _unquote(text: str) -> str:
    """``"v=DKIM1; k=rsa; " "p=…"`` (a zone file's TXT strings) joined into the value they make."""
    try:
        rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, text)
    except (dns.exception.DNSException, ValueError) as exc:
        error = str(exc)
        # Translators: {error} is dnspython's English explanation
        raise ValueError(Msg("the quoted strings cannot be read as a TXT value ({error})", error=error)) from None
    return join_txt(getattr(rdata, "strings", ()))
