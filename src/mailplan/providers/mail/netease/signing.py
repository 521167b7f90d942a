"""The signature NetEase's ``qiyeservice`` API checks on every request.

From NetEase's sample code (``RSASignatureToQiye.generateSigature``, the PHP ``openssl_sign`` samples):
every parameter but ``sign`` — the call's own, ``domain``, ``product`` and ``time`` (epoch milliseconds) —
sorted by name, joined as ``k=v&k=v`` with the values raw (UTF-8, not URL-encoded), signed SHA1withRSA
(PKCS #1 v1.5) with the enterprise's private key, and sent as the lowercase hex of the signature.

The signing happens as each request leaves (a ``requests`` auth hook on the session): the shared HTTP
client resends a request after a 429, a 5xx or a timeout, and every attempt then carries a fresh
``time`` and signature instead of one that may have aged past NetEase's window.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl, urlencode

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

FORM = "application/x-www-form-urlencoded; charset=UTF-8"


def load_private_key(text: str) -> rsa.RSAPrivateKey:
    """The RSA key as NetEase's tools and samples hold it: the hex of the PKCS #8 DER (what
    ``createKeyPair`` prints), PEM (PKCS #1 or #8), or the DER in base64 without PEM lines."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            compact = "".join(text.split())
            try:
                der = bytes.fromhex(compact)
            except ValueError:
                der = base64.b64decode(compact, validate=True)
            key = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, binascii.Error):
        raise ValueError(
            "private_key is not an RSA private key: give the hex string NetEase's createKeyPair tool prints "
            "(it starts 3082…), or a PEM file"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("private_key is not an RSA key; NetEase signs with RSA")
    return key


def string_to_sign(params: Mapping[str, str]) -> str:
    return "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign")


def sign(key: rsa.RSAPrivateKey, params: Mapping[str, str]) -> str:
    signature = key.sign(string_to_sign(params).encode("utf-8"), padding.PKCS1v15(), hashes.SHA1())
    return signature.hex()


class SignedForm(requests.auth.AuthBase):
    """Adds ``domain``, ``product``, ``time`` and ``sign`` to the form body of each request as it is sent."""

    def __init__(
        self, key: rsa.RSAPrivateKey, domain: str, product: str, clock: Callable[[], float] = time.time
    ) -> None:
        self.key = key
        self.domain = domain
        self.product = product
        self.clock = clock

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or ""
        text = body.decode() if isinstance(body, bytes) else str(body)
        params = dict(parse_qsl(text, keep_blank_values=True))
        params.update(domain=self.domain, product=self.product, time=str(int(self.clock() * 1000)))
        params["sign"] = sign(self.key, params)
        encoded = urlencode(params).encode()
        request.body = encoded
        request.headers["Content-Type"] = FORM
        request.headers["Content-Length"] = str(len(encoded))
        return request
