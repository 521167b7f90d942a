"""Postfix pipe transport that sends mailplan's auto-replies.

The recipient map adds ``local#domain@<autoreply domain>`` to every address
with a ``mailplan_autoreply`` row; the transport map hands that pseudo-recipient
to this program, with the message on stdin. It answers the envelope sender
with the row's subject and body, following RFC 3834: never to bounces, mailing
lists or other automatic mail, only when the address was written in To/Cc, at
most once per sender and address in ``--days`` days, with a null envelope
sender and ``Auto-Submitted: auto-replied``. The reply goes back into Postfix
through a loopback SMTP listener that takes mail only from this helper's login
(``serverdb.AUTOREPLY_LOGIN``, with the secret kept in the database; over STARTTLS
when Postfix has a certificate), with the archive address as an extra envelope
recipient when the archive policy covers the domain (the journal copy).

Postfix's pipe passes the null sender of a bounce as an empty ``--sender=``
(``null_sender=`` in master.cf; by default it would pass ``MAILER-DAEMON``).

Run as ``python -m mailplan.providers.mail.local.autoreply --db PATH ...``.
Exit status 75 (temporary failure) makes Postfix retry later.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import sqlite3
import ssl
import sys
import time
from contextlib import closing
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, make_msgid
from pathlib import Path

from mailplan.providers.mail.local import serverdb

EX_TEMPFAIL = 75
AUTOMATIC_LOCAL_PARTS = ("mailer-daemon", "noreply", "no-reply", "donotreply", "do-not-reply")


def address_of(pseudo_recipient: str) -> str:
    """``zhangsan#example.com@autoreply.invalid`` → ``zhangsan@example.com``."""
    local = pseudo_recipient.rpartition("@")[0]
    user, _, domain = local.rpartition("#")
    return f"{user}@{domain}".lower()


def reason_not_to_reply(message: Message, sender: str, own: set[str]) -> str | None:
    """Why this message must not be answered, or None when it may be."""
    local = sender.rpartition("@")[0] if "@" in sender else sender  # a bare MAILER-DAEMON has no domain
    if not sender or sender == "<>":
        return "null sender (a bounce)"
    if sender in own:
        return "the sender is the address itself"
    if local in AUTOMATIC_LOCAL_PARTS or local.startswith("owner-") or local.endswith("-request"):
        return "the sender is an automatic address"
    auto = (message.get("Auto-Submitted") or "no").strip().lower()
    if auto != "no":
        return f"Auto-Submitted: {auto}"
    if (message.get("Precedence") or "").strip().lower() in {"bulk", "list", "junk"}:
        return "bulk or list mail"
    if any(message.get(h) for h in ("List-Id", "List-Unsubscribe", "List-Post")):
        return "mailing-list mail"
    if any(s in (message.get("X-Auto-Response-Suppress") or "") for s in ("All", "OOF", "AutoReply")):
        return "the sender asked for no auto-replies"
    written = {addr.lower() for _, addr in getaddresses(message.get_all("To", []) + message.get_all("Cc", []))}
    if not written & own:
        return "the address was not in To or Cc (list, group or Bcc mail)"
    return None


class ReplyLog:
    """Whom each address already answered, and when (its own small database)."""

    def __init__(self, state_dir: Path) -> None:
        path = state_dir / "autoreply.sqlite"
        if not path.exists():
            # Whom we answered is nobody else's business: owner-only, whatever the umask.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.fchmod(fd, 0o600)
            os.close(fd)
        # Autocommit: ``claim`` runs its own write transaction.
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS replied (address TEXT, sender TEXT, at REAL, PRIMARY KEY (address, sender))"
        )

    def claim(self, address: str, sender: str, days: int) -> bool:
        """Record a reply about to be sent; False when one was sent within ``days``.

        Check and record in one write transaction: two copies delivered at the
        same moment must not both answer.
        """
        self.db.execute("BEGIN IMMEDIATE")
        try:
            row = self.db.execute(
                "SELECT at FROM replied WHERE address = ? AND sender = ?", (address, sender)
            ).fetchone()
            if row is not None and time.time() - float(row[0]) < days * 86400:
                return False
            self.db.execute("INSERT OR REPLACE INTO replied VALUES (?, ?, ?)", (address, sender, time.time()))
            return True
        finally:
            self.db.execute("COMMIT")

    def release(self, address: str, sender: str) -> None:
        """Forget a claim whose reply could not be sent, so the retry may answer."""
        self.db.execute("DELETE FROM replied WHERE address = ? AND sender = ?", (address, sender))


def compose(original: Message, address: str, name: str, sender: str, subject: str, body: str) -> EmailMessage:
    reply = EmailMessage()
    local, _, domain = address.partition("@")
    reply["From"] = Address(display_name=name, username=local, domain=domain)
    reply["To"] = sender
    reply["Subject"] = subject or f"Auto: {original.get('Subject', '')}"
    reply["Auto-Submitted"] = "auto-replied"
    reply["X-Auto-Response-Suppress"] = "All"
    reply["Message-ID"] = make_msgid(domain=domain)
    message_id = original.get("Message-ID")
    if message_id:
        reply["In-Reply-To"] = message_id
        reply["References"] = f"{original.get('References', '')} {message_id}".strip()
    reply.set_content(body)
    return reply


def run(args: argparse.Namespace, raw: bytes) -> str:
    """Handle one message; return what was done, for the log."""
    address = address_of(args.recipient)
    sender = args.sender.strip().lower()
    message = BytesHeaderParser().parsebytes(raw)
    with closing(serverdb.connect(args.db)) as db:
        row = db.execute("SELECT subject, body FROM mailplan_autoreply WHERE address = ?", (address,)).fetchone()
        if row is None:
            return f"no auto-reply is set for {address}"
        name_row = db.execute("SELECT name FROM mailbox WHERE username = ?", (address,)).fetchone()
        own = serverdb.spellings(db, address)
        archive = serverdb.archive_copy_to(db, address.rpartition("@")[2])
        secret = serverdb.autoreply_secret(db)
    why_not = reason_not_to_reply(message, sender, own)
    if why_not:
        return f"not answered: {why_not}"
    log = ReplyLog(args.state_dir)
    if not log.claim(address, sender, args.days):
        return f"not answered: {sender} already got an auto-reply from {address} within {args.days} days"
    reply = compose(message, address, name_row[0] if name_row else "", sender, row[0], row[1])
    # The null envelope sender never matches sender_bcc_maps, so the archive's journal copy
    # of the reply is asked for here, as one more envelope recipient (not in the headers).
    recipients = [sender] + ([archive] if archive and archive != sender else [])
    try:
        reinject(args.reinject, secret, reply, recipients)
    except (OSError, smtplib.SMTPException):
        log.release(address, sender)
        raise
    copied = f", copy to {archive}" if len(recipients) > 1 else ""
    return f"auto-reply from {address} sent to {sender}{copied}"


def reinject(host_port: str, secret: str | None, reply: EmailMessage, recipients: list[str]) -> None:
    """Hand the reply to Postfix's re-injection listener, logged in as the helper, with a null sender."""
    if secret is None:
        raise OSError("the database has no auto-reply login secret yet: run mailplan apply")
    host, _, port = host_port.rpartition(":")
    with smtplib.SMTP(host, int(port), timeout=60) as smtp:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            # Loopback to our own Postfix: encrypted so the login is never in cleartext; the
            # certificate names the public host, not 127.0.0.1, so it is not checked here.
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            smtp.starttls(context=context)
            smtp.ehlo()
        smtp.login(serverdb.AUTOREPLY_LOGIN, secret)
        smtp.send_message(reply, from_addr="", to_addrs=recipients)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="mailplan's auto-reply transport for Postfix (pipe)")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--state-dir", type=Path, required=True, help="writable folder for the reply log")
    parser.add_argument("--days", type=int, default=7, help="answer each sender once in this many days")
    parser.add_argument("--reinject", required=True, help="host:port of Postfix's loopback listener")
    parser.add_argument("--sender", required=True, help="the envelope sender (${sender})")
    parser.add_argument("--recipient", required=True, help="the pseudo-recipient (${recipient})")
    args = parser.parse_args(argv)
    try:
        print(run(args, sys.stdin.buffer.read()), file=sys.stderr)
    except (OSError, sqlite3.Error, smtplib.SMTPException) as exc:
        print(f"mailplan-autoreply: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    return 0


if __name__ == "__main__":
    sys.exit(main())
