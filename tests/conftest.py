"""Shared pytest setup. Server fixtures live in ``tests/servers/`` as plugins."""

from __future__ import annotations

import pytest

pytest_plugins: list[str] = [
    # "servers.<module>" for each fixture module, e.g. "servers.mailstack"
    "servers.accounts",
    "servers.bind",
    "servers.powerdns",
    "servers.capture_smtp",
    "servers.mailstack",
]


# --- the closing note: every test marked realstack, in whichever folder, and how long they took ------------

_realstack_tests: set[str] = set()
_realstack_seconds: dict[str, float] = {}
_realstack_failed: set[str] = set()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    _realstack_tests.update(item.nodeid for item in items if item.get_closest_marker("realstack"))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid in _realstack_tests:
        _realstack_seconds[report.nodeid] = _realstack_seconds.get(report.nodeid, 0.0) + report.duration
        if report.failed:
            _realstack_failed.add(report.nodeid)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _realstack_seconds:
        count, seconds = len(_realstack_seconds), sum(_realstack_seconds.values())
        terminalreporter.write_line(
            f"real-stack tests (Postfix, Dovecot, BIND, PowerDNS on loopback): {count} run, "
            f"{len(_realstack_failed)} failed, {seconds:.1f} s wall time (setup, test and teardown)"
        )
