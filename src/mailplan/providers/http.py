"""The HTTP client every REST provider shares: retries within a budget that follows the provider's
documented limits, Retry-After honoured, each wait shown as progress, secrets redacted from every
error, and a count of calls (tests assert it).

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

from mailplan.i18n import Msg, plural_msg
from mailplan.notes import waiting
from mailplan.providers.base import ProviderError
from mailplan.providers.redact import redact, redact_value

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class ApiError(ProviderError):
    def __init__(self, message: str, status: int = 0, code: str = "", body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.body = body


class RetryableApiError(ApiError):
    """Raised by an ``error_of`` decoder for errors the API says to retry (rate limits in a 200 body)."""


def pause(seconds: float) -> None:
    """Every wait of a provider goes through here, looked up at call time (tests move a fake's clock)."""
    time.sleep(seconds)


def now() -> float:
    """The clock a provider paces its calls by, looked up at call time (tests read a fake's clock)."""
    return time.monotonic()


@dataclass
class RetryPolicy:
    """How long requests may keep trying: sized by each provider from its documented limits.

    A wait is the server's Retry-After when it sends one (honoured as it is), else an exponential
    backoff capped at ``max_delay``. One request gives up when its next wait would take its waits
    past ``max_total``, so a per-minute quota (Google, Exmail) is waited out but an hourly one is
    not; and all requests of a run together wait at most ``run_budget``, so a provider that is
    down makes a run fail within minutes instead of waiting the full budget once per change.
    Since every change is idempotent, the next run finishes what a run gave up on.
    """

    attempts: int = 12
    base_delay: float = 0.5  # doubled each attempt
    max_delay: float = 30.0  # cap of one backoff wait (not of a Retry-After)
    max_total: float = 120.0  # the waits of one request
    timeout: float = 30.0  # per request
    run_budget: float = 900.0  # the waits of every request of the run


# The documented limits each provider's policy follows (docs/reliability.md has the sources).
# Google: per-minute quotas (Directory 2,400 queries/min per user; Gmail 15,000 units/min per user),
# retried with exponential backoff up to 64 s ("Exponential backoff", Admin SDK and Gmail limits pages).
GOOGLE_POLICY = RetryPolicy(base_delay=1.0, max_delay=64.0, max_total=180.0)
# Microsoft Graph: 429 with Retry-After; identity writes are counted per 2.5 minutes.
MICROSOFT_POLICY = RetryPolicy(base_delay=2.0, max_delay=60.0, max_total=300.0)
# Tencent Exmail: 500 calls a minute per API and company (errcode 45009, no Retry-After): a minute clears it.
EXMAIL_POLICY = RetryPolicy(base_delay=2.0, max_delay=32.0, max_total=130.0)
# Alibaba Mail: 40 calls a second per domain (HTTP 429): seconds clear it.
ALIMAIL_POLICY = RetryPolicy(base_delay=0.5, max_delay=8.0, max_total=60.0)
# NetEase Qiye: rate-limit error codes are documented, their numbers are not (unverified): waited out like a
# per-minute quota.
NETEASE_POLICY = RetryPolicy(base_delay=2.0, max_delay=32.0, max_total=130.0)
# Zoho Mail: 30 calls a minute (secondary sources, unverified) answered 429; a minute clears it.
ZOHO_POLICY = RetryPolicy(base_delay=2.0, max_delay=32.0, max_total=90.0)


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
    sleep: Callable[[float], None] = lambda seconds: pause(seconds)
    calls: Counter[str] = field(default_factory=Counter)  # "GET /path" -> count
    session: requests.Session = field(default_factory=requests.Session)
    label: str = ""  # the provider, in progress lines ("google-workspace")
    waited: float = 0.0  # seconds waited by every request so far (the run's budget)

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
        """Send one logical request; retry 429/5xx/timeouts within the policy; raise ApiError on a final
        failure, with every secret redacted from it.

        ``auth`` supplies the auth headers of each attempt; it is called with True after a 401
        to get a fresh token (an expired OAuth token), and the request is sent once more.
        """
        try:
            return self._request(method, path, params, json, data, headers, error_of, auth)
        except ApiError as exc:
            exc.args = (redact(str(exc)),)
            exc.body = redact_value(exc.body)
            raise

    def _request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Any,
        headers: Mapping[str, str] | None,
        error_of: Callable[[requests.Response], str | None] | None,
        auth: Callable[[bool], Mapping[str, str]] | None,
    ) -> requests.Response:
        url = path if path.startswith("http") else self.base_url.rstrip("/") + "/" + path.lstrip("/")
        refreshed = False
        waited = 0.0
        last: str = ""
        for attempt in range(self.policy.attempts):
            self.calls[f"{method} {path.split('?')[0]}"] += 1
            hinted: float | None = None
            try:
                resp = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=data,
                    headers={**self.headers, **(auth(False) if auth else {}), **(headers or {})},
                    timeout=self.policy.timeout,
                )
            except (requests.Timeout, requests.ConnectionError) as exc:  # TLS failures are ConnectionErrors
                last = f"{method} {url}: {type(exc).__name__}: {exc}"
            except requests.RequestException as exc:  # a URL it cannot send to: no retry helps
                raise ApiError(f"{method} {url}: {type(exc).__name__}: {exc}") from None
            else:
                if resp.status_code == 401 and auth and not refreshed:
                    refreshed = True
                    auth(True)
                    last = f"{method} {url}: HTTP 401 {_short(resp)}"
                    continue  # resend at once with the fresh token
                if resp.status_code in RETRY_STATUSES:
                    hinted = retry_after_seconds(resp.headers.get("Retry-After"))
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
            delay = hinted if hinted is not None else min(self.policy.max_delay, self.policy.base_delay * (2**attempt))
            why = self._no_more_waiting(attempt, waited, delay)
            if why:
                raise ApiError(self._gave_up(why, attempt + 1, waited, delay, last))
            self._wait(delay, attempt, waited, last)
            waited += delay
        raise AssertionError("unreachable: the last attempt gives up above")

    def _no_more_waiting(self, attempt: int, waited: float, delay: float) -> str:
        """Why the request stops here ("" to wait and try again): the attempts, the request's waits or the run's."""
        if attempt + 1 >= self.policy.attempts:
            return "attempts"
        if waited + delay > self.policy.max_total:
            return "request"
        if self.waited + delay > self.policy.run_budget:
            return "run"
        return ""

    def _gave_up(self, why: str, attempts: int, waited: float, delay: float, last: str) -> Msg:
        """Why the request gave up, and the last answer (the provider's, quoted as it came)."""
        facts = {"waited": f"{waited:.1f}", "last": last, "delay": f"{delay:.0f}",
                 "most": f"{self.policy.max_total:.0f}", "budget": f"{self.waited:.0f}"}  # fmt: skip
        if why == "attempts":
            return plural_msg("gave up after {count} attempt ({waited}s waited; no attempts left): {last}",
                              "gave up after {count} attempts ({waited}s waited; no attempts left): {last}",
                              attempts, **facts)  # fmt: skip
        if why == "request":
            return plural_msg(
                "gave up after {count} attempt ({waited}s waited; the next wait of {delay}s would pass the {most}s "
                "this provider allows): {last}",
                "gave up after {count} attempts ({waited}s waited; the next wait of {delay}s would pass the {most}s "
                "this provider allows): {last}",
                attempts, **facts)  # fmt: skip
        return plural_msg(
            "gave up after {count} attempt ({waited}s waited; this run has waited {budget}s for this provider "
            "already, its budget): {last}",
            "gave up after {count} attempts ({waited}s waited; this run has waited {budget}s for this provider "
            "already, its budget): {last}",
            attempts, **facts)  # fmt: skip

    def _wait(self, delay: float, attempt: int, waited: float, last: str) -> None:
        reason = redact(last.split(": ", 1)[1] if ": " in last else last)
        shown = {"provider": self.label or self.base_url, "reason": reason[:120], "delay": f"{delay:.0f}",
                 "attempt": attempt + 2, "total": f"{waited + delay:.0f}", "most": f"{self.policy.max_total:.0f}"}
        waiting(Msg("{provider}: {reason} — waiting {delay}s before attempt {attempt} ({total}s of at most {most}s)",
                    **shown))
        self.sleep(delay)
        self.waited += delay

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
                last = str(exc)
            shown = {"provider": self.label or self.base_url, "reason": last[:120], "delay": f"{delay:.0f}"}
            waiting(Msg("{provider}: {reason} — not visible yet, waiting {delay}s", **shown))
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
