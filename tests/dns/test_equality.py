"""Record values are compared by meaning: written another way (tag order, case, spacing, separators, split
strings, a stated default), a value is no change for ``plan`` and a note for ``check``; a value that says
something else is drift for both. On a real BIND, through the ``mailplan`` command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import dns.update
import pytest
from typer.testing import CliRunner, Result

from mailplan.cli.main import build
from mailplan.dns.equality import same_values
from servers.bind import BindServer, start_bind
from servers.https_policy import Served, make_ca, serve_policies


@pytest.mark.parametrize(
    ("live", "wanted"),
    [
        ("v=DMARC1; p=reject;", "v=DMARC1; p=reject"),
        ("v=DMARC1;p=reject;rua=mailto:d@EXAMPLE.com", "v=DMARC1; p=reject; rua=mailto:d@example.com"),
        ("v=DMARC1; rua=mailto:b@x.test,mailto:a@x.test; p=Reject",
         "v=DMARC1; p=reject; rua=mailto:a@x.test,mailto:b@x.test"),
        ("v=DMARC1; p=reject; sp=reject; pct=100; adkim=r", "v=DMARC1; p=reject"),
        ("v=spf1  MX include:_SPF.Google.com  -all", "v=spf1 mx include:_spf.google.com -all"),
        ("v=spf1 +mx ip4:192.0.2.1/32 redirect=_spf.x.test", "v=spf1 redirect=_spf.x.test mx ip4:192.0.2.1"),
        ("v=DKIM1; p=MIIB IjAN; k=rsa", "v=DKIM1; k=rsa; p=MIIBIjAN"),
        ("v=DKIM1; p=MIIBIjAN", "v=DKIM1; k=rsa; p=MIIBIjAN"),
        ("v=STSv1;id=20250101;", "v=STSv1; id=20250101"),
        ("v=TLSRPTv1; rua=mailto:tls@EXAMPLE.com", "v=TLSRPTv1; rua=mailto:tls@example.com"),
    ],
)
def test_the_same_meaning_written_another_way(live: str, wanted: str) -> None:
    assert same_values("TXT", [live], [wanted])


@pytest.mark.parametrize(
    ("live", "wanted"),
    [
        ("v=DMARC1; p=quarantine", "v=DMARC1; p=reject"),
        ("v=DMARC1; p=reject; rua=mailto:D@example.com", "v=DMARC1; p=reject; rua=mailto:d@example.com"),
        ("v=DMARC1; p=reject; pct=50", "v=DMARC1; p=reject"),
        ("v=spf1 include:a.test mx -all", "v=spf1 mx include:a.test -all"),  # mechanisms are tried in order
        ("v=spf1 mx ~all", "v=spf1 mx -all"),
        ("v=spf1 exists:%{S}.x.test -all", "v=spf1 exists:%{s}.x.test -all"),  # macro letters mean something
        ("v=DKIM1; k=rsa; p=MIIBIjAN", "v=DKIM1; k=rsa; p=MIIBIjAM"),
        ("v=STSv1; id=20250102", "v=STSv1; id=20250101"),
        ("v=DMARC1;; p=reject", "v=DMARC1; p=reject"),  # an empty tag inside: not a form receivers agree on
    ],
)
def test_a_different_meaning_is_different(live: str, wanted: str) -> None:
    assert not same_values("TXT", [live], [wanted])


ZONE = "eq.test"


def config_text(server: BindServer) -> str:
    return f"""\
version: 1
organization: {{name: 示例贸易, primary_domain: {ZONE}}}
providers:
  mail: {{type: local, database: mail.sqlite, mx_host: mx.{ZONE}}}
  dns: {{type: rfc2136, server: {server.host}, port: {server.port}, key_name: {server.key_name},
         key_algorithm: {server.key_algorithm}, key_secret: env:MAILPLAN_TEST_TSIG}}
domains:
  {ZONE}:
    mail: mail
    dns: dns
    spf: {{all: -all}}
    dmarc: {{policy: reject, rua: [dmarc@{ZONE}]}}
    mta_sts: {{mode: testing}}
    tls_rpt: {{rua: [tls@{ZONE}]}}
people:
  - {{name: 张三}}
aliases:
  - {{address: dmarc, to: [zhangsan]}}
  - {{address: tls, to: [zhangsan]}}
"""


@pytest.fixture
def applied(tmp_path: Path) -> Iterator[tuple[BindServer, Path, dict[str, str]]]:
    """The config applied to BIND, its MTA-STS policy served over HTTPS; ``--connect-to`` in the env's CHECK_ARGS."""
    ca = make_ca(tmp_path)
    policies: dict[str, Served] = {}
    with start_bind([ZONE]) as server, serve_policies(ca, [f"mta-sts.{ZONE}"], policies, tmp_path) as https:
        update = dns.update.UpdateMessage(ZONE, keyring=server.keyring, keyname=server.key_name,
                                          keyalgorithm=server.key_algorithm)
        update.add("mx", 3600, "A", "192.0.2.25")
        update.add("mta-sts", 3600, "A", "127.0.0.1")
        assert dns.query.tcp(update, server.host, port=server.port, timeout=5).rcode() == dns.rcode.NOERROR
        config = tmp_path / "mailplan.yaml"
        config.write_text(config_text(server), encoding="utf-8")
        env = {"MAILPLAN_TEST_TSIG": server.key_secret, "NO_COLOR": "1", "SSL_CERT_FILE": str(ca.path)}
        result = CliRunner().invoke(build(), ["apply", str(config), "--auto-approve"], env=env)
        assert result.exit_code == 0, result.output
        policy = CliRunner().invoke(build(), ["mta-sts", str(config)], env=env)
        policies[f"mta-sts.{ZONE}"] = Served(policy.stdout_bytes.decode())
        yield server, config, {**env, "CONNECT_TO": f":443::{https.port}"}


def rewrite(server: BindServer, name: str, *strings: str) -> None:
    """Replace the TXT at ``name`` by hand, as someone at the DNS console would: the same TTL, other bytes."""
    update = dns.update.UpdateMessage(ZONE, keyring=server.keyring, keyname=server.key_name,
                                      keyalgorithm=server.key_algorithm)
    update.replace(name, 3600, "TXT", " ".join(json.dumps(s) for s in strings))
    assert dns.query.tcp(update, server.host, port=server.port, timeout=5).rcode() == dns.rcode.NOERROR


def txt(server: BindServer, name: str) -> str:
    """The TXT value at ``name``, its strings joined, asked straight of the server."""
    reply = dns.query.udp(dns.message.make_query(f"{name}.{ZONE}", "TXT"), server.host, port=server.port, timeout=3)
    (rrset,) = reply.answer
    (rdata,) = list(rrset)
    return b"".join(rdata.strings).decode()


def mailplan(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(build(), list(args), env=env)


@pytest.mark.realstack
def test_a_value_written_another_way_is_a_note_not_drift(applied: tuple[BindServer, Path, dict[str, str]]) -> None:
    server, config, env = applied
    key = txt(server, "mail._domainkey").split("p=", 1)[1]
    sts_id = txt(server, "_mta-sts").split("id=", 1)[1]
    rewrite(server, "@", "v=spf1 +MX  -all")
    rewrite(server, "_dmarc", "v=DMARC1;rua=mailto:dmarc@EQ.TEST;", "p=reject;")  # and split in two strings
    spaced = f"v=DKIM1; p={key[:100]} {key[100:]}; k=rsa"  # a space in the key, k= last, other string cuts
    rewrite(server, "mail._domainkey", *(spaced[i:i + 200] for i in range(0, len(spaced), 200)))
    rewrite(server, "_mta-sts", f"v=STSv1;id={sts_id};")
    rewrite(server, "_smtp._tls", f"v=TLSRPTv1;  rua=mailto:tls@{ZONE.upper()}")

    plan = mailplan(env, "plan", str(config), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output  # nothing to change
    for name in (ZONE, f"_dmarc.{ZONE}", f"mail._domainkey.{ZONE}", f"_mta-sts.{ZONE}", f"_smtp._tls.{ZONE}"):
        assert f"note: {name} TXT: the live value" in plan.stderr, (name, plan.stderr)
    assert "it is left as it is" in plan.stderr
    assert mailplan(env, "drift", str(config)).exit_code == 0
    assert txt(server, "_dmarc") == "v=DMARC1;rua=mailto:dmarc@EQ.TEST;p=reject;"  # untouched

    check = mailplan(env, "check", str(config), "--nameserver", f"{server.host}:{server.port}", "--strict",
                     "--connect-to", env["CONNECT_TO"], "--format", "json")
    assert check.exit_code == 0, check.output
    report = json.loads(check.stdout)
    notes = {f["rule"] for d in report["domains"] for f in d["findings"] if f["status"] == "fail"}
    assert notes == {"SPF16", "DK01", "CFG01"}
    assert {f["severity"] for d in report["domains"] for f in d["findings"] if f["status"] == "fail"} == {"info"}
    assert report["summary"]["info"] == 5 and report["summary"]["error"] == 0


@pytest.mark.realstack
def test_a_value_that_says_something_else_is_drift(applied: tuple[BindServer, Path, dict[str, str]]) -> None:
    server, config, env = applied
    rewrite(server, "_dmarc", "v=DMARC1; p=quarantine; rua=mailto:dmarc@eq.test")
    plan = mailplan(env, "plan", str(config), "--detailed-exitcode", "--format", "json")
    assert plan.exit_code == 2, plan.output
    (change,) = json.loads(plan.stdout)["changes"]
    assert change["key"].startswith(f"{ZONE}/_dmarc/TXT")
    check = mailplan(env, "check", str(config), "--nameserver", f"{server.host}:{server.port}", "--connect-to",
                     env["CONNECT_TO"])
    assert check.exit_code == 2 and "CFG01" in check.stdout, check.output
