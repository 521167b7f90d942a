"""Microsoft Graph access: client-credentials token, the error object, ``@odata.nextLink`` paging.

Error body: ``{"error":{"code":"Request_ResourceNotFound","message":"...","innerError":{...}}}``.
Throttling: 429 with ``Retry-After`` (handled by the shared HttpClient).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from mailplan.providers import redact
from mailplan.providers.base import ProviderError
from mailplan.providers.http import ApiError, HttpClient, json_error_of

GRAPH = "https://graph.microsoft.com/v1.0"
LOGIN = "https://login.microsoftonline.com"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


graph_error = json_error_of(lambda status, err: f"HTTP {status} {err.get('code', '')}: {err.get('message', '')}")


def error_code(exc: ApiError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    return str((body.get("error") or {}).get("code", ""))


def error_message(exc: ApiError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    return str((body.get("error") or {}).get("message", ""))


def exists_already(exc: ApiError) -> bool:
    """Graph says "already exists" with 400 Request_BadRequest (duplicate UPN, member, nickname) or 409."""
    return exc.status == 409 or (exc.status == 400 and "already exist" in error_message(exc))


def fail(message: str) -> ProviderError:
    return ProviderError(f"microsoft-365: {message}")


@dataclass
class ClientCredentials:
    """OAuth client-credentials grant against Entra ID: a client secret, or a client assertion
    (a federated token, e.g. GitHub Actions OIDC, so no secret lives anywhere)."""

    http: HttpClient
    token_url: str
    client_id: str
    client_secret: str | None = None
    client_assertion: str | None = None
    clock: Callable[[], float] = time.time
    _token: tuple[str, float] | None = field(default=None, repr=False)

    def __call__(self, refresh: bool) -> Mapping[str, str]:
        now = self.clock()
        if self._token is None or refresh or self._token[1] - 60 < now:
            form = {
                "client_id": self.client_id,
                "scope": "https://graph.microsoft.com/.default",
                "grant_type": "client_credentials",
            }
            if self.client_assertion:
                form |= {"client_assertion_type": CLIENT_ASSERTION_TYPE, "client_assertion": self.client_assertion}
            else:
                form["client_secret"] = self.client_secret or ""
            body = self.http.request("POST", self.token_url, data=form, error_of=_token_error).json()
            redact.register(body.get("access_token"))
            self._token = (str(body["access_token"]), now + float(body.get("expires_in", 3600)))
        return {"Authorization": f"Bearer {self._token[0]}"}


def _token_error(resp: requests.Response) -> str | None:
    if resp.status_code < 400:
        return None
    try:
        body = resp.json()
        # error_description starts with the AADSTS code, which is what one searches for.
        return f"token request refused: {body.get('error')}: {str(body.get('error_description', ''))[:300]}"
    except ValueError:
        return f"token request refused: HTTP {resp.status_code}"


class GraphApi:
    def __init__(self, http: HttpClient, base_url: str, auth: ClientCredentials) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.auth = auth  # per request, not on the client: the token request itself goes without it

    def call(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None, fresh: bool = False
    ) -> Any:
        """One Graph request; ``fresh`` marks an object created moments ago (a 404 is waited out)."""
        send = self.http.request_new if fresh else self.http.request
        url = path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
        resp = send(method, url, params=params, json=body, error_of=graph_error, auth=self.auth)
        return resp.json() if resp.content else None

    def attempts(self, method: str, path: str) -> int:
        """How often ``method path`` has been sent so far: the shared client resends on its own."""
        return self.http.calls[f"{method} {self.base_url}/{path.lstrip('/')}"]

    def pages(self, path: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item of a collection, following ``@odata.nextLink`` (which carries the query)."""
        page = self.call("GET", path, params=params) or {}
        while True:
            yield from page.get("value") or []
            link = page.get("@odata.nextLink")
            if not link:
                return
            page = self.call("GET", link) or {}

    @staticmethod
    def ref(object_id: str) -> dict[str, str]:
        return {"@odata.id": f"{GRAPH}/directoryObjects/{object_id}"}
