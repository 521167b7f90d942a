"""What each listener offers, as a client sees it: EHLO and CAPABILITY, with and without a certificate;
passwords only after TLS; and the re-injection listener closed to every local user but the helper."""

from __future__ import annotations

import imaplib
import json
import smtplib
import socket
import subprocess
import textwrap

import pytest

from realstack.org import Org, addr
from servers.mailstack import NOBODY, OUTSIDER, MailStack, MailStackFactory

pytestmark = pytest.mark.realstack


@pytest.fixture
def tls_stack(org: Org, mailstack_factory: MailStackFactory) -> MailStack:
    return mailstack_factory(org.database, tls=True)


def ehlo(port: int, starttls: MailStack | None = None) -> set[str]:
    """The EHLO keywords on ``port`` (after STARTTLS when a stack's certificate is given)."""
    with smtplib.SMTP("127.0.0.1", port, local_hostname="client.example", timeout=30) as smtp:
        smtp.ehlo()
        if starttls is not None:
            smtp.starttls(context=starttls.tls)
            smtp.ehlo()
        return set(smtp.esmtp_features)


class RemoteIMAP4(imaplib.IMAP4):
    """An IMAP client on another address (127.0.0.2): Dovecot counts a connection from its own
    address as secure, one from elsewhere (like a laptop's) not."""

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout, source_address=("127.0.0.2", 0))


def imap_capabilities(port: int) -> set[str]:
    conn = RemoteIMAP4("127.0.0.1", port, timeout=30)
    try:
        return set(conn.capabilities)
    finally:
        conn.shutdown()


def test_without_a_certificate_nothing_offers_tls_and_passwords_stay_on_loopback(stack: MailStack) -> None:
    assert {"starttls", "auth"} & ehlo(stack.smtp_port) == set()
    # the loopback-only test setup: submission takes a password in cleartext, IMAP too
    assert "auth" in ehlo(stack.submission_port) and "starttls" not in ehlo(stack.submission_port)
    assert "STARTTLS" not in imap_capabilities(stack.imap_port)


def test_with_a_certificate_the_mx_offers_starttls_and_passwords_need_tls(tls_stack: MailStack, org: Org) -> None:
    stack, alice = tls_stack, addr("alice")
    # port 25: STARTTLS offered to other mail servers, never a login
    assert "starttls" in ehlo(stack.smtp_port) and "auth" not in ehlo(stack.smtp_port)
    assert "auth" not in ehlo(stack.smtp_port, starttls=stack)
    # 587: STARTTLS, and only then AUTH
    assert "starttls" in ehlo(stack.submission_port) and "auth" not in ehlo(stack.submission_port)
    assert "auth" in ehlo(stack.submission_port, starttls=stack)
    # 465: implicit TLS, AUTH at once
    with smtplib.SMTP_SSL("127.0.0.1", stack.submissions_port, context=stack.tls, timeout=30) as smtp:
        smtp.ehlo()
        assert "auth" in smtp.esmtp_features
        smtp.login(alice, org.password(alice))
        assert smtp.send_message(stack.message(addr("bob"), "over implicit TLS", sender=alice)) == {}
    # inbound mail over STARTTLS reaches the mailbox, read over IMAP with STARTTLS
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, local_hostname="client.example", timeout=30) as smtp:
        smtp.starttls(context=stack.tls)
        assert smtp.send_message(stack.message(alice, "inbound over STARTTLS")) == {}
    stack.wait_for(alice, org.password(alice), "inbound over STARTTLS")
    stack.wait_for(addr("bob"), org.password(addr("bob")), "over implicit TLS")
    # 993: implicit TLS
    conn = imaplib.IMAP4_SSL("127.0.0.1", stack.params.imaps_port, ssl_context=stack.tls, timeout=30)
    try:
        conn.login(alice, org.password(alice))
        assert conn.select("INBOX", readonly=True)[0] == "OK"
    finally:
        conn.logout()


def test_with_a_certificate_a_password_in_cleartext_is_refused(tls_stack: MailStack, org: Org) -> None:
    stack, alice = tls_stack, addr("alice")
    with smtplib.SMTP("127.0.0.1", stack.submission_port, local_hostname="laptop.example", timeout=30) as smtp:
        smtp.ehlo()
        code, text = smtp.docmd("AUTH", "PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABub3QtdGhlLXBhc3N3b3Jk")
    assert code == 530 and b"STARTTLS" in text
    assert {"STARTTLS", "LOGINDISABLED"} <= imap_capabilities(stack.imap_port)
    conn = RemoteIMAP4("127.0.0.1", stack.imap_port, timeout=30)
    try:
        with pytest.raises(imaplib.IMAP4.error, match=r"PRIVACYREQUIRED|disabled"):
            conn.login(alice, org.password(alice))
        conn.starttls(stack.tls)
        assert conn.login(alice, org.password(alice))[0] == "OK"
    finally:
        conn.shutdown()


# Run as another local user: what can it do with the re-injection listener and the database?
_OUTSIDER_SCRIPT = textwrap.dedent(
    """\
    import json, smtplib, sqlite3, sys
    port, db, team = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    out = {}
    try:
        sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("SELECT 1 FROM mailbox").fetchone()
        out["database"] = "read"
    except sqlite3.Error as exc:
        out["database"] = str(exc)
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo()
        smtp.mail("")
        out["relay"] = list(smtp.rcpt("someone@elsewhere.example"))
        out["group"] = list(smtp.rcpt(team))
        smtp.rset()
        try:
            smtp.login("mailplan-autoreply", "a guess")
            out["login"] = "accepted"
        except smtplib.SMTPAuthenticationError as exc:
            out["login"] = exc.smtp_code
    print(json.dumps(out, default=lambda b: b.decode()))
    """
)


def test_the_reinjection_listener_refuses_other_local_users(stack: MailStack, org: Org) -> None:
    done = subprocess.run(
        ["/usr/bin/python3", "-c", _OUTSIDER_SCRIPT, str(stack.reinject_port), str(org.database), addr("team")],
        user=NOBODY, group=NOBODY, extra_groups=[], cwd="/", capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["database"] == "unable to open database file"  # so it cannot learn the helper's secret
    assert seen["relay"][0] == 554 and "Access denied" in seen["relay"][1]
    assert seen["group"][0] == 554
    assert seen["login"] == 535
    # the helper itself still gets its replies through
    assert stack.send(addr("info"), "does the helper still answer?") == {}
    stack.settle()
    assert [m.subject for m in stack.capture.to(OUTSIDER)] == ["Thank you for writing to us"]
