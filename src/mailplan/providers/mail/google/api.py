"""HTTP access to the Google APIs mailplan uses: URLs, the error object, paging, 404-after-write.

Error body (every Google REST API):
``{"error":{"code":404,"message":"...","errors":[{"reason":"notFound",...}],"status":"NOT_FOUND"}}``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mailplan.providers.base import ProviderError
from mailplan.providers.http import ApiError, HttpClient, RetryableApiError, json_error_of

from .auth import TokenSource

# API name -> (production host, path prefix). A ``base_url`` setting replaces every host.
ROOTS: dict[str, tuple[str, str]] = {
    "directory": ("https://admin.googleapis.com", "/admin/directory/v1/"),
    "groupssettings": ("https://www.googleapis.com", "/groups/v1/groups/"),
    "gmail": ("https://gmail.googleapis.com", "/gmail/v1/"),
    "vault": ("https://vault.googleapis.com", "/v1/"),
}

# 403/429 reasons Google documents as "retry with exponential backoff" (Directory and Gmail limits pages).
RETRY_REASONS = frozenset(
    {
        "rateLimitExceeded",
        "userRateLimitExceeded",
        "quotaExceeded",
        "backendError",
        "internalError",
        "transientError",
    }
)


def error_reason(exc: ApiError) -> str:
    """The first ``errors[].reason`` of a Google error, or ``""``."""
    body = exc.body if isinstance(exc.body, dict) else {}
    errors = (body.get("error") or {}).get("errors") or [{}]
    return str(errors[0].get("reason", ""))


def _describe(status: int, err: dict[str, Any]) -> str:
    reasons = [e.get("reason", "") for e in err.get("errors") or []]
    message = f"HTTP {status} {','.join(r for r in reasons if r) or err.get('status', '')}: " + str(
        err.get("message", "")
    )
    if status in (403, 429) and RETRY_REASONS.intersection(reasons):
        raise RetryableApiError(message, status=status)
    return message


google_error = json_error_of(_describe)


class GoogleApi:
    """One authenticated caller for Directory, Groups Settings, Gmail and Vault."""

    def __init__(
        self, http: HttpClient, admin_tokens: TokenSource, gmail_tokens: TokenSource, admin: str, base_url: str | None
    ) -> None:
        self.http = http
        self.admin_tokens = admin_tokens  # Directory, Groups Settings, Vault: act as the admin
        self.gmail_tokens = gmail_tokens  # Gmail settings: act as the mailbox owner
        self.admin = admin
        self.base_url = base_url.rstrip("/") if base_url else None

    def url(self, api: str, path: str) -> str:
        host, prefix = ROOTS[api]
        return (self.base_url or host) + prefix + path.lstrip("/")

    def call(
        self,
        api: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        subject: str | None = None,
        fresh: bool = False,
    ) -> Any:
        """Send one request as ``subject`` (default: the admin); return the decoded JSON or None.

        ``fresh`` marks a call on an object created moments ago: a 404 is then
        retried for a bounded time instead of failing at once.
        """
        send = self.http.request_new if fresh else self.http.request
        tokens = self.gmail_tokens if api == "gmail" else self.admin_tokens
        resp = send(
            method,
            self.url(api, path),
            params=params,
            json=body,
            error_of=google_error,
            auth=tokens.headers_for(subject or self.admin),
        )
        return resp.json() if resp.content else None

    def attempts(self, api: str, method: str, path: str) -> int:
        """How often ``method path`` has been sent so far: the shared client resends on its own."""
        return self.http.calls[f"{method} {self.url(api, path)}"]

    def pages(
        self,
        api: str,
        path: str,
        items: str,
        params: Mapping[str, Any],
        subject: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every item of a paged list (``pageToken`` / ``nextPageToken``)."""
        query = dict(params)
        while True:
            page = self.call(api, "GET", path, params=query, subject=subject) or {}
            yield from page.get(items) or []
            token = page.get("nextPageToken")
            if not token:
                return
            query["pageToken"] = token


def exists_already(exc: ApiError) -> bool:
    return exc.status == 409 or error_reason(exc) == "duplicate"


def not_found(exc: ApiError) -> bool:
    return exc.status == 404


def fail(message: str) -> ProviderError:
    return ProviderError(f"google-workspace: {message}")
