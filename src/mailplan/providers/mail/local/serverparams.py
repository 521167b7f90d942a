"""Deployment facts for the Postfix and Dovecot configuration, and which listeners face the network."""

from __future__ import annotations

import ipaddress
import sys
from dataclasses import dataclass
from pathlib import Path

from mailplan.i18n import Msg
from mailplan.providers.mail.local.serverdb import AUTOREPLY_LOGIN

POLICY_SERVICE = "mailplan-policy"
AUTOREPLY_SERVICE = "mailplan-autoreply"
AUTH_SOCKET = "private/mailplan-auth"  # relative to Postfix's queue directory (works chrooted or not)


@dataclass(frozen=True)
class ServerParams:
    """Deployment facts. The defaults suit a Debian mail server; tests override them."""

    database: Path
    config_dir: Path  # where these files are installed; map paths in main.cf point here
    hostname: str
    postmaster: str
    vmail_dir: Path = Path("/var/mail/vmail")
    vmail_uid: int = 5000
    vmail_gid: int = 5000
    # master.cf service names (``smtp``: every interface) or ``host:port``
    smtp_listen: str = "smtp"
    submission_listen: str = "submission"
    submissions_listen: str = "submissions"  # implicit TLS (465); only with a certificate
    reinject_listen: str = "127.0.0.1:10026"  # loopback, and only the auto-reply helper may log in
    imap_address: str = "*"
    imap_port: int = 143
    imaps_port: int = 993  # implicit TLS; only with a certificate
    lmtp_address: str = "127.0.0.1"
    lmtp_port: int = 24
    postfix_queue_dir: Path = Path("/var/spool/postfix")
    # helper programs (policy service, auto-reply transport)
    python: str = sys.executable
    pythonpath: str | None = None  # prepended to PYTHONPATH when mailplan is not installed for ``python``
    helper_user: str = "mailplan"  # not root, not postfix: Postfix refuses both for spawn/pipe
    autoreply_state_dir: Path = Path("/var/lib/mailplan/autoreply")
    autoreply_domain: str = "autoreply.mailplan.invalid"
    autoreply_days: int = 7  # one auto-reply per sender and address in this many days
    tls_cert: Path | None = None
    tls_key: Path | None = None

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None and self.tls_key is not None

    @property
    def reinject_host_port(self) -> str:
        return self.reinject_listen if ":" in self.reinject_listen else f"127.0.0.1:{self.reinject_listen}"

    @property
    def autoreply_login(self) -> str:
        return AUTOREPLY_LOGIN


# --- listeners: which face the network ---------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    host = host.strip().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # "*", "0.0.0.0"-style wildcards and names: every interface


def listen_host(listen: str) -> str:
    """The address part of a master.cf listener; ``*`` (every interface) for a bare service or port."""
    host, colon, _ = listen.rpartition(":")
    return host if colon and host else "*"


def cleartext_listeners_off_loopback(p: ServerParams) -> list[str]:
    """Listeners that would take passwords without TLS on a network interface (none with a certificate)."""
    if p.tls:
        return []
    found: list[str] = []
    if not is_loopback(listen_host(p.submission_listen)):
        found.append(Msg("submission ({listen})", listen=p.submission_listen))
    addresses = [a.strip() for a in p.imap_address.split(",") if a.strip()]
    if not addresses or not all(is_loopback(a) for a in addresses):
        found.append(Msg("IMAP ({address} port {port})", address=p.imap_address, port=p.imap_port))
    return found
