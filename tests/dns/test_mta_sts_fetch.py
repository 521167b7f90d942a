"""The MTA-STS policy fetched as a sender fetches it: the policy host's address from a real BIND, the file from a
real HTTPS server on loopback whose certificate is signed by a test CA the check trusts through SSL_CERT_FILE. The
connection is sent to the server's port with ``--connect-to`` (as curl's); the certificate is still verified for
``mta-sts.<domain>``. A policy that is wrong, unreachable for senders, or not what the config derives is found by
its rule; one that cannot be fetched from here is "not checked"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from check_zones import good_body, txt
from test_check_bind import publish
from typer.testing import CliRunner, Result

from mailplan.cli.main import build
from mailplan.dns import mtasts
from servers.bind import BindServer, start_bind
from servers.common import free_port
from servers.https_policy import LoopbackCa, PolicyServer, Served, make_ca, serve_policies

pytestmark = pytest.mark.realstack
Lab = tuple[BindServer, PolicyServer, LoopbackCa, list[str]]  # the server, the policy site, its CA, --connect-to


def policy(mode: str = "enforce", mx: str = "mx.{d}", max_age: int = 604800) -> str:
    return f"version: STSv1\r\nmode: {mode}\r\nmx: {mx}\r\nmax_age: {max_age}\r\n"


def sts_zone(served_mx: str = "mx.{origin}") -> str:
    """The good zone, with MTA-STS and TLS-RPT announced and the policy host on loopback."""
    return (good_body() + "mta-sts IN A 127.0.0.1\n" + txt("_mta-sts", "v=STSv1; id=20250101")
            + txt("_smtp._tls", "v=TLSRPTv1; rua=mailto:tls@{origin}")).replace("mx.{origin}", served_mx)


# zone -> (what the HTTPS server serves for mta-sts.<zone>, the rules that must fail, with their severity)
CASES: dict[str, tuple[Served | None, dict[str, str]]] = {
    "sts-good.test": (Served(policy(mx="mx.sts-good.test")), {}),
    "sts-wildcard.test": (Served(policy(mx="*.sts-wildcard.test")), {}),
    "sts-wrongmx.test": (Served(policy(mx="mail.elsewhere.test")), {"STS04": "error"}),
    "sts-testing.test": (Served(policy("testing", "mail.elsewhere.test")), {"STS04": "warning"}),
    "sts-badsyntax.test": (Served("version: STSv1\r\nmode: strict\r\nmax_age: 99999999999\r\n"), {"STS03": "error"}),
    "sts-html.test": (Served(policy(mx="mx.sts-html.test"), content_type="text/html"), {"STS05": "warning"}),
    "sts-redirect.test": (Served("", 302, headers={"Location": "https://elsewhere.test/"}), {"STS02": "error"}),
    "sts-missing.test": (None, {"STS02": "error"}),  # the server answers 404
    "sts-badcert.test": (Served(policy(mx="mx.sts-badcert.test")), {"STS02": "error"}),
}
NO_ADDRESS = "sts-noaddr.test"  # mta-sts.<zone> has no A record
DOWN = "sts-down.test"  # the address answers, nothing listens on the port


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    folder = tmp_path_factory.mktemp("sts")
    ca = make_ca(folder)
    zones = [*CASES, NO_ADDRESS, DOWN]
    served = {f"mta-sts.{z}": s for z, (s, _) in CASES.items() if s is not None}
    with start_bind(zones) as bind, serve_policies(ca, sorted(served), served, folder) as https, \
            serve_policies(ca, ["mta-sts.elsewhere.test"], served, folder) as wrong_name:
        for zone in [*CASES, DOWN]:
            publish(bind, zone, sts_zone())
        announced = txt("_mta-sts", "v=STSv1; id=1") + txt("_smtp._tls", "v=TLSRPTv1; rua=mailto:t@x.test")
        publish(bind, NO_ADDRESS, good_body() + announced)
        connect = [f"mta-sts.sts-badcert.test:443::{wrong_name.port}", f"mta-sts.{DOWN}:443::{free_port()}",
                   f":443::{https.port}"]
        yield bind, https, ca, [arg for rule in connect for arg in ("--connect-to", rule)]


def check(lab: Lab, *args: str) -> Result:
    bind, _, ca, connect = lab
    return CliRunner().invoke(build(), ["check", *args, "--nameserver", f"{bind.host}:{bind.port}", *connect,
                                        "--format", "json"], env={"SSL_CERT_FILE": str(ca.path), "NO_COLOR": "1"})


def findings(result: Result, domain: str) -> dict[str, list[dict[str, Any]]]:
    (report,) = [d for d in json.loads(result.stdout)["domains"] if d["domain"] == domain]
    out: dict[str, list[dict[str, Any]]] = {}
    for finding in report["findings"]:
        out.setdefault(finding["rule"], []).append(finding)
    return out


@pytest.mark.parametrize("zone", sorted(CASES))
def test_each_policy_is_judged_by_its_rule(lab: Lab,
                                           zone: str) -> None:
    result = check(lab, "--domain", zone, "--selector", "mail")
    found = findings(result, zone)
    failed = {rule: f["severity"] for rule, fs in found.items() for f in fs if f["status"] == "fail"}
    sts = {rule: severity for rule, severity in failed.items() if rule.startswith("STS")}
    assert sts == CASES[zone][1], found
    if not sts:  # a good policy: every policy rule ran and passed, and the check is clean
        assert {r: found[r][0]["status"] for r in ("STS02", "STS03", "STS04", "STS05")} == dict.fromkeys(
            ("STS02", "STS03", "STS04", "STS05"), "pass")
        assert result.exit_code == 0, result.output
    assert not [f for fs in found.values() for f in fs if f["status"] == "unknown"]


def test_the_policy_was_asked_for_by_its_host_name(lab: Lab) -> None:
    check(lab, "--domain", "sts-good.test", "--selector", "mail")
    assert ("mta-sts.sts-good.test", "/.well-known/mta-sts.txt") in lab[1].requests


def test_a_certificate_for_another_name_is_refused(lab: Lab) -> None:
    (sts02,) = findings(check(lab, "--domain", "sts-badcert.test", "--selector", "mail"), "sts-badcert.test")["STS02"]
    assert "not valid for mta-sts.sts-badcert.test" in sts02["message"], sts02


def test_untrusted_ca_is_refused(lab: Lab) -> None:
    bind, _, _, connect = lab
    result = CliRunner().invoke(build(), ["check", "-d", "sts-good.test", "--selector", "mail", "--nameserver",
                                          f"{bind.host}:{bind.port}", *connect, "--format", "json"])
    (sts02,) = findings(result, "sts-good.test")["STS02"]
    assert sts02["status"] == "fail" and "certificate" in sts02["message"], sts02  # the system store lacks our CA


def test_a_redirect_is_not_followed(lab: Lab) -> None:
    (sts02,) = findings(check(lab, "--domain", "sts-redirect.test"), "sts-redirect.test")["STS02"]
    assert "302" in sts02["message"] and "redirect" in sts02["message"]
    assert not any(host == "elsewhere.test" for host, _ in lab[1].requests)


def test_no_address_for_the_policy_host_is_the_domains_problem(
        lab: Lab) -> None:
    (sts02,) = findings(check(lab, "--domain", NO_ADDRESS), NO_ADDRESS)["STS02"]
    assert sts02["status"] == "fail" and f"policy: mta-sts.{NO_ADDRESS} has no address (A or AAAA)" in sts02["message"]


def test_a_fetch_that_cannot_be_made_is_not_checked(lab: Lab) -> None:
    result = check(lab, "--domain", DOWN, "--selector", "mail")
    assert result.exit_code == 1, result.output  # the check did not finish
    found = findings(result, DOWN)
    for rule in ("STS02", "STS03", "STS04", "STS05"):
        assert [f["status"] for f in found[rule]] == ["unknown"], found[rule]
        assert found[rule][0]["found"].startswith(f"GET https://mta-sts.{DOWN}/.well-known/mta-sts.txt: cannot connect")
    assert "could not be checked" in result.stderr and f"GET https://mta-sts.{DOWN}" in result.stderr


CONFIG = """\
version: 1
organization: {{name: 示例贸易, primary_domain: sts-config.test}}
providers:
  mail: {{type: local, database: mail.sqlite, mx_host: mx.sts-config.test}}
  dns: {{type: rfc2136, server: {host}, port: {port}, key_name: {key_name}, key_algorithm: {algorithm},
         key_secret: env:MAILPLAN_TEST_TSIG}}
domains:
  sts-config.test:
    mail: mail
    dns: dns
    mta_sts: {{mode: enforce, max_age: 86400}}
    tls_rpt: {{rua: [tls@sts-config.test]}}
    dmarc: {{policy: reject, rua: [dmarc@sts-config.test]}}
people:
  - {{name: 张三}}
aliases:
  - {{address: dmarc, to: [zhangsan]}}
  - {{address: tls, to: [zhangsan]}}
"""


def test_config_mode_compares_the_served_policy_with_the_config(tmp_path: Path) -> None:
    ca = make_ca(tmp_path)
    with start_bind(["sts-config.test"]) as bind:
        publish(bind, "sts-config.test", "mx IN A 192.0.2.25\nmta-sts IN A 127.0.0.1\n")
        config = tmp_path / "mailplan.yaml"
        config.write_text(CONFIG.format(host=bind.host, port=bind.port, key_name=bind.key_name,
                                        algorithm=bind.key_algorithm), encoding="utf-8")
        env = {"MAILPLAN_TEST_TSIG": bind.key_secret, "SSL_CERT_FILE": str(ca.path), "NO_COLOR": "1"}
        runner = CliRunner()
        assert runner.invoke(build(), ["apply", str(config), "--auto-approve"], env=env).exit_code == 0
        text = runner.invoke(build(), ["mta-sts", str(config)], env=env).stdout_bytes.decode()
        assert text == mtasts.policy_text("enforce", ["mx.sts-config.test"], 86400)
        served = {"mta-sts.sts-config.test": Served(text)}
        with serve_policies(ca, ["mta-sts.sts-config.test"], served, tmp_path) as https:
            args = ["check", str(config), "--nameserver", f"{bind.host}:{bind.port}", "--connect-to",
                    f":443::{https.port}", "--format", "json"]
            clean = runner.invoke(build(), args, env=env)
            assert clean.exit_code == 0, clean.output
            found = findings(clean, "sts-config.test")
            assert {r: found[r][0]["status"] for r in ("STS02", "STS03", "STS04", "STS05", "STS06")} == dict.fromkeys(
                ("STS02", "STS03", "STS04", "STS05", "STS06"), "pass")

            served["mta-sts.sts-config.test"] = Served(text.replace("\r\n", "\n"))  # the same policy, LF ends
            same = runner.invoke(build(), args, env=env)
            assert same.exit_code == 0, same.output
            (note,) = findings(same, "sts-config.test")["STS06"]
            assert (note["status"], note["severity"]) == ("fail", "info"), note

            served["mta-sts.sts-config.test"] = Served(policy("testing", "mx.sts-config.test", 86400))
            changed = runner.invoke(build(), args, env=env)
            assert changed.exit_code == 2, changed.output
            (drift,) = findings(changed, "sts-config.test")["STS06"]
            assert drift["status"] == "fail" and "mode: enforce" in drift["expected"]
            assert "mode: testing" in drift["found"]
