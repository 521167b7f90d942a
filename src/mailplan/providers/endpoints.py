"""Where a provider may send its credentials: its documented hosts, or what the environment allows.

``plan`` runs in CI on pull requests, with the real credentials, before anyone has
reviewed the change. An endpoint setting in the config file (``base_url``,
``login_url``, ``api_url``; a service-account key's ``token_uri``) must therefore
not be able to send them elsewhere: in the file, an endpoint may only name one of
the provider's documented hosts, over HTTPS. Any other endpoint — a fake in the
tests, a proxy, a self-hosted PowerDNS — must also be allowed outside the file, in
the environment of the run:

    MAILPLAN_ALLOW_ENDPOINTS=https://ns1.example.net:8081,http://127.0.0.1

Each entry is an origin (``scheme://host[:port]``); without a port it allows every
port of that host. An entry is matched against the scheme, host and port of the
endpoint, never as a text prefix (``https://api.exmail.qq.com.evil.example`` is not
``https://api.exmail.qq.com``).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from mailplan.i18n import Msg

ALLOW_ENV = "MAILPLAN_ALLOW_ENDPOINTS"
# The token endpoint a Google service-account key names (its ``token_uri``).
GOOGLE_TOKEN_HOSTS = ("oauth2.googleapis.com", "accounts.google.com")


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower().rstrip("."), port


def allowed_by_environment(url: str) -> bool:
    found = _origin(url)
    if found is None:
        return False
    for entry in os.environ.get(ALLOW_ENV, "").split(","):
        allowed = _origin(entry) if entry.strip() else None
        if allowed is None:
            continue
        scheme, host, port = allowed
        if (scheme, host) == found[:2] and port in (None, found[2]):
            return True
    return False


def problem(setting: str, url: str, hosts: tuple[str, ...]) -> str | None:
    """Why ``url`` may not be used for ``setting`` (None when it may). ``hosts`` are the documented
    host names (``*`` patterns allowed); none means the provider is self-hosted: any host, but only
    when the environment allows it."""
    if allowed_by_environment(url):
        return None
    found = _origin(url)
    if found is not None and hosts and found[0] == "https" and any(fnmatch.fnmatch(found[1], h) for h in hosts):
        return None
    allow = ALLOW_ENV + "=<scheme>://<host>[:<port>]"
    if hosts:
        return Msg("{setting}: {url} is not one of the documented hosts ({hosts}) over https; an endpoint the config "
                   "file names could send the provider's credentials elsewhere, so any other one must also be allowed "
                   "in the environment of the run: {allow} (comma-separated)",
                   setting=setting, url=repr(url), hosts=", ".join(hosts), allow=allow)  # fmt: skip
    return Msg("{setting}: {url} is not the provider's host; an endpoint the config file names could send the "
               "provider's credentials elsewhere, so any other one must also be allowed in the environment of the "
               "run: {allow} (comma-separated)", setting=setting, url=repr(url), allow=allow)  # fmt: skip


def problems(settings: Mapping[str, object], endpoints: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Setting -> why its endpoint is refused, for each endpoint setting present in ``settings``."""
    found: dict[str, str] = {}
    for setting, hosts in endpoints.items():
        value = settings.get(setting)
        if isinstance(value, str) and value:
            why = problem(setting, value, hosts)
            if why:
                found[setting] = why
    return found
