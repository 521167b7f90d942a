"""The Zoho Mail API: the OAuth refresh-token flow on the data centre's accounts server, the
``{"status": {...}, "data": ...}`` envelope, and a pace that keeps under the call limit.

Token (https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html):
``POST {accounts}/oauth/v2/token`` with ``client_id``, ``client_secret``,
``grant_type=refresh_token`` and ``refresh_token``; the answer holds ``access_token`` and
``expires_in`` (3600 s). A failure is an HTTP 200 answer with ``error`` (``invalid_client``: a wrong
client id, or a client of another data centre; ``invalid_code``: a revoked refresh token), so an
answer is judged by its body, never by its status. Zoho grants at most 10 access tokens per refresh
token in 10 minutes, so one token is kept for the run (until 5 minutes before it expires); a call
answered ``INVALID_OAUTHTOKEN`` (under any status) gets a new one and is sent once more.

Errors: ``{"status": {"code": N, "description": "..."}, "data": {"errorCode": "...", "moreInfo":
"..."}}``; a ``status.code`` of 400 or more is an error even in an HTTP 2xx answer. 429 and 5xx are
retried by the shared HttpClient (Retry-After honoured), as is an answer whose code or text says
the caller is throttled.
"""

from __future__ import annotations

import collections
import contextlib
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from mailplan.providers.http import ApiError, HttpClient, RetryableApiError

EXPIRY_MARGIN = 300.0
TOKEN_ERRORS = frozenset({"INVALID_OAUTHTOKEN", "OAUTHTOKEN_EXPIRED"})
_THROTTLED = ("too many requests", "throttl", "rate limit", "try again after some time")


class ZohoError(ApiError):
    """An error answer; ``status`` is the status code it carries, ``code`` its ``errorCode``."""


class TokenRejected(ZohoError):
    """The access token was refused (expired, revoked, or one of more than 10 for the refresh token)."""


def envelope_error(status: int, body: Any) -> tuple[str, str] | None:
    """``(errorCode, message)`` of an error answer, or None for a success."""
    head = body.get("status") if isinstance(body, dict) else None
    code = status
    if isinstance(head, dict):
        with contextlib.suppress(TypeError, ValueError):
            code = max(status, int(head.get("code") or 0))
    if code < 400:
        return None
    data = body.get("data") if isinstance(body, dict) else None
    data = data if isinstance(data, dict) else {}
    error_code = str(data.get("errorCode") or data.get("error") or "")
    described = str(head.get("description") or "") if isinstance(head, dict) else ""
    more = str(data.get("moreInfo") or data.get("errorData") or "")
    text = "; ".join(t for t in (error_code, described, more) if t) or str(body)[:200]
    return error_code, f"HTTP {code}: {text}"


def decode_error(resp: requests.Response) -> str | None:
    """The HttpClient ``error_of`` hook: raise on an error envelope (or an answer that is not JSON)."""
    try:
        body = resp.json()
    except ValueError:
        if resp.status_code < 400:
            return None if not resp.content else f"HTTP {resp.status_code}: answer is not JSON: {resp.text[:200]}"
        body = {}
    found = envelope_error(resp.status_code, body)
    if found is None:
        return None
    error_code, message = found
    status = resp.status_code if resp.status_code >= 400 else _status_of(body)
    if error_code.upper() in TOKEN_ERRORS:
        raise TokenRejected(message, status=status, code=error_code, body=body)
    if any(word in message.lower() for word in _THROTTLED):
        raise RetryableApiError(message + " (Zoho's call limit; mailplan backs off)", status=status, code=error_code)
    raise ZohoError(message, status=status, code=error_code, body=body)


def _status_of(body: Any) -> int:
    try:
        return int(body["status"]["code"])
    except (KeyError, TypeError, ValueError):
        return 0


class Pace:
    """At most ``per_minute`` calls in any 60 seconds: a call that would pass it waits."""

    def __init__(self, per_minute: int, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.sleep = sleep
        self._sent: collections.deque[float] = collections.deque()

    def wait(self) -> None:
        if not self.per_minute:
            return
        now = self.clock()
        while self._sent and now - self._sent[0] >= 60.0:
            self._sent.popleft()
        if len(self._sent) >= self.per_minute:
            pause = 60.0 - (now - self._sent[0])
            self.sleep(pause)
            now += pause
            self._sent.popleft()
        self._sent.append(now)


class ZohoClient:
    """One organization's API with a kept access token."""

    def __init__(
        self,
        http: HttpClient,
        oauth_root: str,
        zoid: str,
        credentials: tuple[str, str, str],
        pace: Pace,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.oauth_root = oauth_root
        self.zoid = zoid
        self._client_id, self._client_secret, self._refresh_token = credentials
        self.pace = pace
        self._clock = clock
        self._token = ""
        self._valid_until = 0.0

    @property
    def org(self) -> str:
        return f"/api/organization/{self.zoid}"

    def _fetch_token(self) -> str:
        form = {
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "grant_type": "refresh_token",
            "refresh_token": self._refresh_token,
        }
        resp = self.http.request("POST", f"{self.oauth_root}/oauth/v2/token", data=form, error_of=_token_error)
        body = resp.json()
        token = str(body.get("access_token") or "") if isinstance(body, dict) else ""
        if not token:
            raise ZohoError(f"the token endpoint answered without an access_token: {str(body)[:200]}")
        self._token = token
        lifetime = float(body.get("expires_in") or 3600)
        self._valid_until = self._clock() + max(0.0, lifetime - EXPIRY_MARGIN)
        return token

    def _authorization(self) -> dict[str, str]:
        if not self._token or self._clock() >= self._valid_until:
            self._fetch_token()
        return {"Authorization": f"Zoho-oauthtoken {self._token}"}

    def call(self, method: str, path: str, params: Mapping[str, Any] | None = None, body: Any = None) -> Any:
        """One call; the answer's ``data`` (None when the answer has none). Raises ZohoError."""
        for attempt in range(2):
            headers = self._authorization()
            self.pace.wait()
            try:
                resp = self.http.request(method, path, params=params, json=body, headers=headers, error_of=decode_error)
            except TokenRejected as exc:
                if attempt == 1:
                    raise _in_context(exc, method, path) from None
                self._token = ""  # a new token, then the call once more
                continue
            except ZohoError as exc:
                raise _in_context(exc, method, path) from None
            answer = resp.json() if resp.content else {}
            return answer.get("data") if isinstance(answer, dict) else None
        raise AssertionError("unreachable")


def _in_context(exc: ZohoError, method: str, path: str) -> ZohoError:
    """The error with the call it answered (the path holds ids, never a secret)."""
    return type(exc)(f"{method} {path}: {exc}", status=exc.status, code=exc.code, body=exc.body)


def _token_error(resp: requests.Response) -> str | None:
    """The token endpoint answers its errors in an HTTP 200 body: judge the body."""
    try:
        body = resp.json()
    except ValueError:
        return f"HTTP {resp.status_code}: the token endpoint's answer is not JSON: {resp.text[:200]}"
    if isinstance(body, dict) and body.get("access_token") and not body.get("error"):
        return None
    error = str(body.get("error") or "") if isinstance(body, dict) else ""
    detail = str(body.get("error_description") or "") if isinstance(body, dict) else ""
    if error == "invalid_client":
        hint = "a wrong client_id, or a Self Client of another data centre: check client_id and region"
    elif error in ("invalid_code", "invalid_grant"):
        hint = "the refresh token was revoked or never issued: make a new one (see the Zoho Mail provider page)"
    elif error == "invalid_client_secret":
        hint = "check client_secret"
    elif "too many requests" in (error + detail).lower() or error == "Access Denied":
        hint = (
            "Zoho grants at most 10 access tokens per refresh token in 10 minutes and then refuses for the rest "
            "of the window; run again in 10 minutes"
        )
    else:
        hint = "check client_id, client_secret, refresh_token and region"
    raise ZohoError(
        f"Zoho refused a new access token ({error or resp.status_code}{': ' + detail if detail else ''}): {hint}",
        status=resp.status_code,
        code=error,
    )
