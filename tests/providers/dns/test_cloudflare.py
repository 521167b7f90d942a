"""cloudflare against a local fake of the Cloudflare DNS records API."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import pytest
from dns_scenario import Backend, context, mail_records, run_scenario

from fakes.cloudflare import FakeCloudflare
from mailplan.model.change import Action, Change
from mailplan.providers.base import ProviderError
from mailplan.providers.dns.cloudflare import CloudflareProvider

ZONE = "example.com"


@pytest.fixture
def fake() -> Iterator[FakeCloudflare]:
    api = FakeCloudflare()
    api.add_zone(ZONE)
    api.add_zone("xn--fiqs8s.com")
    with api.running():
        yield api


def provider_for(fake: FakeCloudflare, **settings: object) -> CloudflareProvider:
    return CloudflareProvider(
        "cf", {"api_token": fake.token, "base_url": fake.url + "/client/v4", **settings}, context()
    )


def backend(fake: FakeCloudflare, zone: str) -> Backend:
    def hand_set(name: str, rtype: str, values: Sequence[str]) -> None:
        fake.replace(zone, name, rtype, [fake.hand_value(rtype, v) for v in values])

    return Backend(provider_for(fake), zone, hand_set)


def test_mail_records_applied_next_to_foreign_records(fake: FakeCloudflare) -> None:
    run_scenario(backend(fake, ZONE))


def test_idn_zone(fake: FakeCloudflare) -> None:
    run_scenario(backend(fake, "xn--fiqs8s.com"))


def test_txt_is_sent_quoted_in_strings_of_at_most_255_bytes(fake: FakeCloudflare) -> None:
    dkim = next(r for r in mail_records(ZONE) if r.name == "mail._domainkey")
    provider_for(fake).apply(Change(Action.CREATE, "cf", None, dkim))
    (stored,) = fake.records(ZONE, "mail._domainkey", "TXT")
    assert stored.value.startswith('"v=DKIM1') and stored.value.count('" "') == 1


def test_spf_change_is_one_update_call(fake: FakeCloudflare) -> None:
    provider = provider_for(fake)
    spf = next(r for r in mail_records(ZONE) if r.tag == "v=spf1")
    provider.apply(Change(Action.CREATE, "cf", None, spf))
    fake.calls.clear()
    changed = type(spf)(ZONE, "@", "TXT", "v=spf1", 600, ("v=spf1 -all",))
    provider.apply(Change(Action.UPDATE, "cf", spf, changed))
    assert fake.calls == {"dns_records.list": 1, "dns_records.update": 1}


def test_429_is_retried_after_the_delay_the_server_asks(fake: FakeCloudflare) -> None:
    provider = provider_for(fake)
    waits: list[float] = []
    provider.client.sleep = waits.append
    fake.rate_limit(2, retry_after=7)
    provider.read([ZONE])
    assert waits == [7.0, 7.0]
    assert fake.calls["fault"] == 2


def test_bad_token_is_a_clear_error(fake: FakeCloudflare) -> None:
    provider = CloudflareProvider("cf", {"api_token": "wrong", "base_url": fake.url + "/client/v4"}, context())
    with pytest.raises(ProviderError, match=r"403: 10000: Authentication error.*API token"):
        provider.read([ZONE])


def test_unknown_zone_is_named(fake: FakeCloudflare) -> None:
    with pytest.raises(ProviderError, match=r"no zone nope\.com"):
        provider_for(fake).read(["nope.com"])


@pytest.mark.parametrize("page_size", [100, 5000])
def test_large_zone_is_read_in_pages(fake: FakeCloudflare, page_size: int) -> None:
    for i in range(250):
        fake.put(ZONE, f"host{i}", "A", 300, f"192.0.2.{i % 250}")
    provider = provider_for(fake, page_size=page_size)
    records = provider.read([ZONE]).state
    assert len([r for r in records if r.rtype == "A"]) == 250  # type: ignore[attr-defined]
    assert fake.calls["dns_records.list"] == math.ceil(250 / page_size)
    assert fake.calls["zones.list"] == 1
