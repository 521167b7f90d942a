"""powerdns against a real pdns_server (gsqlite3 backend) through its HTTP API."""

from __future__ import annotations

from collections.abc import Sequence

import dns.message
import dns.query
import dns.rdatatype
import pytest
import requests
from dns_scenario import Backend, context, mail_records, run_scenario

from mailplan.model.change import Action, Change
from mailplan.providers.base import ProviderError
from mailplan.providers.dns.powerdns import PowerDnsProvider
from mailplan.providers.dns.values import fqdn, from_rdata, quoted_txt
from servers.powerdns import PowerDnsServer

pytestmark = pytest.mark.realstack


def pdns_backend(server: PowerDnsServer, zone: str) -> Backend:
    provider = PowerDnsProvider("pdns", server.settings(), context())

    def hand_set(name: str, rtype: str, values: Sequence[str]) -> None:
        records = [{"content": quoted_txt(v) if rtype == "TXT" else v, "disabled": False} for v in values]
        resp = requests.patch(
            f"{server.api_url}/servers/localhost/zones/{zone}.",
            headers={"X-API-Key": server.api_key},
            json={
                "rrsets": [
                    {
                        "name": fqdn(name, zone) + ".",
                        "type": rtype,
                        "ttl": 300,
                        "changetype": "REPLACE",
                        "records": records,
                    }
                ]
            },
            timeout=10,
        )
        assert resp.status_code == 204, resp.text

    def resolve(name: str, rtype: str) -> list[str]:
        query = dns.message.make_query(fqdn(name, zone), rtype)
        reply = dns.query.udp(query, server.host, port=server.dns_port, timeout=3)
        wanted = dns.rdatatype.from_text(rtype)
        return sorted(from_rdata(rd) for rrset in reply.answer if rrset.rdtype == wanted for rd in rrset)

    return Backend(provider, zone, hand_set, resolve)


def test_mail_records_applied_next_to_foreign_records(powerdns_server: PowerDnsServer) -> None:
    run_scenario(pdns_backend(powerdns_server, "example.test"))


def test_idn_zone(powerdns_server: PowerDnsServer) -> None:
    run_scenario(pdns_backend(powerdns_server, "xn--fiqs8s.test"))


def test_zone_read_is_one_call(powerdns_server: PowerDnsServer) -> None:
    provider = pdns_backend(powerdns_server, "example.test").provider
    assert isinstance(provider, PowerDnsProvider)
    provider.read(["example.test"])
    assert provider.client.total_calls() == 1


def test_bad_api_key_is_a_clear_error(powerdns_server: PowerDnsServer) -> None:
    settings = {**powerdns_server.settings(), "api_key": "not-the-key"}
    provider = PowerDnsProvider("pdns", settings, context())
    with pytest.raises(ProviderError, match="API key was not accepted"):
        provider.read(["example.test"])


def test_unknown_zone_is_named(powerdns_server: PowerDnsServer) -> None:
    provider = pdns_backend(powerdns_server, "example.test").provider
    with pytest.raises(ProviderError, match=r"zone nope\.test does not exist"):
        provider.apply(Change(Action.CREATE, "pdns", None, mail_records("nope.test")[0]))
