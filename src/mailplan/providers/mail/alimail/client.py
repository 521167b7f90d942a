"""The Alibaba Mail (阿里邮箱) open platform: OAuth client-credentials token and error bodies.

The token comes from ``POST /oauth2/v2.0/token`` (form: ``grant_type=client_credentials``,
``client_id``, ``client_secret``) and goes in ``Authorization: bearer <token>``.
It is renewed a minute before ``expires_in``, and at once when a call answers
401 (the call is then sent once more). Failures are non-2xx answers with an
error object ``{"detailErrorCode", "message", "developerMessage"}``; 429 (the
40 calls/s per domain limit) and 5xx are retried by the shared HttpClient.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests

from mailplan.providers import redact
from mailplan.providers.http import ApiError, HttpClient

EXPIRY_MARGIN = 60.0


class AlimailError(ApiError):
    """A non-2xx answer; ``status`` and ``code`` (the detailErrorCode) say which."""


def decode_error(resp: requests.Response) -> str | None:
    if resp.status_code < 400:
        return None
    try:
        body = resp.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    code = str(body.get("detailErrorCode") or body.get("code") or body.get("error") or "")
    text = body.get("message") or body.get("error_description") or resp.text[:200]
    raise AlimailError(f"HTTP {resp.status_code} {code}: {text}".strip(), status=resp.status_code, code=code, body=body)


class AlimailClient:
    def __init__(
        self,
        http: HttpClient,
        client_id: str,
        client_secret: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self._client_id = client_id
        self._client_secret = client_secret
        self._clock = clock
        self._token = ""
        self._valid_until = 0.0

    def _fetch_token(self) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        try:
            resp = self.http.request("POST", "/oauth2/v2.0/token", data=form, error_of=decode_error)
        except AlimailError as exc:
            raise AlimailError(
                f"Alibaba Mail refused the application credentials ({exc}); check client_id and client_secret",
                status=exc.status,
                code=exc.code,
            ) from None
        body = resp.json()
        token = str(body.get("access_token") or "")
        if not token:
            raise AlimailError("the token endpoint answered without an access_token")
        redact.register(token)
        self._token = token
        self._valid_until = self._clock() + max(0.0, float(body.get("expires_in", 3600)) - EXPIRY_MARGIN)
        return token

    def _bearer(self) -> dict[str, str]:
        if not self._token or self._clock() >= self._valid_until:
            self._fetch_token()
        return {"Authorization": f"bearer {self._token}"}

    def call(self, method: str, path: str, params: dict[str, Any] | None = None, body: Any = None) -> Any:
        """One call; the decoded JSON answer (or None when empty). 401 renews the token once."""
        for attempt in range(2):
            try:
                resp = self.http.request(
                    method, path, params=params, json=body, headers=self._bearer(), error_of=decode_error
                )
            except AlimailError as exc:
                if exc.status != 401 or attempt == 1:
                    raise
                self._token = ""
                continue
            return resp.json() if resp.content else None
        raise AssertionError("unreachable")
