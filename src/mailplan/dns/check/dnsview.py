"""What the rules see of DNS: answers at one name and type, from live DNS or from zone text.

Both sources answer the same questions the same way, so every rule can be
tested on zone text without a server, and run unchanged against the network.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import dns.exception
import dns.message
import dns.name
import dns.node
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.rrset
import dns.zone

from mailplan.dns.check.deadline import Deadline
from mailplan.dns.txt import join_txt
from mailplan.errors import MailplanError

MAX_CNAME_HOPS = 8  # resolvers give up on longer chains too
LOOKUP_TIMEOUT = 5.0  # seconds one lookup may take (the run's deadline may leave it less)
PARALLEL_LOOKUPS = 64  # lookups in flight at once: independent names are asked together


class CheckFailed(MailplanError):
    """DNS could not be asked (timeout, SERVFAIL, REFUSED): the check itself failed."""


class BadNameserver(MailplanError):
    """A ``HOST[:PORT]`` that names no usable server."""


class Undecided(Exception):
    """A lookup a rule needs got no answer: the rule can be neither passed nor failed."""

    def __init__(self, query: str, error: str) -> None:
        super().__init__(f"{query}: {error}")
        self.query = query  # "TXT _dmarc.example.com"
        self.error = error


@dataclass(frozen=True)
class Answer:
    name: str
    rtype: str
    values: tuple[str, ...]  # presentation form; TXT as the joined logical string
    exists: bool = True  # False: NXDOMAIN (the name does not exist at all)
    strings: tuple[tuple[bytes, ...], ...] = ()  # TXT only: the character-strings of each value
    error: str = ""  # the server refused or failed (SERVFAIL, REFUSED, timeout): nothing is known
    via: tuple[str, ...] = ()  # the CNAMEs followed to reach the data, first the queried name
    loop: bool = False  # the CNAME chain from the name comes back on itself: the zone holds no data there
    cut: bool = False  # the run's deadline stopped the lookup (``error`` says so)

    def __bool__(self) -> bool:
        return bool(self.values)

    @property
    def query(self) -> str:
        return f"{self.rtype} {self.name}"


def present(rdata: dns.rdata.Rdata) -> str:
    """One rdata the way ``Record.values`` writes it (names absolute, lower-case; TXT joined)."""
    strings = getattr(rdata, "strings", None)  # TXT and SPF rdata
    if strings is not None:
        return join_txt(strings)
    return str(rdata.to_text()).lower()


def _answer(name: str, rtype: str, rdatas: Iterable[dns.rdata.Rdata], exists: bool,
            via: tuple[str, ...] = (), loop: bool = False) -> Answer:
    items = list(rdatas)
    strings = tuple(tuple(getattr(r, "strings", ())) for r in items if hasattr(r, "strings"))
    return Answer(name, rtype, tuple(present(r) for r in items), exists, strings, via=via, loop=loop)


class DnsView(Protocol):
    def get(self, name: str, rtype: str) -> Answer: ...

    def prefetch(self, queries: Iterable[tuple[str, str]]) -> None:
        """Start asking these (name, type) pairs; ``get`` then waits for their answers."""


class LiveDns:
    """Answers from a resolver (the system's, or one nameserver for tests), cached per run.

    A query for any type but CNAME follows a CNAME chain, as a resolver would for a
    sender (``_dmarc CNAME dmarc.vendor.example`` with the TXT there); a CNAME query
    sees only the name itself, for the rules about CNAMEs (an MX host that is one).

    Lookups run on a pool of threads: ``prefetch`` starts many at once, and ``get`` waits
    for one (each name is asked once, however many rules want it). Each lookup gets
    ``timeout`` seconds or what is left of ``deadline``, whichever is less.
    """

    def __init__(self, nameserver: str | None = None, timeout: float = LOOKUP_TIMEOUT,
                 deadline: Deadline | None = None) -> None:
        if nameserver:
            host, port = parse_nameserver(nameserver)
            self.resolver = dns.resolver.Resolver(configure=False)
            self.resolver.nameservers = [host]
            self.resolver.port = port
        else:
            self.resolver = dns.resolver.Resolver()
        self.resolver.lifetime = timeout
        self.timeout = timeout
        self.deadline = deadline or Deadline()
        self._answers: dict[tuple[str, str], Future[Answer]] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(PARALLEL_LOOKUPS, thread_name_prefix="dns")

    def get(self, name: str, rtype: str) -> Answer:
        return self._future(name, rtype).result()

    def prefetch(self, queries: Iterable[tuple[str, str]]) -> None:
        for name, rtype in queries:
            self._future(name, rtype)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _future(self, name: str, rtype: str) -> Future[Answer]:
        key = (name.lower().rstrip("."), rtype)
        with self._lock:
            found = self._answers.get(key)
            if found is None:
                found = self._answers[key] = self._pool.submit(self._ask, *key)
            return found

    def _ask(self, name: str, rtype: str) -> Answer:
        wanted = dns.rdatatype.from_text(rtype)
        chain: list[str] = []
        current: dns.name.Name | None = dns.name.from_text(name)
        for _ in range(MAX_CNAME_HOPS):
            assert current is not None
            lifetime = self.deadline.remaining(self.timeout)
            if lifetime <= 0:
                return Answer(name, rtype, (), exists=False, error=self.deadline.record_cut(f"{rtype} {name}"),
                              via=tuple(chain), cut=True)
            try:
                reply = self.resolver.resolve(current, rtype, raise_on_no_answer=False, search=False,
                                              lifetime=lifetime)
            except dns.resolver.NXDOMAIN:
                return Answer(name, rtype, (), exists=False, via=tuple(chain))
            except dns.resolver.NoNameservers as exc:
                # A server fails (SERVFAIL) on a CNAME chain that goes round in a circle, or hands it over and
                # dnspython gives up on it: either way it is the zone's fault, not the server's.
                looped = _looping_response(exc)
                if looped is not None:
                    _follow(looped, current, wanted, chain)
                    return _answer(name, rtype, [], True, tuple(chain), loop=True)
                circle = self._cname_circle(current) if wanted != dns.rdatatype.CNAME else None
                if circle is not None:
                    return _answer(name, rtype, [], True, tuple(dict.fromkeys([*chain, *circle])), loop=True)
                # Not fatal here: a name outside the checked zones (a vendor's include) may be unreachable;
                # the runner fails the check when the domain's own names cannot be asked.
                return Answer(name, rtype, (), exists=False, error=_why_no_answer(exc), via=tuple(chain))
            except dns.exception.Timeout:
                if lifetime < self.timeout:  # the deadline left this lookup less time than it would have had
                    return Answer(name, rtype, (), exists=False, error=self.deadline.record_cut(f"{rtype} {name}"),
                                  via=tuple(chain), cut=True)
                return Answer(name, rtype, (), exists=False, error=f"no answer within {lifetime:g} s",
                              via=tuple(chain))
            data, current, looped_here = _follow(reply.response, current, wanted, chain)
            if looped_here:
                return _answer(name, rtype, [], True, tuple(chain), loop=True)
            if data is not None or current is None:
                return _answer(name, rtype, data or [], True, tuple(chain))
        return _answer(name, rtype, [], True, tuple(chain), loop=True)  # a chain too long: no data

    def _cname_circle(self, start: dns.name.Name) -> list[str] | None:
        """The names of a CNAME chain from ``start`` that comes back on itself, asked one CNAME at a time
        (a CNAME query is answered without following); None when the chain ends or cannot be asked."""
        seen: list[str] = []
        current = start
        for _ in range(MAX_CNAME_HOPS):
            text = current.to_text(omit_final_dot=True).lower()
            if text in seen:
                return seen
            seen.append(text)
            lifetime = self.deadline.remaining(self.timeout)
            try:
                reply = self.resolver.resolve(current, "CNAME", raise_on_no_answer=False, search=False,
                                              lifetime=lifetime) if lifetime > 0 else None
            except dns.exception.DNSException:
                return None
            found = reply.response.get_rrset(reply.response.answer, current, dns.rdataclass.IN,
                                             dns.rdatatype.CNAME) if reply is not None else None
            if found is None:
                return None
            current = found[0].target
        return None


def _follow(response: dns.message.Message, qname: dns.name.Name, wanted: dns.rdatatype.RdataType,
            chain: list[str]) -> tuple[dns.rrset.RRset | None, dns.name.Name | None, bool]:
    """The rrset of type ``wanted`` reached from ``qname`` through the answer's CNAMEs.

    Returns ``(rrset, None, False)`` when found, ``(None, None, False)`` when the chain ends
    without it, ``(None, name, False)`` when the chain leaves the answer at ``name`` (ask
    there), and ``(None, None, True)`` when it comes back to a name already passed (a loop).
    """
    current = qname
    for _ in range(MAX_CNAME_HOPS):
        found = response.get_rrset(response.answer, current, dns.rdataclass.IN, wanted)
        if found is not None:
            return found, None, False
        if wanted == dns.rdatatype.CNAME:
            return None, None, False  # a CNAME query is about the name itself
        cname = response.get_rrset(response.answer, current, dns.rdataclass.IN, dns.rdatatype.CNAME)
        if cname is None:
            return None, None if current == qname else current, False
        chain.append(current.to_text(omit_final_dot=True).lower())
        target = cname[0].target
        if target.to_text(omit_final_dot=True).lower() in chain:
            return None, None, True
        current = target
    return None, None, True


def _looping_response(exc: dns.resolver.NoNameservers) -> dns.message.Message | None:
    """The answer dnspython gave up on because its CNAME chain never ends, if that is why it failed."""
    for *_, error, response in exc.kwargs.get("errors") or []:
        if isinstance(error, dns.message.ChainTooLong) and response is not None:
            return response  # type: ignore[no-any-return]
    return None


def _why_no_answer(exc: dns.resolver.NoNameservers) -> str:
    """Why the server gave no answer, in words: ``REFUSED from 127.0.0.1:5399``, or
    ``answer truncated over UDP; TCP to 127.0.0.1:5399: connection refused``."""
    parts = []
    for server, tcp, port, error, _ in exc.kwargs.get("errors") or []:
        address = re.sub(r"^[A-Za-z0-9]+:|@\d+$", "", str(server))
        where = f"{address}:{port}" if ":" not in address else f"[{address}]:{port}"
        if isinstance(error, str):  # an rcode: the server answered, and said no
            parts.append(f"{error} from {where}")
        elif isinstance(error, dns.message.Truncated):
            parts.append("answer truncated over UDP")
        else:
            parts.append(f"{'TCP' if tcp else 'UDP'} to {where}: {_error_text(error)}")
    return "; ".join(dict.fromkeys(parts)) or "no server answered"


def _error_text(error: object) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[0].lower() + error.strerror[1:]
    if isinstance(error, EOFError):
        return "the server closed the connection before answering"
    if isinstance(error, dns.exception.Timeout):
        return "no answer in time"
    if isinstance(error, dns.exception.FormError):
        return "the answer is malformed"
    return f"{type(error).__name__}: {error}".rstrip(": ")


def parse_nameserver(text: str) -> tuple[str, int]:
    """``HOST``, ``HOST:PORT``, ``[V6]:PORT`` -> ``(address, port)``; a host name is resolved here.

    Raises ``BadNameserver`` with a message a person can act on.
    """
    raw = text.strip()
    if raw.startswith("["):  # [::1]:5353
        host, bracket, rest = raw[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ("" if bracket and not rest else None)
    elif raw.count(":") == 1:
        host, _, port_text = raw.partition(":")
    else:
        host, port_text = raw, ""
    if not host or port_text is None:
        raise BadNameserver(f"nameserver {text!r}: write HOST, HOST:PORT or [IPv6]:PORT")
    port = 53
    if port_text:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise BadNameserver(f"nameserver {text!r}: the port {port_text!r} is not a number from 1 to 65535")
        port = int(port_text)
    try:
        return str(ipaddress.ip_address(host)), port
    except ValueError:
        pass
    try:  # a host name: the system resolver finds its address, as any client would
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise BadNameserver(f"nameserver {text!r}: cannot find the address of {host!r} ({exc})") from None
    return str(infos[0][4][0]), port


class ZoneDns:
    """Answers from zone-file text (tests, and checking a zone before it is published)."""

    def __init__(self, zones: dict[str, str]) -> None:
        self.zones = {origin.rstrip(".").lower(): dns.zone.from_text(text, origin=origin, relativize=False,
                                                                     check_origin=False)
                      for origin, text in zones.items()}

    def get(self, name: str, rtype: str) -> Answer:
        """The data at ``name``; for any type but CNAME through a CNAME chain, as ``LiveDns`` does."""
        name = name.lower().rstrip(".")
        chain: list[str] = []
        current = name
        for _ in range(MAX_CNAME_HOPS):
            node, exists = self._node(current)
            if node is None:
                return Answer(name, rtype, (), exists=exists, via=tuple(chain))
            rdataset = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.from_text(rtype))
            cname = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
            if rdataset is not None or cname is None or rtype == "CNAME":
                return _answer(name, rtype, rdataset or [], True, tuple(chain))
            chain.append(current)
            current = cname[0].target.to_text(omit_final_dot=True).lower()
            if current in chain:
                break
        return _answer(name, rtype, [], True, tuple(chain), loop=True)

    def prefetch(self, queries: Iterable[tuple[str, str]]) -> None:
        """Nothing to start: zone text answers at once."""

    def _node(self, name: str) -> tuple[dns.node.Node | None, bool]:
        """The node at ``name`` (or the wildcard covering it), and whether the name exists."""
        zone = self._zone_of(name)
        if zone is None:
            return None, False
        qname = dns.name.from_text(name)
        node = zone.get_node(qname)
        if node is None and any(n.is_subdomain(qname) for n in zone.nodes):
            return None, True  # an empty non-terminal
        if node is None:
            node = self._wildcard(zone, name)
        return node, node is not None

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
