"""An endpoint named in the config file cannot send the credentials elsewhere: only the provider's
documented hosts, unless the environment of the run allows another one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fakes.exmail import ExmailFake
from fakes.google import GoogleFake
from mailplan.cli.main import build
from mailplan.providers.endpoints import ALLOW_ENV

CONFIG = """\
version: 1
organization: {{name: Example, primary_domain: example.com}}
state_dir: state
providers:
  mail:
    type: tencent-exmail
    corp_id: wm-corp-1
    corp_secret: env:EXMAIL_TEST_SECRET
    base_url: {base_url}
domains:
  example.com: {{mail: mail}}
people:
  - {{name: 张三}}
"""


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build(), list(args))
    return result.exit_code, result.stdout + result.stderr


def test_a_pull_request_cannot_point_a_provider_at_its_own_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ExmailFake(domains=("example.com",)) as fake:  # the attacker's host, as far as this test goes
        monkeypatch.setenv("EXMAIL_TEST_SECRET", fake.corp_secret)
        monkeypatch.delenv(ALLOW_ENV, raising=False)
        config = tmp_path / "mailplan.yaml"
        config.write_text(CONFIG.format(base_url=fake.url + "/cgi-bin/"), encoding="utf-8")
        for command in ("validate", "plan"):
            code, out = _run(command, str(config))
            assert code == 1, out
            assert f"{config}:9:15: base_url: '{fake.url}/cgi-bin/' is not one of the documented hosts" in out
            assert "api.exmail.qq.com" in out and ALLOW_ENV in out
        assert fake.total() == 0  # nothing, not even the token request, was sent

        monkeypatch.setenv(ALLOW_ENV, "http://127.0.0.1")  # allowed outside the file: the tests' way
        code, out = _run("plan", str(config))
        assert code == 0, out
        assert fake.count("GET /cgi-bin/gettoken") >= 1


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.exmail.qq.com/cgi-bin/", True),
        ("http://api.exmail.qq.com/cgi-bin/", False),  # the documented host, but in the clear
        ("https://api.exmail.qq.com.evil.example/cgi-bin/", False),
        ("https://evil.example/api.exmail.qq.com/", False),
    ],
)
def test_only_the_documented_host_over_https_passes_in_the_file(
    url: str, ok: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXMAIL_TEST_SECRET", "s3cret-value")
    monkeypatch.delenv(ALLOW_ENV, raising=False)
    config = tmp_path / "mailplan.yaml"
    config.write_text(CONFIG.format(base_url=url), encoding="utf-8")
    code, out = _run("validate", str(config))
    assert (code == 0) is ok, out


def test_the_token_uri_inside_a_google_key_is_held_to_googles_hosts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = GoogleFake()  # not started: nothing may be sent anyway
    key = json.loads(fake.service_account_json_for("https://oauth2.googleapis.com.evil.example"))
    monkeypatch.setenv("GWS_TEST_KEY", json.dumps(key))
    monkeypatch.setenv(ALLOW_ENV, "http://127.0.0.1")
    config = tmp_path / "mailplan.yaml"
    config.write_text(
        "version: 1\norganization: {name: Example, primary_domain: example.com}\nproviders:\n"
        "  mail: {type: google-workspace, service_account_key: env:GWS_TEST_KEY, admin_email: admin@example.com,"
        " base_url: 'http://127.0.0.1:9'}\ndomains:\n  example.com: {mail: mail}\n",
        encoding="utf-8",
    )
    code, out = _run("plan", str(config))
    assert code == 1
    assert "token_uri (in the service account key)" in out and "oauth2.googleapis.com" in out
    assert key["private_key"].splitlines()[1] not in out
