"""A tiny SMTP server on loopback that keeps every message it receives.

The test Postfix sends everything bound for outside domains here (its
``default_transport``), so tests can assert what left the "organization" —
auto-replies, forwards, bounces — while nothing leaves the machine.
"""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest

from servers.common import free_port, wait_until


@dataclass(frozen=True)
class Captured:
    mail_from: str
    rcpt_to: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        return body.get_content() if body is not None else ""


@dataclass
class Mailbag:
    messages: list[Captured] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, item: Captured) -> None:
        with self.lock:
            self.messages.append(item)

    def to(self, address: str) -> list[Captured]:
        with self.lock:
            return [m for m in self.messages if address.lower() in (r.lower() for r in m.rcpt_to)]


class _Session(socketserver.StreamRequestHandler):
    server: _CaptureServer

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 capture.test ESMTP capture")
        mail_from, rcpts = "", list[str]()
        while raw := self.rfile.readline():
            verb, _, arg = raw.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.reply("250-capture.test")
                self.reply("250-8BITMIME")
                self.reply("250 SMTPUTF8")
            elif verb == "HELO":
                self.reply("250 capture.test")
            elif verb == "MAIL":
                mail_from, rcpts = _angle(arg), []
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                rcpts.append(_angle(arg))
                self.reply("250 2.1.5 ok")
            elif verb == "DATA":
                self.reply("354 go ahead")
                self.server.bag.add(Captured(mail_from, tuple(rcpts), self._data()))
                self.reply("250 2.0.0 captured")
            elif verb == "RSET":
                mail_from, rcpts = "", []
                self.reply("250 2.0.0 ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:  # NOOP and anything else
                self.reply("250 2.0.0 ok")

    def _data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)


def _angle(arg: str) -> str:
    """``FROM:<a@b> SIZE=12`` → ``a@b``."""
    inside = arg.partition("<")[2].partition(">")[0]
    return inside.strip()


class _CaptureServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, bag: Mailbag) -> None:
        self.bag = bag
        super().__init__(("127.0.0.1", port), _Session)


@dataclass
class CaptureSmtp:
    port: int
    bag: Mailbag
    _server: _CaptureServer
    _thread: threading.Thread

    def to(self, address: str) -> list[Captured]:
        return self.bag.to(address)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


def start_capture() -> CaptureSmtp:
    port = free_port()
    bag = Mailbag()
    server = _CaptureServer(port, bag)
    thread = threading.Thread(target=server.serve_forever, name=f"capture-smtp-{port}", daemon=True)
    thread.start()
    capture = CaptureSmtp(port, bag, server, thread)
    wait_until(lambda: thread.is_alive(), 5, "capture SMTP server")
    return capture


@pytest.fixture
def capture_smtp() -> Iterator[CaptureSmtp]:
    capture = start_capture()
    yield capture
    capture.stop()
