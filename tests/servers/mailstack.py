"""Real Postfix + Dovecot serving a mailplan local database, on free loopback ports.

The servers run with exactly the files ``mailplan local server-config``
generates, wrapped in the few settings a standalone test instance needs
(queue and state directories, log files, where outside mail goes: a capture
SMTP server on loopback). ``mailstack_factory`` starts stacks on a given
database and stops every one of them by PID at teardown, waiting until no
process of theirs is left.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import os
import shutil
import smtplib
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

import mailplan
from mailplan.providers.mail.local import serverconfig
from mailplan.providers.mail.local.serverconfig import ServerParams
from servers.accounts import Account
from servers.capture_smtp import CaptureSmtp, start_capture
from servers.common import (
    banner,
    free_port,
    require_binaries,
    server_dir,
    session_of,
    stop_pid_file,
    wait_sessions_gone,
    wait_until,
)
from servers.tlscert import client_context, make_certificate

NOBODY = 65534  # owns the test Maildirs: no system user to create (the helpers run as a throwaway user)
HOSTNAME = "mx.mailplan.test"
OUTSIDER = "buyer@client.example"  # an address outside the organization

POSTFIX_INSTANCE = """\
# standalone test instance; everything after the marker is server-config's main.cf.fragment
compatibility_level = 3.6
queue_directory = {root}/spool
data_directory = {root}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = /dev/stdout
myhostname = mx.mailplan.test
mydomain = mailplan.test
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
# everything for outside domains goes to the capture server, never off the machine
default_transport = smtp:[127.0.0.1]:{capture_port}
relay_transport = smtp:[127.0.0.1]:{capture_port}
# ---- server-config ----
"""

POSTFIX_BASE_SERVICES = """\
# service type  private unpriv  chroot  wakeup  maxproc command + args
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
# ---- server-config ----
"""

DOVECOT_INSTANCE = """\
# standalone test instance; server-config's dovecot-mailplan.conf is included below
listen = 127.0.0.1
base_dir = {root}/dovecot/run
state_dir = {root}/dovecot/state
instance_name = mailplan-{imap_port}
log_path = {root}/dovecot.log
auth_verbose = yes
auth_failure_delay = 0
# tests log in wrongly on purpose: no per-IP auth penalty (needs a fresh base_dir)
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
!include {config_dir}/dovecot-mailplan.conf
"""


def helper_python(helper: Account) -> str:
    """A Python the helpers' user may run; mailplan's source goes on its path.

    This test run's interpreter may live where that user cannot read it (e.g. in root's
    home); the helpers need only the standard library, so the system one does too.
    """
    for candidate in (sys.executable, "/usr/bin/python3"):
        probe = subprocess.run(["runuser", "-u", helper.name, "--", candidate, "-c", "pass"], capture_output=True)
        if probe.returncode == 0:
            return candidate
    raise RuntimeError(f"no Python that user {helper.name} may run: install Debian's python3")


def helper_pythonpath(root: Path) -> Path:
    """A copy of the mailplan package that the helpers' user can read.

    The checkout may sit in a folder only its owner can enter (a fresh ``mktemp -d`` clone is
    0700), and the helpers run as another user; the stack's own root is world-traversable.
    """
    target = root / "python"
    if not (target / "mailplan").exists():
        shutil.copytree(
            Path(mailplan.__file__).resolve().parent, target / "mailplan",
            ignore=shutil.ignore_patterns("__pycache__"),
        )  # fmt: skip
        for folder in [target, *target.rglob("*")]:
            folder.chmod(0o755 if folder.is_dir() else 0o644)
    return target


def instance_params(root: Path, database: Path, helper: Account, tls: bool = False) -> ServerParams:
    """server-config's parameters for a test instance under ``root`` (with a certificate when ``tls``)."""
    cert, key = make_certificate(root / "tls", HOSTNAME) if tls else (None, None)
    return ServerParams(
        database=database,
        config_dir=root / "mailplan",
        hostname=HOSTNAME,
        postmaster="postmaster@mailplan.test",
        vmail_dir=root / "vmail",
        vmail_uid=NOBODY,
        vmail_gid=NOBODY,
        smtp_listen=f"127.0.0.1:{free_port()}",
        submission_listen=f"127.0.0.1:{free_port()}",
        submissions_listen=f"127.0.0.1:{free_port()}",
        reinject_listen=f"127.0.0.1:{free_port()}",
        imap_address="127.0.0.1",
        imap_port=free_port(),
        imaps_port=free_port(),
        lmtp_address="127.0.0.1",
        lmtp_port=free_port(),
        postfix_queue_dir=root / "spool",
        python=helper_python(helper),
        pythonpath=str(helper_pythonpath(root)),
        helper_user=helper.name,
        autoreply_state_dir=root / "autoreply",
        tls_cert=cert,
        tls_key=key,
    )


def selected_messages(conn: imaplib.IMAP4) -> dict[bytes, EmailMessage]:
    """Every message of the selected mailbox by number, read without marking it seen."""
    found = {}
    _, data = conn.search(None, "ALL")
    for num in data[0].split():
        _, parts = conn.fetch(num, "(BODY.PEEK[])")
        raw = parts[0]
        assert isinstance(raw, tuple)
        parsed = email.message_from_bytes(raw[1], policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        found[num] = parsed
    return found


Generate = Callable[[ServerParams], None]


def generate_with_module(params: ServerParams) -> None:
    serverconfig.write(params, params.config_dir)


def _port(listen: str) -> int:
    return int(listen.rpartition(":")[2])


@dataclass
class MailStack:
    root: Path
    params: ServerParams
    capture: CaptureSmtp
    helper: Account
    postfix_wrapper: subprocess.Popen[bytes] | None = None
    dovecot: subprocess.Popen[bytes] | None = None
    sessions: set[int] = field(default_factory=set)

    @property
    def smtp_port(self) -> int:
        return _port(self.params.smtp_listen)

    @property
    def submission_port(self) -> int:
        return _port(self.params.submission_listen)

    @property
    def submissions_port(self) -> int:
        return _port(self.params.submissions_listen)

    @property
    def reinject_port(self) -> int:
        return _port(self.params.reinject_listen)

    @property
    def imap_port(self) -> int:
        return self.params.imap_port

    @property
    def tls(self) -> ssl.SSLContext | None:
        """A client context trusting this stack's certificate, or None when it has none."""
        return client_context(self.params.tls_cert) if self.params.tls_cert else None

    @property
    def postfix_dir(self) -> Path:
        return self.root / "postfix"

    # --- sending -----------------------------------------------------------------------------------------------

    def message(
        self,
        to: str | Sequence[str],
        subject: str,
        sender: str = OUTSIDER,
        body: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> EmailMessage:
        msg = EmailMessage()
        for name, value in (headers or {}).items():
            msg[name] = value
        msg["From"] = sender
        msg["To"] = to if isinstance(to, str) else ", ".join(to)
        msg["Subject"] = subject
        msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "mailplan.test")
        msg.set_content(body or f"body of {subject}\n")
        return msg

    def send(
        self,
        to: str | Sequence[str],
        subject: str,
        sender: str = OUTSIDER,
        body: str = "",
        headers: Mapping[str, str] | None = None,
        envelope_sender: str | None = None,
    ) -> dict[str, tuple[int, bytes]]:
        """Deliver through the public MX port as an outside server would; returns refused recipients.

        ``envelope_sender`` is the MAIL FROM when it differs from the From header ("" for a bounce).
        """
        msg = self.message(to, subject, sender, body, headers)
        with smtplib.SMTP("127.0.0.1", self.smtp_port, local_hostname="client.example", timeout=30) as smtp:
            return smtp.send_message(msg, from_addr=envelope_sender)

    def submit(
        self, login: str, password: str, to: str | Sequence[str], subject: str, sender: str | None = None
    ) -> dict[str, tuple[int, bytes]]:
        """Send as a logged-in user through the submission port."""
        msg = self.message(to, subject, sender or login)
        with smtplib.SMTP("127.0.0.1", self.submission_port, local_hostname="laptop.example", timeout=30) as smtp:
            if self.tls is not None:
                smtp.starttls(context=self.tls)
            smtp.login(login, password)
            return smtp.send_message(msg)

    # --- reading -----------------------------------------------------------------------------------------------

    def imap(self, user: str, password: str) -> imaplib.IMAP4:
        """A logged-in IMAP connection (raises imaplib.IMAP4.error when login is refused)."""
        conn = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=30)
        try:
            if self.tls is not None:
                conn.starttls(self.tls)
            conn.login(user, password)
        except BaseException:
            conn.shutdown()
            raise
        return conn

    def inbox(self, user: str, password: str) -> list[EmailMessage]:
        conn = self.imap(user, password)
        try:
            conn.select("INBOX", readonly=True)
            return list(selected_messages(conn).values())
        finally:
            conn.logout()

    def subjects(self, user: str, password: str) -> list[str]:
        return [str(m["Subject"]) for m in self.inbox(user, password)]

    def wait_for(self, user: str, password: str, subject: str, timeout: float = 30) -> EmailMessage:
        """The message with ``subject`` in ``user``'s INBOX, once it has arrived."""
        found: list[EmailMessage] = []

        def arrived() -> bool:
            found[:] = [m for m in self.inbox(user, password) if str(m["Subject"]) == subject]
            return bool(found)

        wait_until(arrived, timeout, f"{subject!r} in {user}'s INBOX")
        return found[0]

    def settle(self, timeout: float = 30) -> None:
        """Wait until Postfix's queue is empty: every accepted message (and what it caused) is delivered."""

        def empty() -> bool:
            out = subprocess.run(
                ["postqueue", "-c", str(self.postfix_dir), "-p"], capture_output=True, text=True, check=False
            ).stdout
            return "Mail queue is empty" in out

        wait_until(empty, timeout, "empty Postfix queue")

    def maildir(self, address: str) -> Path:
        local, _, domain = address.partition("@")
        return self.params.vmail_dir / domain / local / "Maildir"

    def stored_subjects(self, address: str) -> list[str]:
        """Subjects of every message in the Maildir on disk (any folder, read or not)."""
        subjects = []
        for path in sorted(self.maildir(address).rglob("*")):
            if path.is_file() and path.parent.name in {"new", "cur"}:
                parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                subjects.append(str(parsed["Subject"]))
        return subjects

    def postfix_log(self) -> str:
        return (self.root / "postfix.log").read_text(errors="replace")

    # --- lifecycle ---------------------------------------------------------------------------------------------

    def start(self, generate: Generate, spool_template: Path | None = None) -> None:
        require_binaries("postfix", "dovecot", "postqueue", "/usr/lib/postfix/sbin/spawn")
        p = self.params
        for sub in ("postfix", "dovecot/state"):
            (self.root / sub).mkdir(parents=True)
        if spool_template is None:
            p.postfix_queue_dir.mkdir()
        else:
            # a ready-made queue and data dir (owners and modes kept) spare Postfix its ~2 s first-start setup
            for made in ("spool", "data"):
                subprocess.run(["cp", "-a", str(spool_template / made), str(self.root / made)], check=True)
            (p.postfix_queue_dir / "quick-start").touch()
        p.vmail_dir.mkdir(parents=True)
        os.chown(p.vmail_dir, NOBODY, NOBODY)
        p.autoreply_state_dir.mkdir(parents=True)
        os.chown(p.autoreply_state_dir, self.helper.uid, self.helper.gid)
        generate(p)
        fragment = (p.config_dir / "main.cf.fragment").read_text()
        main_cf = POSTFIX_INSTANCE.format(root=self.root, capture_port=self.capture.port) + fragment
        (self.postfix_dir / "main.cf").write_text(main_cf)
        master_cf = POSTFIX_BASE_SERVICES + (p.config_dir / "master.cf.fragment").read_text()
        (self.postfix_dir / "master.cf").write_text(master_cf)
        (self.root / "dovecot.conf").write_text(
            DOVECOT_INSTANCE.format(root=self.root, imap_port=p.imap_port, config_dir=p.config_dir)
        )
        # Postfix waits (up to 1.5 s) for a main.cf younger than a few seconds to settle: age the files.
        aged = time.time() - 60
        for written in (*self.postfix_dir.iterdir(), *p.config_dir.iterdir()):
            os.utime(written, (aged, aged))
        # Postfix first: it creates spool/private, where Dovecot puts the auth socket for it.
        with open(self.root / "postfix.log", "ab") as log:
            wrapper = subprocess.Popen(
                ["postfix", "-c", str(self.postfix_dir), "start-fg"], stdout=log, stderr=log, start_new_session=True
            )
        self.postfix_wrapper = wrapper
        self.sessions.add(wrapper.pid)
        wait_until(lambda: self._up(wrapper, "postfix.log", self.smtp_port, b"220"), 60, "Postfix")
        master = int((p.postfix_queue_dir / "pid" / "master.pid").read_text().split()[0])
        self.sessions.add(session_of(master) or master)  # master runs in a session of its own
        with open(self.root / "dovecot.stderr", "ab") as log:
            dovecot = subprocess.Popen(
                ["dovecot", "-F", "-c", str(self.root / "dovecot.conf")],
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        self.dovecot = dovecot
        self.sessions.add(dovecot.pid)
        wait_until(lambda: self._up(dovecot, "dovecot.stderr", self.imap_port, b"* OK"), 30, "Dovecot")

    def _up(self, server: subprocess.Popen[bytes], log: str, port: int, greeting: bytes) -> bool:
        """True once ``port`` greets; fails at once, with the log, if the server has exited."""
        if server.poll() is not None:
            raise RuntimeError(f"the server exited ({server.returncode}); its log:\n{(self.root / log).read_text()}")
        return banner("127.0.0.1", port, greeting)

    def stop(self) -> None:
        # Both servers take about a second to wind down: signal both, then wait.
        if self.dovecot is not None and self.dovecot.poll() is None:
            self.dovecot.terminate()
        stop_pid_file(self.params.postfix_queue_dir / "pid" / "master.pid")
        if self.dovecot is not None:
            try:
                self.dovecot.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.dovecot.kill()
                self.dovecot.wait()
        if self.postfix_wrapper is not None:
            try:
                self.postfix_wrapper.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.postfix_wrapper.kill()
                self.postfix_wrapper.wait()
        wait_sessions_gone(self.sessions)
        self.capture.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def start_mailstack(
    database: Path,
    helper: Account,
    generate: Generate = generate_with_module,
    spool_template: Path | None = None,
    tls: bool = False,
) -> MailStack:
    """Start Postfix + Dovecot on ``database``; the caller must ``stop()`` it."""
    root = server_dir("mailstack")
    params = instance_params(root, database, helper, tls)
    stack = MailStack(root=root, params=params, capture=start_capture(), helper=helper)
    try:
        stack.start(generate, spool_template)
    except BaseException:
        stack.stop()
        raise
    return stack


def make_spool_template(folder: Path) -> Path:
    """Empty Postfix queue and data directories (``spool``, ``data`` in the returned folder),
    made once by ``post-install``, for stacks to copy."""
    config = folder / "config"
    config.mkdir()
    (config / "master.cf").write_text("")
    (config / "main.cf").write_text(
        "\n".join(
            [
                "compatibility_level = 3.6",
                f"queue_directory = {folder / 'spool'}",
                f"data_directory = {folder / 'data'}",
                "command_directory = /usr/sbin",
                "daemon_directory = /usr/lib/postfix/sbin",
                "meta_directory = /etc/postfix",
                "shlib_directory = /usr/lib/postfix",
                "mail_owner = postfix",
                "setgid_group = postdrop",
                "",
            ]
        )
    )
    (folder / "spool").mkdir()
    subprocess.run(["postfix", "-c", str(config), "post-install", "create-missing"], check=True, capture_output=True)
    return folder


@pytest.fixture(scope="session")
def postfix_spool_template() -> Iterator[Path]:
    require_binaries("postfix")
    folder = server_dir("spool-template")
    yield make_spool_template(folder)
    shutil.rmtree(folder, ignore_errors=True)


MailStackFactory = Callable[..., MailStack]


@pytest.fixture
def mailstack_factory(postfix_spool_template: Path, mail_helper: Account) -> Iterator[MailStackFactory]:
    """``start(database, generate=..., tls=...) -> MailStack``; every stack started is stopped at teardown.

    The helpers run as ``mail_helper``: the database must belong to its group (``database_group``).
    """
    started: list[MailStack] = []

    def start(database: Path, generate: Generate = generate_with_module, tls: bool = False) -> MailStack:
        stack = start_mailstack(database, mail_helper, generate, postfix_spool_template, tls)
        started.append(stack)
        return stack

    yield start
    for stack in started:
        stack.stop()
