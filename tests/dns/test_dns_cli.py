"""What `validate`, `check` and `mta-sts` tell a user about DNS, without any server: refusals that name the
provider and the feature, notes on what was adapted or only estimated, clear errors for a bad nameserver, and
the MTA-STS policy file to host."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from mailplan.cli.main import build
from mailplan.dns import mtasts

ALIDNS = "{type: alidns, access_key_id: LTAI5tExample, access_key_secret: env:MAILPLAN_TEST_ALI_SECRET}"
DNSPOD = "{type: dnspod, secret_id: AKIDexample, secret_key: env:MAILPLAN_TEST_DNSPOD_KEY}"
ZONEFILE = "{type: zonefile, directory: zones, nameservers: [ns1.example.com.]}"


def write_config(tmp_path: Path, dns: str, domains: str, mail: str | None = None) -> Path:
    mail = mail or "{type: local, database: mail.sqlite, mx_host: mx.example.com}"
    config = tmp_path / "mailplan.yaml"
    config.write_text(
        "version: 1\n"
        "organization: {name: 示例贸易, primary_domain: example.com}\n"
        f"providers:\n  mail: {mail}\n  dns: {dns}\n"
        f"domains:\n{domains}"
        "people:\n  - {name: 张三}\n",
        encoding="utf-8",
    )
    return config


def run(*args: str) -> Result:
    env = {"MAILPLAN_TEST_ALI_SECRET": "s3cret", "MAILPLAN_TEST_DNSPOD_KEY": "s3cret", "NO_COLOR": "1"}
    return CliRunner().invoke(build(), list(args), env=env)


PARKED = (
    "  example.com: {mail: mail, dns: dns}\n"
    "  example-parked.com: {mail: mail, dns: dns, sends_mail: false, receives_mail: false}\n"
)


@pytest.mark.parametrize("dns", [ALIDNS, DNSPOD])
def test_parked_domain_on_an_api_without_preference_0_is_refused_by_validate(tmp_path: Path, dns: str) -> None:
    result = run("validate", str(write_config(tmp_path, dns, PARKED)))
    assert result.exit_code == 1, result.output
    provider_type = dns.split(",")[0].split()[-1]
    assert f"provider 'dns' ({provider_type}) does not support 'record.MX.null'" in result.output
    assert "example-parked.com/@/MX" in result.output and "mailplan.yaml:" in result.output
    assert "Traceback" not in result.output


def test_parked_domain_on_a_zone_file_is_valid(tmp_path: Path) -> None:
    result = run("validate", str(write_config(tmp_path, ZONEFILE, PARKED)))
    assert result.exit_code == 0, result.output


def test_microsoft_365_mx_0_on_dnspod_is_noted(tmp_path: Path) -> None:
    mail = "{type: microsoft-365, tenant_id: t-0000, client_id: c-1111, client_secret: env:MAILPLAN_TEST_DNSPOD_KEY}"
    # a receive-only alias domain: no tenant given, and none needed
    domains = "  example.com: {mail: mail}\n  example.cn: {alias_of: example.com, dns: dns}\n"
    result = run("validate", str(write_config(tmp_path, DNSPOD, domains, mail)))
    assert result.exit_code == 0, result.output
    assert ("note: domain example.cn: dnspod accepts MX preferences from 1 only, so "
            "'MX 0 example-cn.mail.protection.outlook.com.' is published as "
            "'MX 1 example-cn.mail.protection.outlook.com.'") in result.output


def test_offline_spf_count_is_noted_as_a_lower_bound(tmp_path: Path) -> None:
    domains = "  example.com: {mail: mail, dns: dns, spf: {include: [spf.crm.example]}}\n"
    config = write_config(tmp_path, ZONEFILE, domains)
    for command in ("validate", "plan"):
        result = run(command, str(config))
        assert result.exit_code == 0, result.output
        assert ("note: domain example.com: SPF needs at least 2 of the 10 DNS lookups allowed; this is a lower "
                "bound, since include:spf.crm.example was not followed") in result.stderr
        assert "--spf-resolver system" in result.stderr
        assert result.stdout.count("note:") == 0  # stdout stays the plan


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "-d", "example.com", "--nameserver", "127.0.0.1:abc"), "the port 'abc' is not a number"),
        (("check", "-d", "example.com", "--nameserver", "127.0.0.1:70000"), "the port '70000' is not a number"),
        (("check", "-d", "example.com", "--nameserver", "ns.nowhere.invalid"), "cannot find the address of"),
        (("check", "-d", "example.com", "--nameserver", "[::1"), "write HOST, HOST:PORT or [IPv6]:PORT"),
        (("validate", "CONFIG", "--spf-resolver", "127.0.0.1:abc"), "the port 'abc' is not a number"),
    ],
)
def test_bad_nameserver_is_a_clear_error(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    config = write_config(tmp_path, ZONEFILE, "  example.com: {mail: mail, dns: dns}\n")
    result = run(*(str(config) if a == "CONFIG" else a for a in args))
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


STS = (
    "  example.com: {mail: mail, dns: dns, mta_sts: {mode: enforce, max_age: 86400}}\n"
    "  example.org: {mail: mail, dns: dns}\n"
)


def test_mta_sts_prints_the_policy_the_record_announces(tmp_path: Path) -> None:
    config = write_config(tmp_path, ZONEFILE, STS)
    result = run("mta-sts", str(config))
    assert result.exit_code == 0, result.output
    text = "version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: 86400\r\n"
    assert result.stdout_bytes == text.encode()  # byte for byte, CRLF kept
    assert "https://mta-sts.example.com/.well-known/mta-sts.txt" in result.stderr
    assert f'_mta-sts.example.com TXT "{mtasts.sts_txt(text)}"' in result.stderr
    planned = run("plan", str(config), "--format", "json")  # the record the plan publishes names this very text
    assert mtasts.sts_txt(text) in planned.stdout


def test_mta_sts_writes_the_file_to_host(tmp_path: Path) -> None:
    config = write_config(tmp_path, ZONEFILE, STS)
    out = tmp_path / "site"
    result = run("mta-sts", str(config), "--domain", "example.com", "--out", str(out))
    assert result.exit_code == 0, result.output
    written = out / "example.com" / ".well-known" / "mta-sts.txt"
    assert written.read_bytes() == b"version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: 86400\r\n"


@pytest.mark.parametrize(
    ("domains", "args", "message"),
    [
        (STS, ("--domain", "example.org"), "domain example.org has no MTA-STS policy"),
        (STS, ("--domain", "example.net"), "example.net is not a domain in"),
        ("  example.com: {mail: mail, dns: dns}\n", (), "no domain has an MTA-STS policy"),
    ],
)
def test_mta_sts_without_a_policy_is_a_clear_error(tmp_path: Path, domains: str, args: tuple[str, ...],
                                                   message: str) -> None:
    result = run("mta-sts", str(write_config(tmp_path, ZONEFILE, domains)), *args)
    assert result.exit_code == 1 and message in result.output, result.output
