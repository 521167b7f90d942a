"""A domain on each hosted provider, with the DKIM key its console shows written in the config: ``plan`` publishes
that key, ``apply`` writes it to a real BIND, and ``check`` — run with no provider secret set — finds the domain
clean (exit 0, the key examined and passed).

The mail provider is its fake (the same the provider tests use); the DNS is BIND on loopback, which also serves
the names the providers publish on their side (their MX hosts, SPF includes, Microsoft's DKIM targets), with
documentation addresses, as the internet would answer for them.

"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from check_modes import disagreements
from check_zones import rsa_key, txt
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_der_public_key
from test_check_bind import publish

from fakes import alimail, exmail, google, microsoft, netease, zoho
from mailplan.config.secrets import is_secret_key
from mailplan.dns.dkim_record import console_record
from servers.bind import BindServer, start_bind

pytestmark = pytest.mark.realstack

# What the providers publish on their side: zone -> zone text (MX hosts, SPF includes, DKIM targets).
VENDOR_ZONES = {
    "google.com": "smtp IN A 192.0.2.101\n" + txt("_spf", "v=spf1 ip4:192.0.2.0/24 ~all"),
    "outlook.com": ("msco-test.mail.protection IN A 192.0.2.102\nautodiscover IN A 192.0.2.103\n"
                    + txt("spf.protection", "v=spf1 ip4:198.51.100.0/24 -all")),
    "onmicrosoft.com": "",  # the DKIM keys Microsoft keeps for the tenant: added per test
    "qq.com": "mxbiz1 IN A 192.0.2.104\nmxbiz2 IN A 192.0.2.105\n" + txt("spf.mail", "v=spf1 ip4:192.0.2.0/25 ~all"),
    "aliyun.com": "".join(f"mx{i}.qiye IN A 192.0.2.11{i}\n" for i in (1, 2, 3)),
    "mxhichina.com": txt("spf", "v=spf1 ip4:203.0.113.0/24 -all"),
    "netease.com": "qiye163mx01.mxmail IN A 192.0.2.121\nqiye163mx02.mxmail IN A 192.0.2.122\n",
    "163.com": txt("spf", "v=spf1 ip4:203.0.113.128/25 -all"),
    "zoho.com": ("mx IN A 192.0.2.131\nmx2 IN A 192.0.2.132\nmx3 IN A 192.0.2.133\n"
                 + txt("@", "v=spf1 ip4:198.51.100.128/25 -all")),
}


def pkcs1(spki_b64: str) -> str:
    """The same key as an RSAPublicKey (PKCS#1) DER, which RFC 6376 names and some consoles show."""
    key = load_der_public_key(base64.b64decode(spki_b64))
    assert isinstance(key, rsa.RSAPublicKey)
    return base64.b64encode(key.public_bytes(Encoding.DER, PublicFormat.PKCS1)).decode()


def pem(spki_b64: str) -> str:
    lines = [spki_b64[i:i + 64] for i in range(0, len(spki_b64), 64)]
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"


KEY = rsa_key(2048)

# provider type -> (its fake's harness, the domain, the domain's dkim: block as the admin writes it)
Harness = Callable[[str], contextlib.AbstractContextManager[Any]]
HOSTED: dict[str, tuple[Harness, str, str]] = {
    # Google's Admin console shows the whole record; the selector defaults to "google"
    "google-workspace": (lambda d: google.harness(d), "googleco.test",
                         f'dkim: {{public_key: "v=DKIM1; k=rsa; p={KEY}"}}'),
    # Microsoft keeps the key: two CNAMEs to the tenant's selectors, no key in the config
    "microsoft-365": (lambda d: microsoft.harness(d), "msco.test", ""),
    # Exmail: the p= value alone, pasted wrapped over lines, read from a file
    "tencent-exmail": (lambda d: exmail.harness((d,)), "exmailco.test",
                       "dkim: {selector: s2025, public_key: file:exmail-dkim.txt}"),
    # Alibaba: the record as a zone file writes it, in quoted strings, with a PKCS#1 key, from the environment
    "alibaba-mail": (lambda d: alimail.harness((d,)), "alibabaco.test",
                     "dkim: {selector: aliyun-cn-hangzhou, public_key: env:MAILPLAN_TEST_DKIM}"),
    # NetEase: the p= value alone, inline
    "netease-qiye": (lambda d: netease.harness((d,)), "neteaseco.test",
                     f"dkim: {{selector: s20250101, public_key: \"p={KEY}\"}}"),
    # Zoho: the whole record, inline, under the selector named in the console
    "zoho-mail": (lambda d: zoho.harness((d,)), "zohoco.test",
                  f'dkim: {{selector: zmail, public_key: "v=DKIM1; k=rsa; p={KEY}"}}'),
}


SELECTORS = {"google-workspace": ["google"], "microsoft-365": ["selector1", "selector2"],
             "tencent-exmail": ["s2025"], "alibaba-mail": ["aliyun-cn-hangzhou"], "netease-qiye": ["s20250101"],
             "zoho-mail": ["zmail"]}


def config(provider_type: str, settings: dict[str, Any], domain: str, dkim: str, bind: BindServer) -> str:
    mail = "".join(f"\n    {k}: {json.dumps(f'env:MAILPLAN_TEST_{k.upper()}' if is_secret_key(k) else v)}"
                   for k, v in settings.items())
    tenant = "\n    tenant: contoso" if provider_type == "microsoft-365" else ""
    return f"""\
version: 1
organization: {{name: 示例贸易, primary_domain: {domain}}}
providers:
  mail:
    type: {provider_type}{mail}{tenant}
  dns: {{type: rfc2136, server: {bind.host}, port: {bind.port}, key_name: {bind.key_name},
         key_algorithm: {bind.key_algorithm}, key_secret: env:MAILPLAN_TEST_TSIG}}
domains:
  {domain}:
    mail: mail
    dns: dns
    dmarc: {{policy: reject, rua: [zhangsan@{domain}]}}
    {dkim}
people:
  - {{name: 张三}}
"""


@pytest.mark.parametrize("provider_type", list(HOSTED))
def test_console_key_is_planned_applied_and_checks_clean(provider_type: str, tmp_path: Path) -> None:
    harness, domain, dkim = HOSTED[provider_type]
    with start_bind([domain, *VENDOR_ZONES]) as bind, harness(domain) as h:
        for origin, body in VENDOR_ZONES.items():
            if body:
                publish(bind, origin, body)
        dashed = domain.replace(".", "-")
        publish(bind, "onmicrosoft.com", "".join(  # what Defender publishes for the tenant's two selectors
            txt(f"selector{n}-{dashed}._domainkey.contoso", f"v=DKIM1; k=rsa; p={KEY}") for n in (1, 2)))
        folder = tmp_path / "company"
        folder.mkdir()
        (folder / "exmail-dkim.txt").write_text("\n".join(KEY[i:i + 76] for i in range(0, len(KEY), 76)) + "\n")
        (folder / "mailplan.yaml").write_text(config(provider_type, h.settings, domain, dkim, bind), encoding="utf-8")
        secrets = {f"MAILPLAN_TEST_{k.upper()}": str(v) for k, v in h.settings.items() if is_secret_key(k)}
        secrets["MAILPLAN_TEST_TSIG"] = bind.key_secret
        quoted = f'"v=DKIM1; k=rsa; " "p={pkcs1(KEY)[:200]}" "{pkcs1(KEY)[200:]}"'

        def mailplan(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
            full = {**os.environ, "NO_COLOR": "1", "MAILPLAN_TEST_DKIM": quoted, **env}
            return subprocess.run([sys.executable, "-m", "mailplan", *args], cwd=folder, env=full,
                                  capture_output=True, text=True, timeout=300)

        plan = mailplan("plan", "--format", "json", env=secrets)
        assert plan.returncode == 0, plan.stderr
        records = {c["key"]: c for c in json.loads(plan.stdout)["changes"] if c["kind"] == "record"}
        dkim_records = {k: c for k, c in records.items() if "._domainkey/" in k}
        if provider_type == "microsoft-365":
            assert {k.split("/")[1] for k in dkim_records} == {"selector1._domainkey", "selector2._domainkey"}
        else:
            (change,) = dkim_records.values()
            (value,) = change["after"]["values"]
            assert value.startswith("v=DKIM1; k=rsa; p=") and console_record(value) == value
            published = value.split("p=", 1)[1]
            assert published in (KEY, pkcs1(KEY))  # the console's key itself, whatever form it was pasted in

        applied = mailplan("apply", "--auto-approve", env=secrets)
        assert applied.returncode == 0, applied.stdout[-2000:] + applied.stderr[-2000:]
        again = mailplan("plan", "--detailed-exitcode", env=secrets)
        assert again.returncode == 0, again.stdout + again.stderr

        # a DNS-only CI job: no provider secret, no TSIG key — check reads DNS and nothing else
        checked = mailplan("check", "--nameserver", f"{bind.host}:{bind.port}", "--format", "json", env={})
        assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-2000:]
        report = json.loads(checked.stdout)
        (findings,) = [d["findings"] for d in report["domains"]]
        status = {f["rule"]: f["status"] for f in findings}
        assert {status[r] for r in ("DK01", "DK02", "DK03", "DK04", "DK05", "DK06")} == {"pass"}, findings
        assert report["summary"] == {"error": 0, "warning": 0, "info": 0, "undecided": 0, "skipped": 0}, findings

        # the same zone checked without the config says the same
        selectors = SELECTORS[provider_type]
        alone = mailplan("check", "--domain", domain, *(a for s in selectors for a in ("--selector", s)),
                         "--nameserver", f"{bind.host}:{bind.port}", "--format", "json", env={})
        assert alone.returncode == 0, alone.stdout[-3000:] + alone.stderr[-2000:]
        assert disagreements(report, json.loads(alone.stdout), domain) == []


@pytest.fixture
def example_configs(tmp_path: Path) -> Iterator[Callable[[str], subprocess.CompletedProcess[str]]]:
    """``mailplan validate`` of a Google domain whose dkim: block is the argument (no provider is asked)."""
    env = {**os.environ, "NO_COLOR": "1", "MAILPLAN_TEST_SA": "{}"}

    def validate(dkim: str, mail_extra: str = "", more_domains: str = "") -> subprocess.CompletedProcess[str]:
        (tmp_path / "mailplan.yaml").write_text(f"""\
version: 1
organization: {{name: 示例贸易, primary_domain: example.com}}
providers:
  mail: {{type: google-workspace, service_account_key: env:MAILPLAN_TEST_SA,
          admin_email: admin@example.com{mail_extra}}}
  dns: {{type: zonefile, directory: zones, nameservers: [ns1.example.com.]}}
domains:
  example.com: {{mail: mail, dns: dns, {dkim}}}
{more_domains}people:
  - {{name: 张三}}
""", encoding="utf-8")
        return subprocess.run([sys.executable, "-m", "mailplan", "validate"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)

    yield validate


@pytest.mark.parametrize(
    ("dkim", "message"),
    [
        (f'dkim: {{public_key: "v=DKIM1; k=rsa; p={rsa_key(512)}"}}', "a 512-bit RSA key"),
        ('dkim: {public_key: "v=DKIM1; k=rsa; p=not base64!"}', "p= is not valid base64"),
        ('dkim: {public_key: "v=DKIM1; k=rsa; p="}', "p= is empty, which publishes a revoked key"),
        ('dkim: {public_key: "v=DKIM1; k=dsa; p=AAAA"}', "unknown key type k=dsa"),
        ('dkim: {public_key: "file:missing-key.txt"}', "cannot read the secret file 'missing-key.txt'"),
        ('dkim: {public_key: "env:MAILPLAN_TEST_UNSET_KEY"}', "environment variable 'MAILPLAN_TEST_UNSET_KEY'"),
        (f'dkim: {{enabled: false, public_key: "{KEY}"}}', "has dkim.enabled: false, so no key is published"),
    ],
)
def test_a_key_receivers_would_not_use_is_refused_where_it_is_written(
        example_configs: Callable[..., subprocess.CompletedProcess[str]], dkim: str, message: str) -> None:
    result = example_configs(dkim)
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stderr and "mailplan.yaml:8:" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_provider_level_key_for_several_domains_is_refused(
        example_configs: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    literal = example_configs("dkim: {}", f', dkim_public_key: "{KEY}"')  # inline: a public key is no secret
    assert literal.returncode == 0, literal.stderr
    shared = example_configs("dkim: {}", f', dkim_public_key: "{KEY}"',
                             "  example.net: {mail: mail, dns: dns}\n")
    assert shared.returncode == 1 and "each domain has its own key in the console" in shared.stderr, shared.stderr
    assert "domains.<domain>.dkim.public_key" in shared.stderr


@pytest.mark.parametrize(
    ("provider", "message"),
    [
        ("{type: local, database: mail.sqlite, mx_host: mx.example.com}", "mailplan generates and keeps"),
        ("{type: microsoft-365, tenant_id: t, client_id: c, client_secret: env:MAILPLAN_TEST_SA, tenant: contoso}",
         "Microsoft 365 publishes DKIM through the selector1/selector2 CNAMEs"),
        ("{type: tencent-exmail, corp_id: c, corp_secret: env:MAILPLAN_TEST_SA}", "no selector"),
    ],
)
def test_a_key_where_the_provider_takes_none_is_refused(tmp_path: Path, provider: str, message: str) -> None:
    (tmp_path / "mailplan.yaml").write_text(f"""\
version: 1
organization: {{name: 示例贸易, primary_domain: example.com}}
providers:
  mail: {provider}
  dns: {{type: zonefile, directory: zones, nameservers: [ns1.example.com.]}}
domains:
  example.com: {{mail: mail, dns: dns, dkim: {{public_key: "{KEY}"}}}}
people:
  - {{name: 张三}}
""", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mailplan", "validate"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "MAILPLAN_TEST_SA": "x"})
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("form", ["record", "p", "quoted", "pem", "pkcs1", "block"])
def test_every_accepted_form_publishes_the_key(form: str) -> None:
    wrapped = "\n".join(KEY[i:i + 64] for i in range(0, len(KEY), 64))
    pasted = {
        "record": f"v=DKIM1; k=rsa; p={KEY}",
        "p": KEY,
        "quoted": f'"v=DKIM1; k=rsa; " "p={KEY[:150]}" "{KEY[150:]}"',
        "pem": pem(KEY),
        "pkcs1": f"v=DKIM1; k=rsa; p={pkcs1(KEY)}",
        "block": f"v=DKIM1; k=rsa;\n  p={wrapped}\n",
    }[form]
    expected = f"v=DKIM1; k=rsa; p={pkcs1(KEY) if form == 'pkcs1' else KEY}"
    assert console_record(pasted) == expected
