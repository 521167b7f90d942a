"""The one redaction step: secrets out of every error built from a request.

It knows two things:
- every secret *value* of this run: each setting resolved from ``env:``/``file:``, each
  provider setting whose key names a secret, each access token fetched and each password
  generated — matched plain, URL-encoded (both ways) and JSON-escaped, and for a
  multi-line secret (a PEM private key) line by line;
- every *parameter* the providers' APIs carry secrets in — Exmail's ``corpsecret`` and
  ``access_token`` in the query string, the OAuth ``client_secret``, ``client_assertion``
  and ``assertion`` in form bodies, a ``password`` in a JSON body, and the
  ``Authorization`` / ``X-API-Key`` headers — whose values are blanked whatever they are.

``HttpClient`` passes every error it raises through ``redact`` (the message and the decoded
body), apply passes every failure message through it, and the CLI every error it prints.
"""

from __future__ import annotations

import json
import re
import threading
from urllib.parse import quote, quote_plus

from mailplan.i18n import Msg

MASK = "***"
SECRET_KEYS = frozenset({"password", "secret", "token", "key", "api_key", "client_secret", "private_key"})
SECRET_SUFFIXES = ("_password", "_secret", "_token", "_key", "_passphrase")
# The public half of a key pair is published (a DKIM key in DNS): it may be written in the file.
PUBLIC_SUFFIXES = ("public_key",)
# Request parameters (query string, form and JSON fields) the providers' APIs carry secrets in.
SECRET_PARAMS = (
    "corpsecret",  # Exmail gettoken
    "access_token",  # Exmail calls; OAuth token answers
    "refresh_token",
    "id_token",
    "client_secret",  # OAuth client credentials (Microsoft, Alibaba Mail)
    "client_assertion",  # a federated token (Microsoft)
    "assertion",  # Google's signed JWT
    "password",  # a new user's initial password (Exmail, Alibaba Mail, Google, Graph)
    "private_key",
    "login_token",  # DNSPod's legacy API
)
_PARAMS = "|".join(SECRET_PARAMS)
_QUERY = re.compile(rf"(?i)\b({_PARAMS})=([^&\s'\"]+)")
_JSON = re.compile(rf'(?i)("({_PARAMS})"\s*:\s*")((?:[^"\\]|\\.)*)(")')
SECRET_HEADERS = ("authorization", "x-api-key", "cookie", "proxy-authorization")
_HEADER = re.compile(r"(?i)\b(authorization['\"]?\s*[:=]\s*['\"]?(?:bearer|basic)?\s*)([A-Za-z0-9._~+/=-]{8,})")
_BEARER = re.compile(r"(?i)\b(bearer\s+)([A-Za-z0-9._~+/=-]{8,})")
_API_KEY = re.compile(r"(?i)\b(x-api-key['\"]?\s*[:=]\s*['\"]?)([^\s'\",}]+)")
_MIN_LENGTH = 6  # shorter values are too likely to be ordinary words

_values: set[str] = set()
_lock = threading.Lock()


def is_secret_key(key: str) -> bool:
    """Whether a setting named ``key`` holds a secret (and must be a reference in the config)."""
    k = key.lower()
    return (k in SECRET_KEYS or k.endswith(SECRET_SUFFIXES)) and not k.endswith(PUBLIC_SUFFIXES)


def register(value: object) -> None:
    """Remember a secret value of this run: from now on it is blanked out of every error."""
    if not isinstance(value, str) or len(value.strip()) < _MIN_LENGTH:
        return
    forms = {value, value.strip(), quote(value, safe=""), quote(value), quote_plus(value), json.dumps(value)[1:-1]}
    if "\n" in value.strip():  # a PEM key: a line of it is secret too
        forms |= {line.strip() for line in value.splitlines() if len(line.strip()) >= 16}
        forms |= {line.strip() for line in json.dumps(value)[1:-1].split("\\n") if len(line.strip()) >= 16}
    with _lock:
        _values.update(f for f in forms if len(f) >= _MIN_LENGTH)


def register_settings(settings: object) -> None:
    """Register every value of a provider's settings whose key names a secret (nested too)."""
    if isinstance(settings, dict):
        for key, value in settings.items():
            if is_secret_key(str(key)):
                register(value)
            register_settings(value)


def redact(text: str) -> str:
    """``text`` with every known secret value and every secret parameter's value blanked out (a ``Msg``: in its
    parameters, so that it stays a message to translate)."""
    if isinstance(text, Msg):
        return text.mapped(lambda value: redact(value) if isinstance(value, str) else value)
    with _lock:
        values = sorted(_values, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    text = _QUERY.sub(lambda m: f"{m[1]}={MASK}", text)
    text = _JSON.sub(lambda m: f"{m[1]}{MASK}{m[4]}", text)
    text = _HEADER.sub(lambda m: f"{m[1]}{MASK}", text)
    text = _BEARER.sub(lambda m: f"{m[1]}{MASK}", text)
    return _API_KEY.sub(lambda m: f"{m[1]}{MASK}", text)


def redact_value(value: object) -> object:
    """A decoded JSON body with ``redact`` applied to every string in it."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        hidden = (*SECRET_PARAMS, *SECRET_HEADERS)
        return {k: MASK if str(k).lower() in hidden else redact_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    return value
