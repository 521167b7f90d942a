"""A DNS forwarder on loopback in front of a real authoritative server, that misbehaves on purpose.

The answers are the real server's (BIND); the proxy only decides what reaches the client, the way a
lossy network, a firewall or an overloaded server does:

- ``drop``: queries for these names are never answered (a firewall dropping them, a dead link);
- ``truncate``: answers over UDP for these names come back with the TC bit and no records, so a client
  retries over TCP — where ``tcp=False`` leaves nobody listening (the connection is refused);
- ``together``: every answer is held until that many different queries are waiting at once (or
  ``hold`` seconds pass). A client asking one name after another never has that many waiting, so
  its answers come only after ``hold`` — after its timeout; one asking them together is answered.

It records every query it saw (name, type, over TCP or not).
"""

from __future__ import annotations

import contextlib
import socketserver
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.query
import dns.rdatatype

from servers.common import free_port


@dataclass
class Behaviour:
    drop: set[str] = field(default_factory=set)  # lower-case names, no trailing dot
    truncate: set[str] = field(default_factory=set)
    tcp: bool = True
    together: int = 0
    hold: float = 10.0


class DnsProxy:
    def __init__(self, upstream: tuple[str, int], behaviour: Behaviour) -> None:
        self.upstream = upstream
        self.behaviour = behaviour
        self.host = "127.0.0.1"
        self.port = free_port()
        self.seen: list[tuple[str, str, bool]] = []
        self._waiting: set[tuple[str, str]] = set()
        self._cond = threading.Condition()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def answer(self, wire: bytes, tcp: bool) -> bytes | None:
        query = dns.message.from_wire(wire)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        key = (name, str(dns.rdatatype.to_text(question.rdtype)))
        with self._cond:
            self.seen.append((*key, tcp))
        if name in self.behaviour.drop:
            return None
        if self.behaviour.together:
            self._wait_for_company(key)
        if name in self.behaviour.truncate and not tcp:
            reply = dns.message.make_response(query)
            reply.flags |= dns.flags.TC
            return reply.to_wire()
        host, port = self.upstream
        ask = dns.query.tcp if tcp else dns.query.udp
        response = ask(query, host, port=port, timeout=5)
        return response.to_wire()

    def _wait_for_company(self, key: tuple[str, str]) -> None:
        end = time.monotonic() + self.behaviour.hold
        with self._cond:
            self._waiting.add(key)
            self._cond.notify_all()
            while len(self._waiting) < self.behaviour.together and time.monotonic() < end:
                self._cond.wait(timeout=0.05)
        # the batch is answered together; the names stay counted, so later queries are not held again

    def queries(self, name: str) -> list[tuple[str, bool]]:
        return [(rtype, tcp) for n, rtype, tcp in self.seen if n == name]


class _Udp(socketserver.ThreadingUDPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: DnsProxy


class _UdpHandler(socketserver.BaseRequestHandler):
    server: _Udp

    def handle(self) -> None:
        data, sock = self.request
        reply = self.server.proxy.answer(data, tcp=False)
        if reply is not None:
            sock.sendto(reply, self.client_address)


class _Tcp(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: DnsProxy


class _TcpHandler(socketserver.StreamRequestHandler):
    server: _Tcp

    def handle(self) -> None:
        length = self.rfile.read(2)
        if len(length) < 2:
            return
        reply = self.server.proxy.answer(self.rfile.read(int.from_bytes(length, "big")), tcp=True)
        if reply is not None:
            self.wfile.write(len(reply).to_bytes(2, "big") + reply)


@contextlib.contextmanager
def start_proxy(upstream_host: str, upstream_port: int, behaviour: Behaviour) -> Iterator[DnsProxy]:
    proxy = DnsProxy((upstream_host, upstream_port), behaviour)
    udp = _Udp((proxy.host, proxy.port), _UdpHandler)
    udp.proxy = proxy
    servers: list[socketserver.BaseServer] = [udp]
    if behaviour.tcp:
        tcp = _Tcp((proxy.host, proxy.port), _TcpHandler)
        tcp.proxy = proxy
        servers.append(tcp)
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    try:
        yield proxy
    finally:  # nothing may outlive the test
        for server in servers:
            server.shutdown()
            server.server_close()
