"""A real PowerDNS Authoritative server (gsqlite3 backend, HTTP API) on free
loopback ports.

``powerdns_server`` (function scope) serves the zones in ``PDNS_ZONES``,
created through the API with an NS and the NS host's address.
"""

from __future__ import annotations

import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest
import requests

from servers.bind import answers_soa, still_running
from servers.common import free_port, require_binaries, server_dir, stop_process, wait_until

PDNS_ZONES = ("example.test", "xn--fiqs8s.test")
SCHEMA = Path("/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql")

PDNS_CONF = """\
launch=gsqlite3
gsqlite3-database={dir}/pdns.sqlite3
gsqlite3-dnssec=no
local-address=127.0.0.1
local-port={dns_port}
socket-dir={dir}
daemon=no
guardian=no
disable-syslog=yes
write-pid=no
api=yes
api-key={api_key}
webserver=yes
webserver-address=127.0.0.1
webserver-port={api_port}
webserver-allow-from=127.0.0.0/8
loglevel=4
security-poll-suffix=
default-soa-content=ns1.@ hostmaster.@ 0 10800 3600 604800 300
"""


@dataclass(frozen=True)
class PowerDnsServer:
    host: str
    dns_port: int
    api_port: int
    api_key: str
    zones: tuple[str, ...]
    directory: Path
    pid: int

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}/api/v1"

    def query(self, name: str, rtype: str) -> list[str]:
        """The answer's rdata in presentation form, asked straight of this server over DNS."""
        reply = dns.query.udp(dns.message.make_query(name, rtype), self.host, port=self.dns_port, timeout=3)
        if reply.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise AssertionError(f"{name} {rtype}: {dns.rcode.to_text(reply.rcode())}")
        wanted = dns.rdatatype.from_text(rtype)
        return sorted(rd.to_text() for rrset in reply.answer if rrset.rdtype == wanted for rd in rrset)

    def settings(self) -> dict[str, object]:
        """mailplan ``powerdns`` provider settings pointing at this server."""
        return {"api_url": self.api_url, "api_key": self.api_key, "server_id": "localhost"}


def _api_answers(url: str, api_key: str) -> bool:
    try:
        return requests.get(f"{url}/servers/localhost", headers={"X-API-Key": api_key}, timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


def _create_zone(url: str, api_key: str, zone: str) -> None:
    resp = requests.post(
        f"{url}/servers/localhost/zones",
        headers={"X-API-Key": api_key},
        json={
            "name": f"{zone}.",
            "kind": "Native",
            "nameservers": [f"ns1.{zone}."],
            "rrsets": [
                {
                    "name": f"ns1.{zone}.",
                    "type": "A",
                    "ttl": 300,
                    "changetype": "REPLACE",
                    "records": [{"content": "127.0.0.1", "disabled": False}],
                }
            ],
        },
        timeout=10,
    )
    if resp.status_code != 201:
        raise RuntimeError(f"creating zone {zone} in PowerDNS: HTTP {resp.status_code} {resp.text}")


@contextmanager
def start_powerdns(zones: Sequence[str] = PDNS_ZONES) -> Iterator[PowerDnsServer]:
    require_binaries("pdns_server", str(SCHEMA))
    directory = server_dir("pdns")
    proc: subprocess.Popen[bytes] | None = None
    try:
        dns_port, api_port = free_port(), free_port()
        api_key = secrets.token_hex(16)
        with closing(sqlite3.connect(directory / "pdns.sqlite3")) as db:
            db.executescript(SCHEMA.read_text())
        (directory / "pdns.conf").write_text(
            PDNS_CONF.format(dir=directory, dns_port=dns_port, api_port=api_port, api_key=api_key)
        )
        log_path = directory / "pdns.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(["pdns_server", f"--config-dir={directory}"], stdout=log, stderr=log)
        pdns = proc
        url = f"http://127.0.0.1:{api_port}/api/v1"
        wait_until(lambda: still_running(pdns, log_path) and _api_answers(url, api_key), 15, f"pdns API on {url}")
        for zone in zones:
            _create_zone(url, api_key, zone)
        wait_until(lambda: all(answers_soa("127.0.0.1", dns_port, z) for z in zones), 15, "pdns DNS answers")
        yield PowerDnsServer("127.0.0.1", dns_port, api_port, api_key, tuple(zones), directory, proc.pid)
    finally:
        # also when the start or the test failed: no server and no folder outlive the test
        if proc is not None:
            stop_process(proc)
        shutil.rmtree(directory, ignore_errors=True)

@pytest.fixture
def powerdns_server() -> Iterator[PowerDnsServer]:
    with start_powerdns() as server:
        yield server
