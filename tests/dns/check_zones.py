"""Zone text for check tests: a good zone and zones with one known mistake each.

The same text is checked in memory (``ZoneDns``) and served by a real BIND.
"""

from __future__ import annotations

import base64
import functools

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mailplan.dns.txt import txt_presentation

HEAD = """\
$TTL 300
@   IN SOA ns1 hostmaster 1 3600 600 86400 300
    IN NS  ns1
ns1 IN A   127.0.0.1
"""

@functools.cache
def rsa_key(bits: int = 2048) -> str:
    """A fresh RSA public key, base64 DER, as the p= of a DKIM record."""
    if bits < 1024:  # too weak to generate: any odd modulus of that size parses the same way
        public = rsa.RSAPublicNumbers(65537, (1 << (bits - 1)) | 0xF1).public_key()
    else:
        public = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    der = public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def txt(name: str, value: str) -> str:
    return f"{name} IN TXT {txt_presentation(value)}\n"


def good_body(spf: str = "v=spf1 mx -all", dkim_key: str | None = None) -> str:
    dkim_key = dkim_key or rsa_key()
    return (
        "@ IN MX 10 mx\n"
        "mx IN A 192.0.2.25\n"
        + txt("@", spf)
        + txt("@", "google-site-verification=abc123")
        + txt("mail._domainkey", f"v=DKIM1; k=rsa; p={dkim_key}")
        + txt("_dmarc", "v=DMARC1; p=reject; rua=mailto:dmarc@{origin}")
    )


def zone(body: str, origin: str) -> str:
    return HEAD + body.replace("{origin}", origin)


DMARC_GOOD = "v=DMARC1; p=reject; rua=mailto:dmarc@{origin}"


def hosted_dmarc_body(target: str) -> str:
    """The good zone with its DMARC record kept by a vendor: ``_dmarc`` is a CNAME to ``target``."""
    return good_body().replace(txt("_dmarc", DMARC_GOOD), f"_dmarc IN CNAME {target}.\n")


def duplicate_mx_body() -> str:
    """The good zone listing its one MX host twice, at two preferences."""
    return good_body().replace("@ IN MX 10 mx\n", "@ IN MX 10 mx\n@ IN MX 20 mx\n")
