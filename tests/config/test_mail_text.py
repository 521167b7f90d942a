"""Values that end up in mail headers hold no control characters; references are read only for secrets;
outside addresses follow RFC 5321 (issue 16). Each is what `mailplan validate` shows: exit 1, file:line:col."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mailplan.config import compile_config, load

from .conftest import BASE, BASE_LINES, Cli

L = BASE_LINES

HEADER = "ends up in a mail header, where a line break would start a new header — write it on one line"


@pytest.mark.parametrize(
    ("text", "line", "col", "what"),
    [
        ('people:\n  - {name: "张三\\r\\nBcc: all@evil.example"}\n', L + 2, 12, "people[0].name"),
        ('mailboxes:\n  - {address: info, name: "咨\\n询"}\n', L + 2, 27, "mailboxes[0].name"),
        ('groups:\n  - {address: team, name: "团队\\x1b[31m"}\n', L + 2, 27, "groups[0].name"),
        ("mailboxes:\n  - address: info\n    name: 咨询\n    auto_reply:\n"
         '      subject: "收到\\r\\nBcc: x@evil.example"\n      body: 谢谢\n', L + 5, 16,
         "mailboxes[0].auto_reply.subject"),
        ("policies:\n  offboarding:\n    auto_reply: {subject: \"{name}\\u2028left\", body: x}\n", L + 3, 27,
         "policies.offboarding.auto_reply.subject"),
        ("people:\n  - {name: 张三, left_on: 2026-01-01, auto_reply: {subject: \"再\\n见\", body: x}}\n", L + 2, 59,
         "people[0].auto_reply.subject"),
    ],
)  # fmt: skip
def test_a_control_character_in_a_header_value_is_refused_at_its_line(
    cli: Cli, text: str, line: int, col: int, what: str
) -> None:
    code, err = cli.validate(BASE + text)
    assert code == 1
    assert err[0].startswith(f"mailplan.yaml:{line}:{col}: {what}: holds the control character U+")
    assert err[0].endswith(HEADER + ", without control characters")


def test_the_organization_name_is_one_line_too(cli: Cli) -> None:
    code, err = cli.validate(BASE.replace("name: 华贸进出口有限公司", 'name: "华\\r\\n贸"'))
    assert code == 1
    assert err[0] == (f"mailplan.yaml:2:22: organization.name: holds the control character U+000D (carriage "
                      f"return); this text {HEADER}, without control characters")  # fmt: skip


def test_an_auto_reply_body_may_have_lines_but_no_other_control_characters(cli: Cli) -> None:
    ok = "mailboxes:\n  - address: info\n    name: 咨询\n    auto_reply: {subject: 收到, body: \"谢谢\\n\\tThanks\"}\n"
    assert cli.validate(BASE + ok) == (0, [])
    code, err = cli.validate(BASE + ok.replace("\\tThanks", "\\0Thanks"))
    assert (code, err[0]) == (1, f"mailplan.yaml:{L + 4}:37: mailboxes[0].auto_reply.body: holds the control "
                                 "character U+0000 (nul); only line breaks and tabs may appear in this text — "
                                 "remove it")  # fmt: skip


@pytest.mark.parametrize(
    ("member", "message"),
    [
        ("dmarc@@partner.example", "'dmarc@@partner.example' is not a valid mail address: more than one '@' — write "
                                   "dmarc@partner.example"),
        ('"a\\u0000b@partner.example"', "is not a valid mail address: the part before @ may hold letters"),
        ('"a b@partner.example"', "is not a valid mail address: the part before @ may hold letters"),
        ("a..b@partner.example", "is not a valid mail address: the part before @ may hold letters"),
    ],
)  # fmt: skip
def test_an_outside_address_must_be_an_address(cli: Cli, member: str, message: str) -> None:
    code, err = cli.validate(BASE + f"groups:\n  - {{address: team, name: T, members: [{member}]}}\n")
    assert code == 1
    assert err[0].startswith(f"mailplan.yaml:{L + 2}:40: member ")
    assert message in err[0]


# -- env:/file: references: only secret settings are read from them ----------------------------------------


def test_a_reference_in_a_setting_that_is_not_a_secret_is_refused(cli: Cli) -> None:
    text = BASE.replace("mx_host: mx.huamao-trade.com", "mx_host: env:MX_HOST")
    code, err = cli.validate(text, MX_HOST="mx.attacker.example")
    assert code == 1
    assert err[0] == (
        "mailplan.yaml:4:55: 'mx_host' is not a secret, so it cannot be read from env: (only secrets are) — write "
        "the value itself; env:NAME and file:PATH are for secret settings (password, secret, token, key, and names "
        "ending in _password, _secret, _token, _key or _passphrase)"
    )


def test_a_reference_in_a_list_setting_is_refused_at_the_item(cli: Cli) -> None:
    text = BASE.replace(
        "  mail: {type: local, database: mail.sqlite, mx_host: mx.huamao-trade.com}\n",
        "  mail: {type: local, database: mail.sqlite, mx_host: mx.huamao-trade.com}\n"
        "  dns: {type: zonefile, directory: zones, nameservers: [ns1.example.com., 'file:/etc/hostname']}\n",
    )
    code, err = cli.validate(text)
    assert code == 1
    assert err[0].startswith("mailplan.yaml:5:75: 'nameservers' is not a secret, so it cannot be read from file:")


def test_a_secret_setting_still_takes_a_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORP_SECRET", "s3cr3t")
    path = tmp_path / "mailplan.yaml"
    path.write_text(
        "version: 1\norganization: {name: X, primary_domain: example.com}\n"
        "providers: {mail: {type: tencent-exmail, corp_id: wm1, corp_secret: env:CORP_SECRET}}\n"
        "domains: {example.com: {mail: mail}}\n",
        encoding="utf-8",
    )
    desired = compile_config(load(path), dt.date(2026, 11, 1))
    assert desired.providers["mail"].settings["corp_secret"] == "s3cr3t"


def test_a_secret_file_that_is_a_device_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "mailplan.yaml"
    path.write_text(
        "version: 1\norganization: {name: X, primary_domain: example.com}\n"
        "providers: {mail: {type: tencent-exmail, corp_id: wm1, corp_secret: 'file:/dev/zero'}}\n"
        "domains: {example.com: {mail: mail}}\n",
        encoding="utf-8",
    )
    from mailplan.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        compile_config(load(path), dt.date(2026, 11, 1))
    assert str(info.value) == (
        f"{path}:3:69: cannot read the secret file '/dev/zero' (for 'corp_secret'): not a regular file — check the "
        "path (relative paths are relative to the config file) and its permissions"
    )
