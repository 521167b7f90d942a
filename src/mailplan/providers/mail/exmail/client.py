"""The Tencent Exmail ``cgi-bin`` API: token handling and the errcode envelope.

Every answer is HTTP 200 with ``{"errcode": N, "errmsg": "..."}``; 0 is success.
The access token comes from ``gettoken?corpid=&corpsecret=``, lives
``expires_in`` seconds (7200), and is passed as ``?access_token=`` on every call.
A token the server no longer accepts (40001 / 40014 / 42001) is fetched again
and the call retried once. Busy and frequency-limit codes (-1, 45009, 45033, in an
HTTP 200 answer like every other error) are retried by the shared HttpClient with backoff.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from mailplan.providers import redact
from mailplan.providers.http import ApiError, HttpClient, RetryableApiError

# The token the call carried is no longer valid: fetch a new one, retry once.
TOKEN_CODES = frozenset({40001, 40014, 42001})
# System busy (-1) and frequency limits (45009 calls, 45033 concurrent calls): wait and retry.
# Exmail answers these as HTTP 200 with the errcode, never HTTP 429 with Retry-After, so the
# shared client backs off exponentially.
RETRY_CODES = frozenset({-1, 45009, 45033})
FREQUENCY_CODES = frozenset({45009, 45033})
# The object is not (yet) there. Right after a write these are retried for a while.
NOT_FOUND_CODES = frozenset({60111, 60003})
# Refresh this long before the announced expiry, so a token never dies mid-run.
EXPIRY_MARGIN = 300.0


class ExmailError(ApiError):
    """An answer with a non-zero errcode."""

    @property
    def errcode(self) -> int:
        try:
            return int(self.code)
        except ValueError:
            return 0


class TokenRejected(ExmailError):
    """The access token was refused (expired or revoked)."""


def _errcode(body: Any) -> int:
    # Some answers carry errcode as a string; absent means success.
    try:
        return int(body.get("errcode", 0)) if isinstance(body, dict) else 0
    except (TypeError, ValueError):
        return 0


def decode_error(resp: requests.Response) -> str | None:
    """The HttpClient ``error_of`` hook for Exmail: raise on any non-zero errcode."""
    if resp.status_code >= 400:
        return f"HTTP {resp.status_code}: {resp.text[:200]}"
    try:
        body = resp.json()
    except ValueError:
        return f"answer is not JSON: {resp.text[:200]}"
    code = _errcode(body)
    if code == 0:
        return None
    message = f"errcode {code}: {body.get('errmsg', '')}"
    if code in FREQUENCY_CODES:
        message += " (Exmail's call-frequency limit for this company; run again in a few minutes)"
    if code in RETRY_CODES:
        raise RetryableApiError(message, status=resp.status_code, code=str(code), body=body)
    if code in TOKEN_CODES:
        raise TokenRejected(message, status=resp.status_code, code=str(code), body=body)
    raise ExmailError(message, status=resp.status_code, code=str(code), body=body)


class ExmailClient:
    """One company's Exmail API with a cached access token."""

    def __init__(
        self,
        http: HttpClient,
        corp_id: str,
        corp_secret: str,
        secret_name: str = "corp_secret",  # the setting it comes from, named when Exmail refuses it
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self._corp_id = corp_id
        self._corp_secret = corp_secret
        self._secret_name = secret_name
        self._clock = clock
        self._token = ""
        self._token_valid_until = 0.0

    def _send(self, method: str, path: str, params: Mapping[str, Any], body: Any = None) -> requests.Response:
        # The secret and the token travel in the query string: the shared client redacts both from errors.
        return self.http.request(method, path, params=params, json=body, error_of=decode_error)

    def _fetch_token(self) -> str:
        try:
            resp = self._send("GET", "gettoken", {"corpid": self._corp_id, "corpsecret": self._corp_secret})
        except TokenRejected as exc:
            # At gettoken, 40001 means the corpid/corpsecret pair is wrong: no retry helps.
            raise ExmailError(
                f"Exmail refused the corp id / secret ({exc}); check corp_id and {self._secret_name}",
                code=exc.code,
            ) from None
        body = resp.json()
        token = str(body.get("access_token", ""))
        if not token:
            raise ExmailError("gettoken answered without an access_token")
        lifetime = float(body.get("expires_in", 7200))
        redact.register(token)
        self._token = token
        self._token_valid_until = self._clock() + max(0.0, lifetime - EXPIRY_MARGIN)
        return token

    def token(self) -> str:
        if not self._token or self._clock() >= self._token_valid_until:
            return self._fetch_token()
        return self._token

    def call(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> dict[str, Any]:
        """One API call; the decoded answer on errcode 0, else ExmailError."""
        for attempt in range(2):
            query = {**(params or {}), "access_token": self.token()}
            try:
                resp = self._send(method, path, query, body)
            except TokenRejected:
                if attempt == 1:
                    raise
                self._token = ""  # fetch a new one, then retry once
                continue
            answer = resp.json()
            return answer if isinstance(answer, dict) else {}
        raise AssertionError("unreachable")

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self.call("GET", path, params=params)

    def post(self, path: str, body: Any) -> dict[str, Any]:
        return self.call("POST", path, body=body)
