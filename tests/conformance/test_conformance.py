"""Every provider passes the same steps; after each apply the re-plan is empty."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dns.query
import dns.rcode
import dns.update
import pytest

from fakes import alimail, exmail, google, microsoft, netease, zoho
from fakes.alidns import FakeAliDns
from fakes.cloudflare import FakeCloudflare
from fakes.dnspod import FakeDnsPod
from mailplan.model.objects import Record
from mailplan.providers.base import Provider
from mailplan.providers.registry import provider_class

from .runner import Run, make_provider, run_steps
from .scenarios import dns_steps, mail_steps

D, ALIAS, SECOND = "huamao-trade.com", "huamao.cn", "huamao-trade.net"
IDN = "例子.中国".encode("idna").decode()


# --- mail providers -------------------------------------------------------------------------------

MAIL_PROVIDERS = [
    "local", "google-workspace", "microsoft-365", "tencent-exmail", "alibaba-mail", "netease-qiye", "zoho-mail",
]


@contextlib.contextmanager
def mail_provider(provider_type: str, domain: str, workdir: Path) -> Iterator[tuple[Provider, Callable[[], None]]]:
    """The provider on its backend (a database, or a fake holding ``domain`` and the alias domain),
    and what to check of the backend after the run."""
    if provider_type == "local":
        yield make_provider("local", {"database": str(workdir / "mail.sqlite")}, workdir), lambda: None
    elif provider_type == "google-workspace":
        with google.harness(domain) as google_org:
            provider = make_provider(google_org.provider_type, google_org.settings, workdir)
            provider.http.sleep = lambda seconds: None  # type: ignore[attr-defined]

            def google_checks() -> None:
                assert google_org.fake.violations == []

            yield provider, google_checks
    elif provider_type == "microsoft-365":
        # The functional mailbox is an Exchange shared mailbox, which Graph cannot create: the tenant
        # starts with it, as after the plan's New-Mailbox -Shared step.
        def shared_mailbox_made_by_hand(fake: microsoft.GraphFake) -> None:
            fake.add_shared_mailbox(f"info@{domain}", "信息咨询")

        with microsoft.harness(domain, shared_mailbox_made_by_hand) as tenant:

            def graph_checks() -> None:
                assert tenant.fake.violations == []
                assert tenant.fake.revoked == {f"zhangsan@{domain}": 1}  # the one departure, once

            yield make_provider(tenant.provider_type, tenant.settings, workdir), graph_checks
    elif provider_type == "netease-qiye":
        with netease.harness((domain,)) as qiye:
            yield make_provider(qiye.provider_type, qiye.settings, workdir), lambda: None
    elif provider_type == "tencent-exmail":
        with exmail.harness((domain, ALIAS)) as company:
            yield make_provider(company.provider_type, company.settings, workdir), lambda: None
    elif provider_type == "zoho-mail":
        with zoho.harness((domain,), alias_domains=(ALIAS,)) as zoho_org:
            provider = make_provider(zoho_org.provider_type, zoho_org.settings, workdir)
            yield provider, lambda: _no_violations(zoho_org.fake)
    else:
        with alimail.harness((domain,)) as org:
            org.fake.domains[domain] = [ALIAS]
            yield make_provider(org.provider_type, org.settings, workdir), lambda: None


def _no_violations(fake: Any) -> None:
    assert fake.violations == []


@pytest.fixture(scope="module", params=[(p, d) for p in MAIL_PROVIDERS for d in (D, IDN)],
                ids=[f"{p}-{v}" for p in MAIL_PROVIDERS for v in ("ascii", "idn")])
def mail_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The whole scenario on one provider and domain, run once for the tests below."""
    provider_type, domain = request.param
    workdir = tmp_path_factory.mktemp(provider_type)
    with mail_provider(provider_type, domain, workdir) as (provider, backend_checks):
        try:
            run = run_steps(provider, mail_steps(domain, ALIAS, SECOND), (domain, ALIAS, SECOND), workdir)
        finally:
            provider.close()
        backend_checks()
    return run


def test_mail_provider_conformance(mail_run: Run) -> None:
    # every step applied and re-planned empty (run_steps asserts it step by step)
    assert mail_run.steps == [step.name for step in mail_steps(D, ALIAS, SECOND)]


def test_mail_provider_exercises_what_it_supports(mail_run: Run) -> None:
    """A feature a provider declares in SUPPORTS is one a change in the scenario needed and it applied."""
    assert mail_run.supported_not_exercised() == [], mail_run.summary()


def test_a_run_that_applies_nothing_exercises_nothing() -> None:
    # the check above can fail: a run with nothing applied lacks every feature the provider claims
    local = provider_class("local")
    assert Run("local").supported_not_exercised() == sorted(local.SUPPORTS)
    assert "SUPPORTED BUT NOT EXERCISED: admin_role" in Run("local").summary()


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
        run = run_steps(provider, dns_steps(ZONE), (ZONE,), tmp_path)
        live = provider.read((ZONE,)).state
    finally:
        provider.close()
    assert len(run.steps) == 3
    mx = live.get(("record", Record(ZONE, "@", "MX", "", 3600, ()).key))
    assert isinstance(mx, Record) and len(mx.values) == 2
    if seeded:  # what mailplan does not own is still there, untouched
        others = [o for o in live if isinstance(o, Record) and o.name == "@" and o.rtype == "TXT"
                  and VERIFICATION in o.values]
        assert others, "the site-verification TXT at the apex was lost"
