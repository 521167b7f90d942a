"""What the rules see of DNS: answers at one name and type, from live DNS or from zone text.

Both sources answer the same questions the same way, so every rule can be
tested on zone text without a server, and run unchanged against the network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import dns.exception
import dns.name
import dns.node
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.zone

from mailplan.dns.txt import join_txt
from mailplan.errors import MailplanError


class CheckFailed(MailplanError):
    """DNS could not be asked (timeout, SERVFAIL, REFUSED): the check itself failed."""


@dataclass(frozen=True)
class Answer:
    name: str
    rtype: str
    values: tuple[str, ...]  # presentation form; TXT as the joined logical string
    exists: bool = True  # False: NXDOMAIN (the name does not exist at all)
    strings: tuple[tuple[bytes, ...], ...] = ()  # TXT only: the character-strings of each value
    error: str = ""  # the server refused or failed (SERVFAIL, REFUSED, timeout): nothing is known

    def __bool__(self) -> bool:
        return bool(self.values)


def present(rdata: dns.rdata.Rdata) -> str:
    """One rdata the way ``Record.values`` writes it (names absolute, lower-case; TXT joined)."""
    strings = getattr(rdata, "strings", None)  # TXT and SPF rdata
    if strings is not None:
        return join_txt(strings)
    return str(rdata.to_text()).lower()


def _answer(name: str, rtype: str, rdatas: Iterable[dns.rdata.Rdata], exists: bool) -> Answer:
    items = list(rdatas)
    strings = tuple(tuple(getattr(r, "strings", ())) for r in items if hasattr(r, "strings"))
    return Answer(name, rtype, tuple(present(r) for r in items), exists, strings)


class DnsView(Protocol):
    def get(self, name: str, rtype: str) -> Answer: ...


class LiveDns:
    """Answers from a resolver (the system's, or one nameserver for tests), cached per run."""

    def __init__(self, nameserver: str | None = None, timeout: float = 5.0) -> None:
        if nameserver:
            host, port = _host_port(nameserver)
            self.resolver = dns.resolver.Resolver(configure=False)
            self.resolver.nameservers = [host]
            self.resolver.port = port
        else:
            self.resolver = dns.resolver.Resolver()
        self.resolver.lifetime = timeout
        self._cache: dict[tuple[str, str], Answer] = {}

    def get(self, name: str, rtype: str) -> Answer:
        key = (name.lower().rstrip("."), rtype)
        if key not in self._cache:
            self._cache[key] = self._ask(*key)
        return self._cache[key]

    def _ask(self, name: str, rtype: str) -> Answer:
        qname = dns.name.from_text(name)
        try:
            reply = self.resolver.resolve(qname, rtype, raise_on_no_answer=False, search=False)
        except dns.resolver.NXDOMAIN:
            return Answer(name, rtype, (), exists=False)
        except (dns.resolver.NoNameservers, dns.exception.Timeout) as exc:
            # Not fatal here: a name outside the checked zones (a vendor's include) may be unreachable;
            # the runner fails the check when the domain's own names cannot be asked.
            return Answer(name, rtype, (), exists=False, error=str(exc) or type(exc).__name__)
        # Only the records at this exact name: a CNAME query must not see the target's data and vice versa.
        rrset = reply.response.get_rrset(reply.response.answer, qname, dns.rdataclass.IN,
                                         dns.rdatatype.from_text(rtype))
        return _answer(name, rtype, rrset or [], True)


def _host_port(text: str) -> tuple[str, int]:
    if text.startswith("["):  # [::1]:5353
        host, _, port = text[1:].partition("]:")
        return host, int(port or 53)
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, int(port)
    return text, 53


class ZoneDns:
    """Answers from zone-file text (tests, and checking a zone before it is published)."""

    def __init__(self, zones: dict[str, str]) -> None:
        self.zones = {origin.rstrip(".").lower(): dns.zone.from_text(text, origin=origin, relativize=False,
                                                                     check_origin=False)
                      for origin, text in zones.items()}

    def get(self, name: str, rtype: str) -> Answer:
        name = name.lower().rstrip(".")
        zone = self._zone_of(name)
        if zone is None:
            return Answer(name, rtype, (), exists=False)
        qname = dns.name.from_text(name)
        node = zone.get_node(qname)
        if node is None and any(n.is_subdomain(qname) for n in zone.nodes):
            return Answer(name, rtype, (), exists=True)  # an empty non-terminal
        if node is None:
            node = self._wildcard(zone, name)
        if node is None:
            return Answer(name, rtype, (), exists=False)
        rdataset = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.from_text(rtype))
        return _answer(name, rtype, rdataset or [], True)

    @staticmethod
    def _wildcard(zone: dns.zone.Zone, name: str) -> dns.node.Node | None:
        labels = name.split(".")
        for i in range(1, len(labels)):
            node = zone.get_node(dns.name.from_text("*." + ".".join(labels[i:])))
            if node is not None:
                return node
        return None

    def _zone_of(self, name: str) -> dns.zone.Zone | None:
        best = None
        for origin, zone in self.zones.items():
            if (name == origin or name.endswith("." + origin)) and (best is None or len(origin) > len(best[0])):
                best = (origin, zone)
        return best[1] if best else None
