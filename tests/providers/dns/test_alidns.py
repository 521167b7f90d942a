"""alidns against a local fake of Alibaba Cloud DNS (RPC API, HMAC-SHA1 signature)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import pytest
from dns_scenario import Backend, context, mail_records, run_scenario

from fakes.alidns import FakeAliDns
from mailplan.model.change import Action, Change
from mailplan.model.objects import Record
from mailplan.providers.base import ProviderError
from mailplan.providers.dns.alidns import AliDnsProvider, rpc_signature

ZONE = "example.cn"


@pytest.fixture
def fake() -> Iterator[FakeAliDns]:
    api = FakeAliDns()
    api.add_zone(ZONE)
    api.add_zone("xn--fiqs8s.cn")
    with api.running():
        yield api


def provider_for(fake: FakeAliDns, **settings: object) -> AliDnsProvider:
    base = {"access_key_id": fake.key_id, "access_key_secret": fake.secret, "endpoint": fake.url}
    return AliDnsProvider("ali", {**base, **settings}, context())


def backend(fake: FakeAliDns, zone: str) -> Backend:
    def hand_set(name: str, rtype: str, values: Sequence[str]) -> None:
        fake.replace(zone, name, rtype, [fake.hand_value(rtype, v) for v in values])

    return Backend(provider_for(fake), zone, hand_set)


def test_signature_matches_the_documented_example() -> None:
    """The worked example of Alibaba Cloud's signature documentation (DescribeRegions, secret "testsecret")."""
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert rpc_signature("GET", params, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_mail_records_applied_next_to_foreign_records(fake: FakeAliDns) -> None:
    run_scenario(backend(fake, ZONE))


def test_idn_zone(fake: FakeAliDns) -> None:
    run_scenario(backend(fake, "xn--fiqs8s.cn"))


def test_spf_change_is_one_update_call(fake: FakeAliDns) -> None:
    provider = provider_for(fake)
    spf = next(r for r in mail_records(ZONE) if r.tag == "v=spf1")
    provider.apply(Change(Action.CREATE, "ali", None, spf))
    fake.calls.clear()
    provider.apply(Change(Action.UPDATE, "ali", spf, Record(ZONE, "@", "TXT", "v=spf1", 600, ("v=spf1 -all",))))
    assert fake.calls == {"DescribeSubDomainRecords": 1, "UpdateDomainRecord": 1}


def test_throttling_is_retried_with_backoff(fake: FakeAliDns) -> None:
    provider = provider_for(fake)
    waits: list[float] = []
    provider.client.sleep = waits.append
    fake.throttle(2)
    provider.read([ZONE])
    assert waits == [0.5, 1.0]  # no Retry-After from Alibaba: exponential backoff
    assert fake.calls["fault"] == 2 and fake.calls["DescribeDomainRecords"] == 1


def test_bad_secret_is_a_clear_error(fake: FakeAliDns) -> None:
    provider = provider_for(fake, access_key_secret="wrong")
    with pytest.raises(ProviderError, match=r"SignatureDoesNotMatch.*AccessKey"):
        provider.read([ZONE])


def test_unknown_key_id_is_a_clear_error(fake: FakeAliDns) -> None:
    provider = provider_for(fake, access_key_id="LTAInope")
    with pytest.raises(ProviderError, match=r"InvalidAccessKeyId\.NotFound"):
        provider.read([ZONE])


@pytest.mark.parametrize("page_size", [100, 500])
def test_large_zone_is_read_in_pages(fake: FakeAliDns, page_size: int) -> None:
    for i in range(250):
        fake.put(ZONE, f"host{i}", "A", 600, f"192.0.2.{i % 250}")
    records = provider_for(fake, page_size=page_size).read([ZONE]).state
    assert len([r for r in records if isinstance(r, Record) and r.rtype == "A"]) == 250
    assert fake.calls["DescribeDomainRecords"] == math.ceil(250 / page_size)
