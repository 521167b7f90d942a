"""A `type: zoho-mail` config as `mailplan validate` judges it: what Zoho cannot hold exactly is refused
before anything is read or written, with the line to fix; secrets only as references."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailplan.cli.main import build
from mailplan.providers.mail.zoho.settings import ZohoSettings

PROVIDER = """\
providers:
  mail:
    type: zoho-mail
    region: {region}
    zoid: "90000000001"
    client_id: 1000.ZOHOSELFCLIENT
    client_secret: {secret}
    refresh_token: env:ZOHO_REFRESH_TOKEN
"""
BASE = """\
version: 1
organization: {{name: 示例贸易, primary_domain: example.com}}
{provider}domains:
  example.com: {{mail: mail}}
people:
  - {{name: 张三{department}}}
  - {{name: 王芳}}
"""


def validate(tmp_path: Path, extra: str = "", region: str = "zoho.eu", secret: str = "env:ZOHO_SECRET",
             department: str = "") -> tuple[int, str]:  # fmt: skip
    provider = PROVIDER.format(region=region, secret=secret)
    text = BASE.format(provider=provider, department=department) + extra
    (tmp_path / "mailplan.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(build(), ["validate", str(tmp_path / "mailplan.yaml")])
    return result.exit_code, result.stdout + result.stderr


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOHO_SECRET", "s3cret")
    monkeypatch.setenv("ZOHO_REFRESH_TOKEN", "1000.refresh")


def test_a_plain_zoho_config_is_valid(tmp_path: Path) -> None:
    code, out = validate(tmp_path)
    assert code == 0, out


def test_departments_are_refused_on_zoho(tmp_path: Path) -> None:
    code, out = validate(tmp_path, "departments:\n  sales: {name: 销售部}\n", department=", department: sales")
    assert code == 1
    assert "mailplan.yaml:" in out and "does not support 'department'" in out and "Traceback" not in out


def test_only_listed_senders_is_refused_on_zoho(tmp_path: Path) -> None:
    extra = "groups:\n  - {address: board, name: Board, members: [zhangsan], post: senders, senders: [wangfang]}\n"
    code, out = validate(tmp_path, extra)
    assert code == 1 and "group.post.senders" in out


def test_a_group_with_an_outside_member_is_refused_on_zoho(tmp_path: Path) -> None:
    extra = "groups:\n  - {address: project, name: Project, members: [zhangsan, m.keller@keller-handel.example]}\n"
    code, out = validate(tmp_path, extra)
    assert code == 1 and "group.external" in out


def test_an_unknown_data_centre_is_named_at_its_line(tmp_path: Path) -> None:
    code, out = validate(tmp_path, region="zoho.ca")
    assert code == 1 and "mailplan.yaml:6:13:" in out and "zohocloud.ca" in out


def test_a_secret_written_in_the_file_is_refused(tmp_path: Path) -> None:
    code, out = validate(tmp_path, secret="plain-secret-in-git")
    assert code == 1 and "'client_secret' holds a secret written in the file" in out


@pytest.mark.parametrize(
    ("region", "mail", "accounts"),
    [
        ("zoho.com", "https://mail.zoho.com", "https://accounts.zoho.com"),
        ("zoho.eu", "https://mail.zoho.eu", "https://accounts.zoho.eu"),
        ("zoho.in", "https://mail.zoho.in", "https://accounts.zoho.in"),
        ("zoho.com.au", "https://mail.zoho.com.au", "https://accounts.zoho.com.au"),
        ("zoho.jp", "https://mail.zoho.jp", "https://accounts.zoho.jp"),
        ("zoho.com.cn", "https://mail.zoho.com.cn", "https://accounts.zoho.com.cn"),
        ("zohocloud.ca", "https://mail.zohocloud.ca", "https://accounts.zohocloud.ca"),
    ],
)
def test_each_data_centre_has_its_mail_and_accounts_hosts(region: str, mail: str, accounts: str) -> None:
    settings = ZohoSettings.model_validate(
        {"region": region, "zoid": "1", "client_id": "c", "client_secret": "s", "refresh_token": "r"}
    )
    assert (settings.api_root, settings.oauth_root) == (mail, accounts)
