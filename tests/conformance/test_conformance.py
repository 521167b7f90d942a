"""Every provider passes the same steps; after each apply the re-plan is empty."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.query
import dns.rcode
import dns.update
import pytest

from fakes.alidns import FakeAliDns
from fakes.cloudflare import FakeCloudflare
from fakes.dnspod import FakeDnsPod
from mailplan.model.objects import Record

from .runner import make_provider, run_steps
from .scenarios import dns_steps, mail_steps

D, ALIAS = "huamao-trade.com", "huamao.cn"
IDN = "例子.中国".encode("idna").decode()


# --- mail providers -------------------------------------------------------------------------------

@pytest.fixture(params=["local"])
def mail_harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    if request.param == "local":
        yield "local", {"database": str(tmp_path / "mail.sqlite")}


@pytest.mark.parametrize("domain", [D, IDN], ids=["ascii", "idn"])
def test_mail_provider_conformance(mail_harness: tuple[str, dict[str, Any]], domain: str, tmp_path: Path) -> None:
    provider_type, settings = mail_harness
    provider = make_provider(provider_type, settings, tmp_path)
    try:
        ran = run_steps(provider, mail_steps(domain, ALIAS), (domain, ALIAS), tmp_path)
    finally:
        provider.close()
    assert "a person leaves: freeze and hand over" in ran


# --- DNS providers --------------------------------------------------------------------------------

VERIFICATION = "google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ"
ZONE = "example.test"


def _seed_bind(server: Any) -> None:
    """A verification TXT and a web A record that someone added by hand, before mailplan."""
    update = dns.update.UpdateMessage(ZONE, keyring=server.keyring, keyname=server.key_name,
                                      keyalgorithm=server.key_algorithm)
    update.add("@", 3600, "TXT", f'"{VERIFICATION}"')
    update.add("www", 3600, "A", "192.0.2.10")
    assert dns.query.tcp(update, server.host, port=server.port, timeout=5).rcode() == dns.rcode.NOERROR


def _seed_fake(api: Any) -> None:
    api.add_zone(ZONE)
    api.replace(ZONE, "@", "TXT", [api.hand_value("TXT", VERIFICATION)])
    api.replace(ZONE, "www", "A", [api.hand_value("A", "192.0.2.10")])


def _cloud_settings(kind: str, api: Any) -> dict[str, Any]:
    if kind == "cloudflare":
        return {"api_token": api.token, "base_url": api.url + "/client/v4"}
    if kind == "alidns":
        return {"access_key_id": api.key_id, "access_key_secret": api.secret, "endpoint": api.url}
    return {"secret_id": api.secret_id, "secret_key": api.secret_key, "endpoint": api.url}


CLOUD_DNS_FAKES = {"cloudflare": FakeCloudflare, "alidns": FakeAliDns, "dnspod": FakeDnsPod}


@pytest.fixture(params=["zonefile", "rfc2136", "powerdns", *CLOUD_DNS_FAKES])
def dns_harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(provider type, settings, whether the zone holds hand-made records mailplan must keep)."""
    if request.param == "zonefile":
        zones = tmp_path / "zones"
        zones.mkdir()
        (zones / f"{ZONE}.zone").write_text(
            f"$ORIGIN {ZONE}.\n$TTL 3600\n@ IN SOA ns1 hostmaster 2026010101 3600 600 86400 300\n"
            f"  IN NS ns1\nns1 IN A 192.0.2.1\n; the web site\nwww IN A 192.0.2.10\n@ IN TXT \"{VERIFICATION}\"\n"
        )
        yield "zonefile", {"directory": str(zones)}, True
    elif request.param == "rfc2136":
        server = request.getfixturevalue("bind_server")
        _seed_bind(server)
        yield "rfc2136", server.settings(), True
    elif request.param == "powerdns":
        server = request.getfixturevalue("powerdns_server")
        yield "powerdns", server.settings(), False
    else:
        api = CLOUD_DNS_FAKES[request.param]()
        _seed_fake(api)
        with api.running():
            yield request.param, _cloud_settings(request.param, api), True


def test_dns_provider_conformance(dns_harness: tuple[str, dict[str, Any], bool], tmp_path: Path) -> None:
    provider_type, settings, seeded = dns_harness
    provider = make_provider(provider_type, settings, tmp_path)
    try:
        ran = run_steps(provider, dns_steps(ZONE), (ZONE,), tmp_path)
        live = provider.read((ZONE,)).state
    finally:
        provider.close()
    assert len(ran) == 3
    mx = live.get(("record", Record(ZONE, "@", "MX", "", 3600, ()).key))
    assert isinstance(mx, Record) and len(mx.values) == 2
    if seeded:  # what mailplan does not own is still there, untouched
        others = [o for o in live if isinstance(o, Record) and o.name == "@" and o.rtype == "TXT"
                  and VERIFICATION in o.values]
        assert others, "the site-verification TXT at the apex was lost"
