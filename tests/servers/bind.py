"""A real BIND (``named -g``) on a free loopback port, with a TSIG key that may
update and transfer its zones.

``bind_server`` (function scope) serves the zones in ``BIND_ZONES``, each
seeded with a SOA, an NS and the NS host's address. ``start_bind`` does the
same for any zones and is a context manager, for tests that need their own.
"""

from __future__ import annotations

import base64
import secrets
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring
import pytest

from servers.common import free_port, require_binaries, server_dir, stop_process, wait_until

BIND_ZONES = ("example.test", "xn--fiqs8s.test")  # the second is 中国.test, an IDN zone
TSIG_NAME = "mailplan-key"
TSIG_ALGORITHM = "hmac-sha256"

NAMED_CONF = """\
key "{key}" {{
  algorithm {algorithm};
  secret "{secret}";
}};
options {{
  directory "{dir}";
  pid-file "{dir}/named.pid";
  listen-on port {port} {{ 127.0.0.1; }};
  listen-on-v6 {{ none; }};
  recursion no;
  dnssec-validation no;
  allow-query {{ any; }};
  notify no;
}};
controls {{ }};
"""

ZONE_CONF = """\
zone "{zone}" {{
  type primary;
  file "{dir}/db.{zone}";
  allow-update {{ key "{key}"; }};
  allow-transfer {{ key "{key}"; }};
}};
"""

ZONE_FILE = """\
$TTL 300
@   IN SOA ns1.{zone}. hostmaster.{zone}. ( 2024010101 3600 600 86400 300 )
    IN NS  ns1.{zone}.
ns1 IN A   127.0.0.1
"""


@dataclass(frozen=True)
class BindServer:
    host: str
    port: int
    zones: tuple[str, ...]
    key_name: str
    key_algorithm: str
    key_secret: str
    directory: Path
    pid: int

    @property
    def keyring(self) -> dict[dns.name.Name, dns.tsig.Key]:
        return dns.tsigkeyring.from_text({self.key_name: (self.key_algorithm, self.key_secret)})

    def query(self, name: str, rtype: str) -> list[str]:
        """The answer's rdata in presentation form, asked straight of this server (no TSIG)."""
        reply = dns.query.udp(dns.message.make_query(name, rtype), self.host, port=self.port, timeout=3)
        if reply.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise AssertionError(f"{name} {rtype}: {dns.rcode.to_text(reply.rcode())}")
        wanted = dns.rdatatype.from_text(rtype)
        return sorted(rd.to_text() for rrset in reply.answer if rrset.rdtype == wanted for rd in rrset)

    def settings(self) -> dict[str, object]:
        """mailplan ``rfc2136`` provider settings pointing at this server."""
        return {
            "server": self.host,
            "port": self.port,
            "key_name": self.key_name,
            "key_algorithm": self.key_algorithm,
            "key_secret": self.key_secret,
        }


def answers_soa(host: str, port: int, zone: str) -> bool:
    """True once the server at host:port answers authoritatively for ``zone``."""
    try:
        reply = dns.query.udp(dns.message.make_query(zone, "SOA"), host, port=port, timeout=0.5)
    except dns.exception.Timeout:
        return False
    return reply.rcode() == dns.rcode.NOERROR and bool(reply.answer)


def still_running(proc: subprocess.Popen[bytes], log: Path) -> bool:
    if proc.poll() is not None:
        raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
    return True


@contextmanager
def start_bind(zones: Sequence[str] = BIND_ZONES) -> Iterator[BindServer]:
    require_binaries("named")
    directory = server_dir("bind")
    proc: subprocess.Popen[bytes] | None = None
    try:
        port = free_port()
        secret = base64.b64encode(secrets.token_bytes(32)).decode()
        conf = NAMED_CONF.format(key=TSIG_NAME, algorithm=TSIG_ALGORITHM, secret=secret, dir=directory, port=port)
        for zone in zones:
            conf += ZONE_CONF.format(zone=zone, dir=directory, key=TSIG_NAME)
            (directory / f"db.{zone}").write_text(ZONE_FILE.format(zone=zone))
        (directory / "named.conf").write_text(conf)
        log_path = directory / "named.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(["named", "-g", "-c", str(directory / "named.conf")], stdout=log, stderr=log)
        named = proc
        wait_until(
            lambda: still_running(named, log_path) and all(answers_soa("127.0.0.1", port, z) for z in zones),
            timeout=15,
            what=f"named on 127.0.0.1:{port} (log: {log_path})",
        )
        yield BindServer("127.0.0.1", port, tuple(zones), TSIG_NAME, TSIG_ALGORITHM, secret, directory, proc.pid)
    finally:
        # also when the start or the test failed: no server and no folder outlive the test
        if proc is not None:
            stop_process(proc)
        shutil.rmtree(directory, ignore_errors=True)

@pytest.fixture
def bind_server() -> Iterator[BindServer]:
    with start_bind() as server:
        yield server
