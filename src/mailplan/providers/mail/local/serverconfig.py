"""The Postfix and Dovecot configuration that serves the local backend's database.

``render`` turns a few deployment facts (database path, vmail directory,
listeners, certificate, the Python that runs mailplan's helpers) into the files
a self-hoster installs: sqlite map files, ``main.cf``/``master.cf`` fragments
(``postfixconf.py``), Dovecot's SQL passdb/userdb and ACL (``dovecotconf.py``)
and a ``README.txt``. The integration tests start real servers with exactly
these files.

How mailplan's meaning becomes server behaviour:
- a frozen mailbox (``mailbox.active = 0``) fails Dovecot's password query, so
  IMAP and SMTP AUTH refuse it, and its identity alias stops delivering to it;
  its delegates still open it, read-only (``dovecotconf.py``);
- ``mailplan_forwarding`` adds the successor to what the address expands to;
- ``mailplan_autoreply`` adds a pseudo-recipient in ``autoreply_domain`` that
  the transport map sends to the ``mailplan-autoreply`` pipe (``autoreply.py``);
- a group's frozen members are dropped from its expansion (no bounce);
- ``mailplan-policy`` (``policyd.py``) enforces group posting rules at RCPT;
- ``mailplan_archive`` feeds ``sender_bcc_maps`` and ``recipient_bcc_maps``.

Safe by default: with a certificate, passwords are accepted only over TLS (STARTTLS on
25 and 587, implicit TLS on 465 and 993). Without one, no listener that takes a
password may face the network (``cleartext_listeners_off_loopback``): a self-signed
pair made up here would teach people to click through warnings, and MTA-STS
``enforce`` (which mailplan publishes) rejects it anyway.
"""

from __future__ import annotations

import os
from pathlib import Path

from mailplan.providers.mail.local.dovecotconf import dovecot_files
from mailplan.providers.mail.local.postfixconf import main_cf, map_files, master_cf
from mailplan.providers.mail.local.serverdb import AUTOREPLY_LOGIN
from mailplan.providers.mail.local.serverparams import (
    AUTOREPLY_SERVICE,
    POLICY_SERVICE,
    ServerParams,
    cleartext_listeners_off_loopback,
    is_loopback,
)


def render(p: ServerParams) -> dict[str, str]:
    """File name → content for every file a deployment needs."""
    files = map_files(p)
    files["main.cf.fragment"] = main_cf(p)
    files["master.cf.fragment"] = master_cf(p)
    files.update(dovecot_files(p))
    files["README.txt"] = _readme(p)
    return files


def write(p: ServerParams, out_dir: Path) -> list[Path]:
    """Write the files into ``out_dir`` (created, world-readable: no secrets inside), whatever the umask."""
    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir.chmod(0o755)
    written = []
    for name, text in render(p).items():
        path = out_dir / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        written.append(path)
    return written


def _readme(p: ServerParams) -> str:
    tls = (
        f"- TLS: {p.tls_cert} / {p.tls_key}. STARTTLS is offered to other servers on 25 (no login\n"
        f"  there). Passwords only over TLS: STARTTLS required on 587, implicit TLS on\n"
        f"  {p.submissions_listen} (465) and IMAPS port {p.imaps_port}, STARTTLS before LOGIN on IMAP\n"
        f"  port {p.imap_port}. Both servers read the key as root when they start.\n"
        if p.tls
        else "- No certificate: every listener that takes a password is on loopback and accepts it in\n"
        "  cleartext there. A test machine only; give --tls-cert/--tls-key for a real server.\n"
    )
    return f"""\
Postfix + Dovecot configuration for mailplan's local mail database
=================================================================

Database: {p.database}
These files expect to live in {p.config_dir} (main.cf and Dovecot refer to them there).
Step by step, from a fresh Debian host: docs/self-hosting.md in mailplan's source.

Postfix (packages: postfix postfix-sqlite)
- main.cf.fragment   append to /etc/postfix/main.cf. Keep the mail domains out of mydestination.
- master.cf.fragment add to /etc/postfix/master.cf after removing the stock "smtp inet" line
                     (postconf -M -X smtp/inet): a service may be defined only once.
- sqlite-*.cf        the lookup tables main.cf names; Postfix reads the database on every
                     lookup, so mailplan apply takes effect without a reload.

Dovecot (packages: dovecot-core dovecot-imapd dovecot-lmtpd dovecot-sqlite)
- dovecot-mailplan.conf  copy to /etc/dovecot/conf.d/99-mailplan.conf; comment out
                         "!include auth-system.conf.ext" in conf.d/10-auth.conf (PAM would be
                         asked first on every login) and Debian's ssl_cert/ssl_key lines in
                         conf.d/10-ssl.conf (they name a file that may not exist).
- dovecot-sql.conf.ext   the SQL passdb/userdb it names.
- dovecot-sql-delegation.conf.ext, dovecot-acl  delegation: a grantee opens a mailbox over IMAP
                         as "mailbox*grantee" with their own password; read-only unless the grant
                         includes sending, and always read-only once the mailbox is frozen.

Before starting
- The database is mode 0640; its group must be the primary group of user {p.helper_user}, who runs
  the helpers (Postfix gives a spawn or pipe command only that group). Postfix opens its lookup
  tables as root before dropping privileges and Dovecot's auth worker runs as root, so neither
  needs the group.
- Mail is stored under {p.vmail_dir} as uid/gid {p.vmail_uid}/{p.vmail_gid}.
- The helpers ({POLICY_SERVICE}: group posting rules; {AUTOREPLY_SERVICE}: auto-replies) run
  "{p.python} -m mailplan..." as user {p.helper_user}; {p.autoreply_state_dir} must be writable by
  {p.helper_user} (it remembers whom it already answered: one auto-reply per {p.autoreply_days} days).
- Auto-replies go back into Postfix on {p.reinject_host_port}, which takes mail only from a client
  logged in as "{AUTOREPLY_LOGIN}" (its secret is in the database, so only the helper knows it).
{tls}- Start Dovecot first (it makes the auth socket in Postfix's queue directory), then Postfix.
"""


__all__ = ["ServerParams", "cleartext_listeners_off_loopback", "is_loopback", "render", "write"]
