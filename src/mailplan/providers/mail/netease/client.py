"""Calls to NetEase's ``qiyeservice`` API and the ``suc`` / ``con`` / ``error_code`` envelope.

Every call is a POST of form parameters, signed (``signing.py``); the answer is HTTP 200 with
``{"suc": true, "con": ...}``, or ``{"suc": false, "error_code": "..."}``. No public source lists the
``error_code`` strings, so they are recognised by what they say (``NOTEXIST`` ...) rather than matched
exactly, and every error a person must act on names the code NetEase sent.
"""

from __future__ import annotations

from typing import Any

import requests

from mailplan.providers.http import ApiError, HttpClient, RetryableApiError

# Words of an error_code saying to wait and send again: the open platform's REQUEST_FREQUENCY_TOO_HIGH
# (-422/-423), a busy or failing system.
RETRY_WORDS = ("FREQUENCY", "BUSY", "SYSTEM_ERROR", "SYSTEM.ERROR", "TIMEOUT")
NOT_FOUND_WORDS = ("NOTEXIST", "NOT_EXIST", "NOTFOUND", "NOT_FOUND")
# What a person does about an error no retry will fix: (words of the error_code, what to do).
HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("AUTH",), "NetEase refused the request's signature or time: check that private_key is the key whose "
                "public half NetEase holds, that product and domain are the ones NetEase gave with it, and this "
                "machine's clock"),
    (("SIGN",), "NetEase refused the request's signature: check private_key, product and domain"),
    (("IP_", "IP.", "IPDENY"), "NetEase refused the calling address: ask NetEase to add this machine's public IP "
                               "to the API's allowlist"),
    (("PERMISSION",), "this API is not open to your enterprise: ask NetEase to grant it"),
    (("FREQUENCY",), "NetEase's call-frequency limit: run again in a few minutes"),
)  # fmt: skip


class NeteaseError(ApiError):
    """An answer with ``suc: false``; ``code`` is NetEase's ``error_code``."""

    @property
    def not_found(self) -> bool:
        return any(word in self.code.upper() for word in NOT_FOUND_WORDS)


def _succeeded(body: dict[str, Any]) -> bool:
    return body.get("suc") in (True, 1, "1", "true")


def describe(code: str) -> str:
    hint = next((text for words, text in HINTS if any(w in code.upper() for w in words)), "")
    return f"error_code {code or '(none)'}" + (f" ({hint})" if hint else "")


def decode_error(resp: requests.Response) -> str | None:
    """The HttpClient ``error_of`` hook: raise on ``suc: false``; retryable codes are sent again."""
    if resp.status_code >= 400:
        return f"HTTP {resp.status_code}: {resp.text[:200]}"
    try:
        body = resp.json()
    except ValueError:
        return f"answer is not JSON: {resp.text[:200]}"
    if not isinstance(body, dict):
        return f"answer is not a JSON object: {resp.text[:200]}"
    if _succeeded(body):
        return None
    code = str(body.get("error_code") or "")
    if any(word in code.upper() for word in RETRY_WORDS):
        raise RetryableApiError(describe(code), status=resp.status_code, code=code, body=body)
    raise NeteaseError(describe(code), status=resp.status_code, code=code, body=body)


class NeteaseClient:
    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def call(self, api: str, **params: Any) -> Any:
        """``api`` (``module/method``) with ``params``; the answer's ``con`` (None when it has none)."""
        form = {k: _text(v) for k, v in params.items() if v is not None}
        resp = self.http.request("POST", api, data=form, error_of=decode_error)
        return resp.json().get("con")

    def attempts(self, api: str) -> int:
        """How often ``api`` has been sent so far: the shared client resends on its own."""
        return self.http.calls[f"POST {api}"]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
