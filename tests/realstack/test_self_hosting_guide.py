"""docs/self-hosting.md, followed word for word on a fresh copy of this Debian host, then used as a mail
server: mail from the internet reaches a person, people send to each other through it, info@ answers.

The harness runs every ```sh block of the page in order, unchanged, as root (see servers/fresh_host.py
for the copy-on-write host it runs them on). It substitutes one directory it names here: the page's
``/usr/local/src/mailplan`` becomes a fresh copy of this checkout. The private network has no route out,
so the page's ``pip install`` is served from a folder of wheels the harness downloads beforehand (pip
reads it from PIP_FIND_LINKS / PIP_NO_INDEX), and apt cannot download: ``apt-get update`` finds no
mirror (it keeps its lists and exits 0), and ``apt-get install`` is told, through APT_CONFIG, to leave
installed packages as they are rather than upgrade them (the packages are installed on this host).
"""

from __future__ import annotations

import imaplib
import json
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servers.common import banner, require_binaries, server_dir, wait_until
from servers.fresh_host import FreshHost, shell_blocks
from servers.mailstack import selected_messages

pytestmark = pytest.mark.realstack

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "self-hosting.md"
SOURCE_ON_THE_PAGE = "/usr/local/src/mailplan"  # the one directory the harness substitutes
ALICE, BOB, INFO = "alice.chen@example.com", "bob.li@example.com", "info@example.com"
CUSTOMER = "buyer@client.example"
PORTS = {"smtp": 25, "submission": 587, "submissions": 465, "imap": 143, "imaps": 993}


def _source_copy(folder: Path) -> Path:
    """The checkout's tracked files, as a clone would have them."""
    target = folder / "mailplan-src"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in files.decode().split("\0"):
        if name and (REPO / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


def _wheels(folder: Path, source: Path) -> Path:
    """Every wheel the page's ``pip install`` asks for (mailplan's dependencies and its build backend),
    for the Python the page's virtual environment uses."""
    wheels = folder / "wheels"
    version = subprocess.run(
        ["/usr/bin/python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    pyproject = (source / "pyproject.toml").read_text()
    backend = pyproject.split("requires = [", 1)[1].split("]", 1)[0].replace('"', "").split(",")
    for wanted in ([str(source)], [b.strip() for b in backend if b.strip()]):
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(wheels), "--only-binary=:all:",
             "--python-version", version, *wanted],
            capture_output=True, text=True, check=True, timeout=600,
        )  # fmt: skip
    return wheels


@pytest.fixture
def host() -> Iterator[FreshHost]:
    require_binaries("unshare", "nsenter", "ip", "postfix", "dovecot")
    fresh = FreshHost()
    fresh.start()
    yield fresh
    fresh.stop()


@pytest.fixture
def downloads() -> Iterator[tuple[Path, Path]]:
    folder = server_dir("guide-downloads")
    source = _source_copy(folder)
    yield source, _wheels(folder, source)
    shutil.rmtree(folder, ignore_errors=True)


def _credentials(host: FreshHost) -> dict[str, str]:
    lines = host.file("/var/lib/mailplan/credentials.txt").read_text().splitlines()
    return {address: password for address, _, password in (line.partition("\t") for line in lines)}


def _tls(host: FreshHost) -> ssl.SSLContext:
    """What a mail client given the page's certificate trusts; the host name is the server's."""
    return ssl.create_default_context(cafile=str(host.file("/etc/mailplan/tls/fullchain.pem")))


# The clients connect to 127.0.0.1 but check the certificate for the MX's name, as a mail client set up
# with mx.example.com would.
MX = "mx.example.com"


class _SMTP(smtplib.SMTP):
    def starttls(
        self, keyfile: None = None, certfile: None = None, context: ssl.SSLContext | None = None
    ) -> tuple[int, bytes]:
        self._host = MX
        return super().starttls(context=context)


class _SMTPS(smtplib.SMTP_SSL):
    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return self.context.wrap_socket(socket.create_connection((host, port), timeout), server_hostname=MX)


class _IMAPS(imaplib.IMAP4_SSL):
    def _create_socket(self, timeout: float | None) -> socket.socket:
        plain = socket.create_connection((self.host, self.port), timeout)
        return self.ssl_context.wrap_socket(plain, server_hostname=MX)


def _inbox(user: str, password: str, context: ssl.SSLContext) -> list[str]:
    conn = _IMAPS("127.0.0.1", PORTS["imaps"], ssl_context=context, timeout=30)
    try:
        conn.login(user, password)
        conn.select("INBOX", readonly=True)
        return [str(message["Subject"]) for message in selected_messages(conn).values()]
    finally:
        conn.logout()


def test_the_self_hosting_page_followed_word_for_word_gives_a_working_mail_server(
    host: FreshHost, downloads: tuple[Path, Path]
) -> None:
    source, wheels = downloads
    page = GUIDE.read_text(encoding="utf-8")
    blocks = shell_blocks(page)
    assert len(blocks) >= 10 and sum(SOURCE_ON_THE_PAGE in block for block in blocks) == 1
    apt_offline = wheels.parent / "apt-offline.conf"
    apt_offline.write_text('APT::Get::Upgrade "false";\n')
    offline = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels), "APT_CONFIG": str(apt_offline)}
    for number, block in enumerate(blocks, 1):
        status, output = host.run(block.replace(SOURCE_ON_THE_PAGE, str(source)), env=offline)
        assert status == 0, f"step {number} of the page failed:\n{block}\n{output}"

    def listening() -> bool:
        return all(
            host.in_network(lambda port=port: banner("127.0.0.1", port, b"220" if port in (25, 587) else b"* OK"))
            for port in (25, 587, 143)
        )

    wait_until(listening, 60, "Postfix and Dovecot as the page started them")
    passwords, context = _credentials(host), _tls(host)

    def mail_from_the_internet() -> None:
        with _SMTP("127.0.0.1", PORTS["smtp"], local_hostname="mx.client.example", timeout=30) as smtp:
            smtp.starttls(context=context)
            smtp.sendmail(CUSTOMER, [ALICE], _message(CUSTOMER, ALICE, "an enquiry from a customer"))
            smtp.sendmail(CUSTOMER, [INFO], _message(CUSTOMER, INFO, "a catalogue, please"))

    def alice_writes_to_bob() -> None:
        with _SMTP("127.0.0.1", PORTS["submission"], local_hostname="laptop", timeout=30) as smtp:
            smtp.starttls(context=context)
            smtp.login(ALICE, passwords[ALICE])
            smtp.sendmail(ALICE, [BOB], _message(ALICE, BOB, "lunch on Friday?"))
        with _SMTPS("127.0.0.1", PORTS["submissions"], context=context, timeout=30) as smtp:
            smtp.login(ALICE, passwords[ALICE])
            smtp.sendmail(ALICE, [BOB], _message(ALICE, BOB, "sent over implicit TLS"))

    host.in_network(mail_from_the_internet)
    host.in_network(alice_writes_to_bob)
    _wait_for(host, ALICE, passwords[ALICE], "an enquiry from a customer", context)
    _wait_for(host, BOB, passwords[BOB], "lunch on Friday?", context)
    _wait_for(host, BOB, passwords[BOB], "sent over implicit TLS", context)
    _wait_for(host, INFO, passwords[INFO], "a catalogue, please", context)

    # info@'s acknowledgement is on its way to the customer (queued: this network has no way out)
    queue: list[dict[str, Any]] = []

    def acknowledgement_queued() -> bool:
        listing = host.run("postqueue -j")[1]
        queue[:] = [json.loads(line) for line in listing.splitlines() if line.startswith("{")]
        # postqueue shows the null sender as MAILER-DAEMON; the headers say it is info@'s reply
        to_customer = [e["queue_id"] for e in queue if [r["address"] for r in e["recipients"]] == [CUSTOMER]]
        headers = [host.run(f"postcat -h -q {queue_id}")[1] for queue_id in to_customer]
        return any("Subject: We have your message" in h and "Auto-Submitted: auto-replied" in h for h in headers)

    try:
        wait_until(acknowledgement_queued, 60, "info@'s acknowledgement to the customer in Postfix's queue")
    except TimeoutError:
        pytest.fail(f"no acknowledgement queued; the queue: {queue}; Dovecot: {host.run('doveadm log errors')[1]}")


def _message(sender: str, to: str, subject: str) -> str:
    return f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{time.time_ns()}@test>\r\n\r\nhello\r\n"


def _wait_for(host: FreshHost, user: str, password: str, subject: str, context: ssl.SSLContext) -> None:
    wait_until(
        lambda: subject in host.in_network(lambda: _inbox(user, password, context)), 60, f"{subject!r} for {user}"
    )
