"""No secret in an error: every provider driven into every error path — connection refused, a timeout, a
TLS failure, 401 and 5xx answers that quote the whole request back — with a canary secret, through
`plan --out`, `apply` and `drift`. The canary (plain and URL-encoded) never shows in stdout, stderr, the
plan file or anything in the state folder (the journal)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from fakes.server import FakeServer, Request, Response
from mailplan.cli.main import build
from mailplan.config.secrets import is_secret_key
from mailplan.providers.endpoints import ALLOW_ENV

CANARY = "canary-S3cr3t/+&=%-7f1d"  # characters that change when URL-encoded


def _pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _google_key(url: str) -> str:
    pem = _pem().encode()
    return json.dumps({"type": "service_account", "client_email": "mp@p.iam.gserviceaccount.com",
                       "private_key_id": "k1", "private_key": pem.decode(), "token_uri": url + "/token"})  # fmt: skip


# provider type -> (role, settings pointing at ``url``)
SETTINGS: dict[str, tuple[str, Callable[[str], dict[str, Any]]]] = {
    "google-workspace": ("mail", lambda url: {"service_account_key": _google_key(url), "admin_email": "a@example.com",
                                              "base_url": url}),
    "microsoft-365": ("mail", lambda url: {"tenant_id": "t1", "client_id": "c1", "client_secret": CANARY,
                                           "base_url": url + "/v1.0", "login_url": url}),
    "tencent-exmail": ("mail", lambda url: {"corp_id": "wm1", "corp_secret": CANARY, "function_secret": CANARY + "fn",
                                            "base_url": url + "/cgi-bin/"}),
    "alibaba-mail": ("mail", lambda url: {"client_id": "app-1", "client_secret": CANARY, "base_url": url}),
    "zoho-mail": ("mail", lambda url: {"region": "zoho.com", "zoid": "1", "client_id": "1000.C1",
                                       "client_secret": CANARY, "refresh_token": CANARY + "fn",
                                       "base_url": url, "accounts_url": url}),
    "netease-qiye": ("mail", lambda url: {"domain": "example.com", "product": "example_com", "private_key": _pem(),
                                          "api_url": url + "/qiyeservice/api"}),
    "cloudflare": ("dns", lambda url: {"api_token": CANARY, "base_url": url + "/client/v4"}),
    "dnspod": ("dns", lambda url: {"secret_id": "AKIDcanary", "secret_key": CANARY, "endpoint": url}),
    "alidns": ("dns", lambda url: {"access_key_id": "LTAIcanary", "access_key_secret": CANARY, "endpoint": url}),
    "powerdns": ("dns", lambda url: {"api_url": url + "/api/v1", "api_key": CANARY}),
}  # fmt: skip


# These sign each request with the secret (HMAC): the secret itself never travels.
SIGNED = frozenset({"dnspod", "alidns", "netease-qiye"})


class Echo(FakeServer):
    """Answers every request with ``status`` and a body quoting the request: query, headers and body."""

    def __init__(self, status: int, delay: float = 0.0) -> None:
        super().__init__()
        self.status, self.delay = status, delay
        self.received: list[str] = []

    def handle(self, req: Request) -> Response:
        body = req.body.decode(errors="replace")
        self.received.append(f"{req.raw_path} {req.query} {req.headers} {body} {parse_qs(body)}")
        echo = {"error": "refused", "message": f"{req.method} {req.raw_path}?{req.query} {req.headers} {body}"}
        return Response(self.status, echo, delay=self.delay)


@contextmanager
def endpoint(path: str) -> Iterator[tuple[str, Echo | None]]:
    if path == "refused":
        with Echo(200) as closed:
            url = closed.url
        yield url, None  # nobody listens there any more
    elif path == "tls":
        with Echo(200) as plain:
            yield plain.url.replace("http://", "https://"), None  # TLS spoken to a plain HTTP server
    else:
        status, delay = {"timeout": (200, 1.0), "401": (401, 0.0), "5xx": (503, 0.0)}[path]
        with Echo(status, delay) as echo:
            yield echo.url, echo


def _config(folder: Path, provider_type: str, settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Path:
    role = SETTINGS[provider_type][0]
    lines = [f"    type: {provider_type}"]
    for key, value in settings.items():
        if is_secret_key(key):
            monkeypatch.setenv(f"CANARY_{key.upper()}", str(value))
            value = f"env:CANARY_{key.upper()}"
        lines.append(f"    {key}: {json.dumps(value)}")
    block = "\n".join(lines)
    local = "  mail: {type: local, database: mail.sqlite, mx_host: mail.example.com}\n"
    providers = f"  mail:\n{block}\n" if role == "mail" else f"{local}  dns:\n{block}\n"
    dns = "" if role == "mail" else ", dns: dns"
    text = (
        "version: 1\norganization: {name: Example, primary_domain: example.com}\nstate_dir: state\n"
        f"providers:\n{providers}domains:\n  example.com: {{mail: mail{dns}}}\npeople:\n  - {{name: 张三}}\n"
    )
    config = folder / "mailplan.yaml"
    config.write_text(text, encoding="utf-8")
    return config


@pytest.mark.parametrize("path", ["refused", "timeout", "tls", "401", "5xx"])
@pytest.mark.parametrize("provider_type", list(SETTINGS))
def test_a_canary_secret_never_leaves_in_an_error(
    provider_type: str, path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ALLOW_ENV, "http://127.0.0.1,https://127.0.0.1")
    monkeypatch.setattr("mailplan.providers.http.pause", lambda seconds: None)  # retries without the waits
    real_request = requests.Session.request

    def quick(self: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
        return real_request(self, method, url, **{**kwargs, "timeout": 0.3})  # a timeout in a third of a second

    monkeypatch.setattr(requests.Session, "request", quick)
    with endpoint(path) as (url, echo):
        settings = SETTINGS[provider_type][1](url)
        config = _config(tmp_path, provider_type, settings, monkeypatch)
        outputs = []
        for args in (["plan", "--out", str(tmp_path / "plan.json")], ["apply", "--auto-approve"], ["drift"]):
            result = CliRunner().invoke(build(), [args[0], str(config), *args[1:]], env={"MAILPLAN_TODAY": ""})
            assert result.exit_code == 1, result.stdout + result.stderr
            outputs += [result.stdout, result.stderr]
        files = [p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".sqlite"]
        seen = "\n".join(outputs + files)
        secrets = {CANARY, CANARY + "fn"} | _google_secrets(settings)
        if echo is not None and path in ("401", "5xx"):
            sent = "\n".join(echo.received)
            secrets |= _assertions(sent)  # Google's signed JWT: a credential of its own
            if provider_type not in SIGNED:  # else the echo quotes the secret: the redaction is what is tested
                assert any(s in sent or quote_plus(s) in sent for s in secrets), "the secret was never sent"
        assert "error" in seen
        for secret in secrets:
            for form in (secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]):
                assert form not in seen, f"{provider_type} {path}: {form!r} leaked"


def _google_secrets(settings: dict[str, Any]) -> set[str]:
    """The lines of a private key (Google's inside its service-account key, NetEase's as it is)."""
    key = settings.get("service_account_key")
    pem = json.loads(key)["private_key"] if key else settings.get("private_key", "")
    return {line for line in pem.splitlines() if len(line) > 40}


def _assertions(sent: str) -> set[str]:
    return set(re.findall(r"\bassertion=([^&\s']+)", sent))
