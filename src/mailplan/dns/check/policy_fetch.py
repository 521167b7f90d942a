"""Fetching a domain's MTA-STS policy as a sending server does (RFC 8461 §3.3).

``GET https://mta-sts.<domain>/.well-known/mta-sts.txt`` at the addresses the check's DNS gives
for ``mta-sts.<domain>``; the certificate must be valid for that name (the system's trust store,
or the one ``SSL_CERT_FILE`` names), redirects are not followed, only 200 counts, the body is
read up to 64 KiB, and every step gets at most what is left of the run's deadline.

Two outcomes are kept apart: what a sender would also fail on is the domain's problem (a bad
certificate, a redirect, a 404, a body too large: STS02 fails); a fetch that could not be made
from here (connection refused, no answer in time, the deadline) decides nothing, and the rules
that need the policy are reported as not checked.

``--connect-to HOST1:PORT1:HOST2:PORT2`` (as curl has it) sends the connection elsewhere — a
staging server, a test server on loopback — while the name checked in the certificate and sent
in SNI and ``Host`` stays ``mta-sts.<domain>``.

The standard library's ``http.client`` does the request rather than ``requests``: the connection
must go to an address chosen here while the certificate is verified for another name, and the
body is read with a byte and a time bound — both direct with ``http.client``, and only through
urllib3's pool internals with ``requests``.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass

from mailplan.dns.check.deadline import Deadline
from mailplan.errors import MailplanError

PATH = "/.well-known/mta-sts.txt"
MAX_BYTES = 64 * 1024  # RFC 8461 §3.3: senders should not read more
FETCH_TIMEOUT = 10.0  # seconds for the whole fetch from one address (the deadline may leave less)
HTTPS_PORT = 443


class BadConnectTo(MailplanError):
    """A ``--connect-to`` that is not ``HOST1:PORT1:HOST2:PORT2``."""


@dataclass(frozen=True)
class ConnectTo:
    """curl's ``--connect-to``: connections to ``host:port`` go to ``to_host:to_port`` instead.

    An empty ``host``/``port`` matches any; an empty ``to_host``/``to_port`` keeps the original.
    """

    host: str
    port: int | None
    to_host: str
    to_port: int | None

    @classmethod
    def parse(cls, text: str) -> ConnectTo:
        parts = text.split(":")
        if len(parts) != 4:
            raise BadConnectTo(f"--connect-to {text!r}: write HOST1:PORT1:HOST2:PORT2 (an empty part matches any "
                               "host or port, or keeps the original), e.g. mta-sts.example.com:443:127.0.0.1:8443")
        host, port, to_host, to_port = parts
        return cls(host.lower().rstrip("."), _port(text, port), to_host.lower(), _port(text, to_port))

    def applies(self, host: str, port: int) -> bool:
        return self.host in ("", host) and self.port in (None, port)


def _port(text: str, value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise BadConnectTo(f"--connect-to {text!r}: the port {value!r} is not a number from 1 to 65535")
    return int(value)


@dataclass(frozen=True)
class Fetched:
    url: str
    body: str = ""
    content_type: str = ""
    problem: str = ""  # what a sender would fail on too: the domain's to fix
    unreachable: str = ""  # why it could not be fetched from here: nothing is known

    @property
    def ok(self) -> bool:
        return not self.problem and not self.unreachable


class PolicyFetcher:
    def __init__(self, deadline: Deadline | None = None, connect_to: Sequence[ConnectTo] = (),
                 timeout: float = FETCH_TIMEOUT) -> None:
        self.deadline = deadline or Deadline()
        self.connect_to = tuple(connect_to)
        self.timeout = timeout

    def fetch(self, host: str, addresses: Sequence[str]) -> Fetched:
        """The policy of ``host`` (``mta-sts.<domain>``), tried at each address until one answers."""
        url = f"https://{host}{PATH}"
        port = HTTPS_PORT
        for rule in self.connect_to:
            if rule.applies(host, port):
                addresses = [rule.to_host] if rule.to_host else addresses
                port = rule.to_port or port
                break
        result = Fetched(url, unreachable="no address to connect to")
        for address in addresses:
            result = self._fetch_one(url, host, address, port)
            if not result.unreachable:
                return result
        return result

    def _fetch_one(self, url: str, host: str, address: str, port: int) -> Fetched:
        where = f"{address}:{port}" if ":" not in address else f"[{address}]:{port}"
        timeout = self.deadline.remaining(self.timeout)
        if timeout <= 0:
            return Fetched(url, unreachable=self.deadline.record_cut(f"GET {url}"))
        conn = _PinnedHttps(host, address, port, timeout)
        try:
            conn.putrequest("GET", PATH, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host)
            conn.putheader("User-Agent", "mailplan-check")
            conn.endheaders()
            response = conn.getresponse()
            return self._read(url, response, conn)
        except ssl.SSLCertVerificationError as exc:
            return Fetched(url, problem=f"the certificate at {where} is not valid for {host}: {exc.verify_message}")
        except ssl.SSLError as exc:
            return Fetched(url, problem=f"the TLS handshake with {where} failed: {exc.reason or exc}")
        except TimeoutError:
            if timeout < self.timeout or self.deadline.passed():
                return Fetched(url, unreachable=self.deadline.record_cut(f"GET {url}"))
            return Fetched(url, unreachable=f"no answer from {where} within {timeout:g} s")
        except http.client.HTTPException as exc:
            return Fetched(url, problem=f"{where} did not answer in HTTP ({type(exc).__name__})")
        except OSError as exc:
            return Fetched(url, unreachable=f"cannot connect to {where}: {(exc.strerror or str(exc)).lower()}")
        finally:
            conn.close()

    def _read(self, url: str, response: http.client.HTTPResponse, conn: _PinnedHttps) -> Fetched:
        status = response.status
        if 300 <= status < 400:
            target = response.getheader("Location") or "(no Location)"
            return Fetched(url, problem=f"answered {status} {response.reason}, a redirect to {target}; senders "
                                        "do not follow redirects (RFC 8461 §3.3)")
        if status != 200:
            return Fetched(url, problem=f"answered {status} {response.reason}; senders need 200 and the policy")
        body = b""
        while True:
            left = self.deadline.remaining(self.timeout)
            if left <= 0:
                return Fetched(url, unreachable=self.deadline.record_cut(f"GET {url}"))
            if conn.sock is not None:
                conn.sock.settimeout(left)
            chunk = response.read(8192)
            if not chunk:
                break
            body += chunk
            if len(body) > MAX_BYTES:
                return Fetched(url, problem=f"the policy is larger than {MAX_BYTES // 1024} KiB; senders stop "
                                            "reading there (RFC 8461 §3.3)")
        return Fetched(url, body.decode("utf-8", errors="replace"), response.getheader("Content-Type") or "")


class _PinnedHttps(http.client.HTTPSConnection):
    """HTTPS for ``host`` (SNI and the certificate's name) at a given address."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        context = ssl.create_default_context()  # verifies the chain and the name; honours SSL_CERT_FILE
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        try:
            self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
