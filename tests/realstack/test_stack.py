"""The fixtures themselves: real servers start on loopback, answer, and leave nothing behind."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from realstack.org import Org, addr
from servers.bind import start_bind
from servers.common import processes_in_sessions
from servers.mailstack import MailStackFactory
from servers.powerdns import start_powerdns

pytestmark = pytest.mark.realstack


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _udp_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
        return False


def _processes_using(folder: Path) -> list[int]:
    """Live processes whose command line names ``folder`` (a server's config lives there)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if entry.name.isdigit() and str(folder).encode() in cmdline:
            found.append(int(entry.name))
    return found


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


def _bind() -> Iterator[tuple[Path, list[int], list[str]]]:
    with start_bind() as server:
        yield server.directory, [server.port], server.query("example.test", "SOA")


def _powerdns() -> Iterator[tuple[Path, list[int], list[str]]]:
    with start_powerdns() as server:
        yield server.directory, [server.dns_port, server.api_port], server.query("example.test", "SOA")


@pytest.mark.parametrize("serve", [_bind, _powerdns], ids=["bind", "powerdns"])
@pytest.mark.parametrize("test_fails", [False, True], ids=["test-passes", "test-fails"])
def test_dns_server_stops_without_leftovers(
    serve: Callable[[], Iterator[tuple[Path, list[int], list[str]]]], test_fails: bool
) -> None:
    running = serve()
    folder, ports, soa = next(running)
    assert soa and "hostmaster.example.test." in soa[0]
    assert _processes_using(folder), "the server is visible while running"
    assert all(_listening(port) for port in ports)

    if test_fails:
        # what pytest does to a fixture's generator when the test raised
        with pytest.raises(AssertionError):
            running.throw(AssertionError("the test failed"))
    else:
        with pytest.raises(StopIteration):
            next(running)

    assert _processes_using(folder) == []
    assert [port for port in ports if _listening(port) or _udp_taken(port)] == []
    assert not folder.exists()
