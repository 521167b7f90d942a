"""The fixture itself: real servers start on loopback, deliver, and leave nothing behind."""

from __future__ import annotations

import socket

import pytest

from realstack.org import Org, addr
from servers.common import processes_in_sessions
from servers.mailstack import MailStackFactory

pytestmark = pytest.mark.realstack


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_stack_delivers_and_stops_without_leftovers(org: Org, mailstack_factory: MailStackFactory) -> None:
    stack = mailstack_factory(org.database)
    assert stack.send(addr("alice"), "first light") == {}
    message = stack.wait_for(addr("alice"), org.password(addr("alice")), "first light")
    assert "body of first light" in message.get_content()
    ports = [stack.smtp_port, stack.submission_port, stack.imap_port, stack.params.lmtp_port, stack.capture.port]
    sessions = set(stack.sessions)
    assert processes_in_sessions(sessions), "the servers' processes are visible while running"

    stack.stop()

    assert processes_in_sessions(sessions) == []
    assert [port for port in ports if _listening(port)] == []
    assert not stack.root.exists()
