"""The example company's mail records on every DNS provider, through the ``mailplan`` command: apply writes
the full record set, the re-plan is empty, and a site-verification TXT someone added by hand at the apex
(and a web A record) survive apply and re-plan. The zones hold the mail server's own A record, as a real
zone does: BIND refuses an MX whose in-zone target has no address."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dns.query
import dns.rcode
import dns.update
import pytest
import requests

from fakes.alidns import FakeAliDns
from fakes.cloudflare import FakeCloudflare
from fakes.dnspod import FakeDnsPod
from fakes.settings import provider_block
from servers.bind import start_bind
from servers.powerdns import start_powerdns

EXAMPLES = Path(__file__).parents[2] / "examples"
ZONES = ("huamao-trade.com", "huamao.cn")
VERIFICATION = "google-site-verification=Zt1dW6fH0wUq3m0Vb9GZ3Yy3eXyq2vD8Qk5oK6Vx8sQ"

# provider type -> context manager yielding (settings, read the apex TXT values of a zone)
Harness = Callable[[], contextlib.AbstractContextManager[tuple[dict[str, Any], Callable[[str], list[str]]]]]


@contextlib.contextmanager
def _bind() -> Iterator[tuple[dict[str, Any], Callable[[str], list[str]]]]:
    with start_bind(ZONES) as server:
        for zone in ZONES:
            update = dns.update.UpdateMessage(zone, keyring=server.keyring, keyname=server.key_name,
                                              keyalgorithm=server.key_algorithm)
            update.add("@", 3600, "TXT", f'"{VERIFICATION}"')
            update.add("www", 3600, "A", "192.0.2.10")
            update.add("mx", 3600, "A", "192.0.2.25")
            assert dns.query.tcp(update, server.host, port=server.port, timeout=5).rcode() == dns.rcode.NOERROR
        yield server.settings(), lambda zone: server.query(zone, "TXT")


@contextlib.contextmanager
def _powerdns() -> Iterator[tuple[dict[str, Any], Callable[[str], list[str]]]]:
    with start_powerdns(ZONES) as server:
        for zone in ZONES:
            resp = requests.patch(
                f"{server.api_url}/servers/localhost/zones/{zone}.", headers={"X-API-Key": server.api_key},
                json={"rrsets": [
                    {"name": f"{zone}.", "type": "TXT", "ttl": 3600, "changetype": "REPLACE",
                     "records": [{"content": f'"{VERIFICATION}"', "disabled": False}]},
                    {"name": f"www.{zone}.", "type": "A", "ttl": 3600, "changetype": "REPLACE",
                     "records": [{"content": "192.0.2.10", "disabled": False}]},
                    {"name": f"mx.{zone}.", "type": "A", "ttl": 3600, "changetype": "REPLACE",
                     "records": [{"content": "192.0.2.25", "disabled": False}]},
                ]}, timeout=10,
            )  # fmt: skip
            assert resp.status_code == 204, resp.text
        yield server.settings(), lambda zone: server.query(zone, "TXT")


def _fake(cls: Any, settings: Callable[[Any], dict[str, Any]]) -> Harness:
    @contextlib.contextmanager
    def run() -> Iterator[tuple[dict[str, Any], Callable[[str], list[str]]]]:
        api = cls()
        for zone in ZONES:
            api.add_zone(zone)
            api.replace(zone, "@", "TXT", [api.hand_value("TXT", VERIFICATION)])
            api.replace(zone, "www", "A", [api.hand_value("A", "192.0.2.10")])
            api.replace(zone, "mx", "A", [api.hand_value("A", "192.0.2.25")])
        with api.running():
            yield settings(api), lambda zone: [r.value for r in api.records(zone, None, "TXT")]

    return run


HARNESSES: dict[str, Harness] = {
    "rfc2136": _bind,
    "powerdns": _powerdns,
    "cloudflare": _fake(FakeCloudflare, lambda a: {"api_token": a.token, "base_url": a.url + "/client/v4"}),
    "alidns": _fake(FakeAliDns, lambda a: {"access_key_id": a.key_id, "access_key_secret": a.secret,
                                           "endpoint": a.url}),
    "dnspod": _fake(FakeDnsPod, lambda a: {"secret_id": a.secret_id, "secret_key": a.secret_key,
                                           "endpoint": a.url}),
}


def _company(tmp_path: Path, provider_type: str, settings: dict[str, Any]) -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "company"
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns(".mailplan", "zones", "*.sqlite", "ci"))
    block, secrets = provider_block(provider_type, settings)
    env = {**os.environ, "NO_COLOR": "1", **secrets}
    config = folder / "mailplan.yaml"
    text, count = re.subn(r"    type: zonefile\n(    [a-z_]+: .*\n)+", block + "\n", config.read_text())
    assert count == 1, "the example's DNS provider block changed shape"
    config.write_text(text, encoding="utf-8")
    return folder, env


@pytest.mark.realstack
@pytest.mark.parametrize("provider_type", list(HARNESSES))
def test_example_mail_records_on_every_dns_provider(provider_type: str, tmp_path: Path) -> None:
    with HARNESSES[provider_type]() as (settings, apex_txt):
        folder, env = _company(tmp_path, provider_type, settings)

        def mailplan(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "mailplan", *args], cwd=folder, env=env,
                                  capture_output=True, text=True, timeout=300)

        plan = mailplan("plan", "--format", "json")
        assert plan.returncode == 0, plan.stderr
        records = [c for c in json.loads(plan.stdout)["changes"] if c["kind"] == "record"]
        assert {c["key"].split("/")[1] for c in records} >= {"@", "_dmarc", "mail._domainkey"}
        applied = mailplan("apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout[-2000:] + applied.stderr[-2000:]
        again = mailplan("plan", "--detailed-exitcode")
        assert again.returncode == 0, again.stdout + again.stderr
        for zone in ZONES:
            values = " ".join(apex_txt(zone))
            assert VERIFICATION in values, f"{zone}: the hand-made verification TXT was lost"
            assert "v=spf1" in values, f"{zone}: no SPF value"


CRM_ZONE = "crm-cloud.example"  # serves the example company's extra SPF include, spf.crm-cloud.example


@pytest.mark.realstack
def test_check_finds_no_errors_in_the_zones_mailplan_wrote(tmp_path: Path) -> None:
    with start_bind((*ZONES, CRM_ZONE)) as server:
        def add(zone: str, name: str, rtype: str, value: str) -> None:
            update = dns.update.UpdateMessage(zone, keyring=server.keyring, keyname=server.key_name,
                                              keyalgorithm=server.key_algorithm)
            update.add(name, 3600, rtype, value)
            assert dns.query.tcp(update, server.host, port=server.port, timeout=5).rcode() == dns.rcode.NOERROR

        add(CRM_ZONE, "spf", "TXT", '"v=spf1 ip4:203.0.113.0/24 -all"')
        for zone in ZONES:
            add(zone, "mx", "A", "192.0.2.25")  # the mail server's own address: the user's, not mailplan's
        folder, env = _company(tmp_path, "rfc2136", server.settings())

        def mailplan(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "mailplan", *args], cwd=folder, env=env,
                                  capture_output=True, text=True, timeout=300)

        applied = mailplan("apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout[-2000:] + applied.stderr[-2000:]
        checked = mailplan("check", "--nameserver", f"{server.host}:{server.port}", "--format", "json")
        assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-2000:]
        report = json.loads(checked.stdout)
        assert {d["domain"] for d in report["domains"]} == set(ZONES)
        assert report["summary"]["error"] == 0 and report["summary"]["undecided"] == 0
        passed = {f["rule"] for d in report["domains"] for f in d["findings"] if f["status"] == "pass"}
        assert {"SPF03", "SPF11", "SPF16", "MX06", "DK01", "DM01", "AD02", "MX07"} <= passed
