"""dnspod against a local fake of DNSPod (Tencent Cloud API 3.0, TC3-HMAC-SHA256)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import pytest
from dns_scenario import Backend, context, mail_records, run_scenario

from fakes.dnspod import FakeDnsPod
from mailplan.model.change import Action, Change
from mailplan.model.objects import Record
from mailplan.providers.base import ProviderError
from mailplan.providers.dns.dnspod import DnsPodProvider

ZONE = "example.net"


@pytest.fixture
def fake() -> Iterator[FakeDnsPod]:
    api = FakeDnsPod()
    api.add_zone(ZONE)
    api.add_zone("xn--fiqs8s.net")
    with api.running():
        yield api


def provider_for(fake: FakeDnsPod, **settings: object) -> DnsPodProvider:
    base = {"secret_id": fake.secret_id, "secret_key": fake.secret_key, "endpoint": fake.url}
    return DnsPodProvider("pod", {**base, **settings}, context())


def backend(fake: FakeDnsPod, zone: str) -> Backend:
    def hand_set(name: str, rtype: str, values: Sequence[str]) -> None:
        fake.replace(zone, name, rtype, [fake.hand_value(rtype, v) for v in values])

    return Backend(provider_for(fake), zone, hand_set)


def test_mail_records_applied_next_to_foreign_records(fake: FakeDnsPod) -> None:
    run_scenario(backend(fake, ZONE))


def test_idn_zone(fake: FakeDnsPod) -> None:
    run_scenario(backend(fake, "xn--fiqs8s.net"))


def test_spf_change_is_one_update_call(fake: FakeDnsPod) -> None:
    provider = provider_for(fake)
    spf = next(r for r in mail_records(ZONE) if r.tag == "v=spf1")
    provider.apply(Change(Action.CREATE, "pod", None, spf))
    fake.calls.clear()
    provider.apply(Change(Action.UPDATE, "pod", spf, Record(ZONE, "@", "TXT", "v=spf1", 600, ("v=spf1 -all",))))
    assert fake.calls == {"DescribeRecordList": 1, "ModifyRecord": 1}


def test_throttling_is_retried_with_backoff(fake: FakeDnsPod) -> None:
    provider = provider_for(fake)
    waits: list[float] = []
    provider.client.sleep = waits.append
    fake.limit_requests(2)
    provider.read([ZONE])
    assert waits == [0.5, 1.0]  # RequestLimitExceeded comes in an HTTP 200 body: exponential backoff
    assert fake.calls["fault"] == 2 and fake.calls["DescribeRecordList"] == 1


def test_bad_secret_is_a_clear_error(fake: FakeDnsPod) -> None:
    provider = provider_for(fake, secret_key="wrong")
    with pytest.raises(ProviderError, match=r"AuthFailure\.SignatureFailure.*SecretId"):
        provider.read([ZONE])


def test_unknown_key_id_is_a_clear_error(fake: FakeDnsPod) -> None:
    provider = provider_for(fake, secret_id="AKIDnope")
    with pytest.raises(ProviderError, match=r"AuthFailure\.SecretIdNotFound"):
        provider.read([ZONE])


@pytest.mark.parametrize("page_size", [100, 3000])
def test_large_zone_is_read_in_pages(fake: FakeDnsPod, page_size: int) -> None:
    for i in range(250):
        fake.put(ZONE, f"host{i}", "A", 600, f"192.0.2.{i % 250}")
    records = provider_for(fake, page_size=page_size).read([ZONE]).state
    assert len([r for r in records if isinstance(r, Record) and r.rtype == "A"]) == 250
    assert fake.calls["DescribeRecordList"] == math.ceil(250 / page_size)
