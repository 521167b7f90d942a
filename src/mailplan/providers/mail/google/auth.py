"""Service-account OAuth with domain-wide delegation: a signed JWT (RS256) per subject.

Directory, Groups Settings and Vault calls impersonate an administrator; Gmail
settings calls must impersonate the mailbox owner, so tokens are cached per subject.
See "Using OAuth 2.0 for Server to Server Applications"
(https://developers.google.com/identity/protocols/oauth2/service-account).
"""

from __future__ import annotations

import base64
import functools
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from mailplan.providers import redact
from mailplan.providers.base import ProviderError
from mailplan.providers.http import HttpClient

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class ServiceAccountKey:
    client_email: str
    private_key: str  # PEM
    private_key_id: str
    token_uri: str

    @classmethod
    def from_json(cls, text: str) -> ServiceAccountKey:
        try:
            data = json.loads(text)
            return cls(
                client_email=data["client_email"],
                private_key=data["private_key"],
                private_key_id=data.get("private_key_id", ""),
                token_uri=data.get("token_uri", "https://oauth2.googleapis.com/token"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            # Never echo the text: it holds the private key.
            raise ProviderError(
                "google-workspace: service_account_key is not a service-account JSON key "
                f"(missing or unreadable field: {exc.__class__.__name__} {exc})"
            ) from None

    def sign(self, claims: Mapping[str, Any]) -> str:
        key = _rsa_key(self.private_key)
        header = {"alg": "RS256", "typ": "JWT", "kid": self.private_key_id}
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(dict(claims)).encode())}"
        signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64url(signature)}"


@functools.lru_cache(maxsize=4)
def _rsa_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ProviderError("google-workspace: the service-account private key is not an RSA key")
    return key


@dataclass
class TokenSource:
    """Access tokens by subject, fetched with a JWT assertion and reused until shortly before expiry."""

    key: ServiceAccountKey
    scopes: tuple[str, ...]
    http: HttpClient
    clock: Callable[[], float] = time.time
    _cache: dict[str, tuple[str, float]] = field(default_factory=dict)

    def headers_for(self, subject: str) -> Callable[[bool], Mapping[str, str]]:
        """An ``HttpClient`` auth hook that acts as ``subject``."""

        def auth(refresh: bool) -> Mapping[str, str]:
            return {"Authorization": f"Bearer {self.token(subject, refresh=refresh)}"}

        return auth

    def token(self, subject: str, refresh: bool = False) -> str:
        cached = self._cache.get(subject)
        now = self.clock()
        if cached and not refresh and cached[1] - 60 > now:
            return cached[0]
        claims = {
            "iss": self.key.client_email,
            "sub": subject,
            "scope": " ".join(self.scopes),
            "aud": self.key.token_uri,
            "iat": int(now),
            "exp": int(now) + 3600,
        }
        resp = self.http.request(
            "POST",
            self.key.token_uri,
            data={"grant_type": JWT_BEARER, "assertion": self.key.sign(claims)},
            error_of=_token_error,
        )
        body = resp.json()
        redact.register(body.get("access_token"))
        self._cache[subject] = (body["access_token"], now + float(body.get("expires_in", 3600)))
        return str(body["access_token"])


def _token_error(resp: Any) -> str | None:
    if resp.status_code < 400:
        return None
    try:
        body = resp.json()
        detail = f"{body.get('error')}: {body.get('error_description', '')}"
    except ValueError:
        detail = resp.text[:200]
    hint = ""
    if "unauthorized_client" in detail:
        hint = " (is the service account's client ID allowed these scopes under domain-wide delegation?)"
    return f"token request refused: {detail}{hint}"
