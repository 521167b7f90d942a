"""A real HTTPS server on loopback serving MTA-STS policies, with its own test certificate authority.

The CA and the server's certificate are made here with ``cryptography``; the client trusts the CA
through ``SSL_CERT_FILE`` (OpenSSL's own setting for the trust store), so the certificate is verified
exactly as a public one would be — chain and host name. ``wrong_name`` serves a certificate for other
names, signed by the same CA, to prove a mismatch is caught.

Each ``mta-sts.<domain>`` host gets what ``policies`` holds for it: a body, a status, a content type
and headers (a redirect); a host it does not know gets 404.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import ssl
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from servers.common import free_port


@dataclass
class Served:
    body: str = ""
    status: int = 200
    content_type: str = "text/plain"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class LoopbackCa:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    path: Path  # the CA certificate as PEM: what SSL_CERT_FILE points at

    def issue(self, names: Sequence[str], folder: Path, stem: str) -> tuple[Path, Path]:
        """A server certificate for ``names`` signed by this CA: (certificate chain, key) PEM files."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        cert_path, key_path = folder / f"{stem}.crt", folder / f"{stem}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return cert_path, key_path


def make_ca(folder: Path) -> LoopbackCa:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailplan test CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = folder / "test-ca.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return LoopbackCa(key, cert, path)


@dataclass
class PolicyServer:
    host: str
    port: int
    policies: dict[str, Served]  # by host name: mta-sts.<domain>
    requests: list[tuple[str, str]]  # (Host header, path) of every request


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        self.server.site.requests.append((host, self.path))
        served = self.server.site.policies.get(host)
        if served is None or self.path != "/.well-known/mta-sts.txt":
            served = Served("not found", 404)
        body = served.body.encode()
        self.send_response(served.status)
        self.send_header("Content-Type", served.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in served.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    site: PolicyServer


@contextlib.contextmanager
def serve_policies(ca: LoopbackCa, names: Sequence[str], policies: dict[str, Served],
                   folder: Path) -> Iterator[PolicyServer]:
    """HTTPS on 127.0.0.1 with a certificate for ``names``, serving ``policies`` (which may change meanwhile)."""
    cert, key = ca.issue(names, folder, f"server-{free_port()}")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    site = PolicyServer("127.0.0.1", free_port(), policies, [])
    server = _Server((site.host, site.port), _Handler)
    server.site = site
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:  # nothing outlives the test
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
