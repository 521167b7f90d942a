"""The HTTP client every REST provider shares: retries with backoff, Retry-After,
a bounded total wait, and a count of calls (tests assert it).

Provider-specific error bodies are decoded by the provider: it passes an
``error_of`` function that turns a response into a message, or ``None`` when
the response is a success. That keeps Exmail's "HTTP 200 with errcode" and
Google's error object out of this module.
"""

from __future__ import annotations

import email.utils
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from mailplan.providers.base import ProviderError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class ApiError(ProviderError):
    def __init__(self, message: str, status: int = 0, code: str = "", body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.body = body


class RetryableApiError(ApiError):
    """Raised by an ``error_of`` decoder for errors the API says to retry (rate limits in a 200 body)."""


@dataclass
class RetryPolicy:
    """How long one logical request may keep trying.

    Each wait is capped (Retry-After included) and so is their sum. A service may ask
    for a wait of an hour (an hourly quota), or send a bogus date; honouring that would
    leave a CI job hanging with no output until its own timeout kills it, mid-apply.
    Capped, the run stops within a few minutes with an error naming the last answer,
    and since every change is idempotent the next run finishes the rest.
    """

    attempts: int = 6
    base_delay: float = 0.5  # doubled each attempt
    max_delay: float = 30.0  # cap for one wait, Retry-After included
    max_total: float = 120.0  # give up when the waits would exceed this
    timeout: float = 30.0  # per request


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass
class HttpClient:
    base_url: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    headers: dict[str, str] = field(default_factory=dict)
    sleep: Callable[[float], None] = time.sleep
    calls: Counter[str] = field(default_factory=Counter)  # "GET /path" -> count
    session: requests.Session = field(default_factory=requests.Session)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        error_of: Callable[[requests.Response], str | None] | None = None,
        auth: Callable[[bool], Mapping[str, str]] | None = None,
    ) -> requests.Response:
        """Send one logical request; retry 429/5xx/timeouts; raise ApiError on a final failure.

        ``auth`` supplies the auth headers of each attempt; it is called with True after a 401
        to get a fresh token (an expired OAuth token), and the request is sent once more.
        """
        url = path if path.startswith("http") else self.base_url.rstrip("/") + "/" + path.lstrip("/")
        authorize = auth
        refreshed = False
        waited = 0.0
        last: str = ""
        for attempt in range(self.policy.attempts):
            self.calls[f"{method} {path.split('?')[0]}"] += 1
            delay = min(self.policy.max_delay, self.policy.base_delay * (2**attempt))
            try:
                resp = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=data,
                    headers={**self.headers, **(authorize(False) if authorize else {}), **(headers or {})},
                    timeout=self.policy.timeout,
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                last = f"{method} {url}: {type(exc).__name__}: {exc}"
            else:
                if resp.status_code == 401 and authorize and not refreshed:
                    refreshed = True
                    authorize(True)
                    last = f"{method} {url}: HTTP 401 {_short(resp)}"
                    continue  # resend at once with the fresh token
                if resp.status_code in RETRY_STATUSES:
                    hinted = retry_after_seconds(resp.headers.get("Retry-After"))
                    if hinted is not None:
                        delay = min(self.policy.max_delay, hinted)
                    last = f"{method} {url}: HTTP {resp.status_code} {_short(resp)}"
                else:
                    try:
                        problem = error_of(resp) if error_of else _default_error(resp)
                    except RetryableApiError as exc:
                        last = f"{method} {url}: {exc}"
                    else:
                        if problem is None:
                            return resp
                        raise ApiError(f"{method} {path}: {problem}", status=resp.status_code, body=_body(resp))
            if attempt + 1 == self.policy.attempts or waited + delay > self.policy.max_total:
                break
            self.sleep(delay)
            waited += delay
        raise ApiError(f"gave up after {attempt + 1} attempts ({waited:.1f}s waited): {last}")

    def request_new(self, method: str, path: str, *, wait: float = 60.0, **kwargs: Any) -> requests.Response:
        """``request`` naming an object created moments ago: a 404 (not visible yet, the API is
        eventually consistent) is retried with growing pauses for at most ``wait`` seconds."""
        waited, delay = 0.0, 1.0
        while True:
            try:
                return self.request(method, path, **kwargs)
            except ApiError as exc:
                if exc.status != 404 or waited + delay > wait:
                    raise
            self.sleep(delay)
            waited, delay = waited + delay, delay * 2

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs).json()

    def total_calls(self) -> int:
        return sum(self.calls.values())


def _body(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return resp.text


def _short(resp: requests.Response) -> str:
    return resp.text[:200].replace("\n", " ")


def _default_error(resp: requests.Response) -> str | None:
    if resp.status_code < 400:
        return None
    return f"HTTP {resp.status_code}: {_short(resp)}"


def json_error_of(describe: Callable[[int, dict[str, Any]], str]) -> Callable[[requests.Response], str | None]:
    """An ``error_of`` for APIs answering ``{"error": {...}}`` (Google, Microsoft Graph):
    ``describe(status, error)`` words the error object; an answer that is not JSON shows as text."""

    def error_of(resp: requests.Response) -> str | None:
        if resp.status_code < 400:
            return None
        try:
            err = resp.json().get("error") or {}
        except ValueError:
            return f"HTTP {resp.status_code}: {resp.text[:200]}"
        return describe(resp.status_code, err)

    return error_of
