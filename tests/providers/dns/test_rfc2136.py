"""rfc2136 against a real BIND: TSIG dynamic update to write, TSIG AXFR to read."""

from __future__ import annotations

from collections.abc import Sequence

import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.update
import pytest
from dns_scenario import Backend, context, mail_records, plan, run_scenario

from mailplan.model.change import Action, Change
from mailplan.model.state import State
from mailplan.providers.base import ProviderError
from mailplan.providers.dns.rfc2136 import Rfc2136Provider
from mailplan.providers.dns.values import fqdn, from_rdata, to_rdata
from servers.bind import BindServer

pytestmark = pytest.mark.realstack


def bind_backend(server: BindServer, zone: str) -> Backend:
    provider = Rfc2136Provider("bind", server.settings(), context())

    def hand_set(name: str, rtype: str, values: Sequence[str]) -> None:
        update = dns.update.UpdateMessage(zone, keyring=server.keyring)
        update.replace(dns.name.from_text(fqdn(name, zone)), 300, *(to_rdata(rtype, v) for v in values))
        reply = dns.query.tcp(update, server.host, port=server.port, timeout=5)
        assert reply.rcode() == dns.rcode.NOERROR

    def resolve(name: str, rtype: str) -> list[str]:
        query = dns.message.make_query(fqdn(name, zone), rtype)
        reply = dns.query.udp(query, server.host, port=server.port, timeout=3)
        wanted = dns.rdatatype.from_text(rtype)
        return sorted(from_rdata(rd) for rrset in reply.answer if rrset.rdtype == wanted for rd in rrset)

    return Backend(provider, zone, hand_set, resolve)


def test_mail_records_applied_next_to_foreign_records(bind_server: BindServer) -> None:
    run_scenario(bind_backend(bind_server, "example.test"))


def test_idn_zone(bind_server: BindServer) -> None:
    run_scenario(bind_backend(bind_server, "xn--fiqs8s.test"))


def test_long_dkim_value_is_sent_as_several_strings(bind_server: BindServer) -> None:
    backend = bind_backend(bind_server, "example.test")
    dkim = next(r for r in mail_records("example.test") if r.name == "mail._domainkey")
    backend.provider.apply(Change(Action.CREATE, "bind", None, dkim))
    reply = dns.query.udp(
        dns.message.make_query("mail._domainkey.example.test", "TXT"), bind_server.host, port=bind_server.port
    )
    strings = reply.answer[0][0].strings
    assert len(strings) == 2 and all(len(s) <= 255 for s in strings)
    assert b"".join(strings).decode() == dkim.values[0]


def test_wrong_tsig_secret_is_a_clear_error(bind_server: BindServer) -> None:
    settings = {**bind_server.settings(), "key_secret": "d3Jvbmcgc2VjcmV0IHdyb25nIHNlY3JldCB3cm9uZyE="}
    provider = Rfc2136Provider("bind", settings, context())
    with pytest.raises(ProviderError, match="rejected the TSIG key"):
        provider.read(["example.test"])
    with pytest.raises(ProviderError, match="TSIG key"):
        provider.apply(Change(Action.CREATE, "bind", None, mail_records("example.test")[0]))


def test_write_fails_when_the_rrset_changed_since_it_was_read(bind_server: BindServer) -> None:
    """The update's prerequisite is the rrset as just read; a concurrent hand edit is not overwritten."""
    backend = bind_backend(bind_server, "example.test")
    provider = backend.provider
    spf = next(r for r in mail_records("example.test") if r.tag == "v=spf1")
    stale = provider.current_rrset  # type: ignore[attr-defined]

    def read_then_hand_edit(zone: str, name: str, rtype: str):  # type: ignore[no-untyped-def]
        current = stale(zone, name, rtype)
        backend.hand_set("@", "TXT", ["someone else's value"])
        return current

    provider.current_rrset = read_then_hand_edit  # type: ignore[method-assign]
    with pytest.raises(ProviderError, match=r"(YX|NX)RRSET"):
        provider.apply(Change(Action.CREATE, "bind", None, spf))
    assert backend.resolve is not None and backend.resolve("@", "TXT") == ["someone else's value"]
    assert plan(provider, "example.test", [spf])  # still to do


def test_a_plan_asks_for_its_rrsets_and_never_transfers_the_zone(
    bind_server: BindServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what goes to the server, counted where dnspython sends it: the same for 3 or 300 other records
    zone = "example.test"
    backend = bind_backend(bind_server, zone)
    desired = mail_records(zone)
    creates = plan(backend.provider, zone, desired)  # creates, read as a plan reads
    for change in creates:
        backend.provider.apply(change)
    sent: list[str] = []
    real_tcp = dns.query.tcp

    def tcp(message: dns.message.Message, *args: object, **kwargs: object) -> dns.message.Message:
        sent.append(message.question[0].to_text() if message.question else "update")
        return real_tcp(message, *args, **kwargs)  # type: ignore[arg-type]

    def xfr(*args: object, **kwargs: object) -> None:
        raise AssertionError("a plan transferred the whole zone")

    counts = []
    for others in (3, 300):
        update = dns.update.UpdateMessage(zone, keyring=bind_server.keyring)
        for i in range(others):
            update.replace(f"web{i}", 300, "A", f"192.0.2.{i % 250 + 1}")
        assert dns.query.tcp(update, bind_server.host, port=bind_server.port, timeout=5).rcode() == dns.rcode.NOERROR
        sent.clear()
        monkeypatch.setattr(dns.query, "tcp", tcp)
        monkeypatch.setattr(dns.query, "xfr", xfr)
        observed = backend.provider.read_wanted([zone], State(desired)).state
        monkeypatch.undo()
        assert {r.ident for r in desired} <= observed.idents()  # every mail record found, as applied
        counts.append(len(sent))
    assert counts[0] == counts[1] == len({(r.name, r.rtype) for r in desired})
