"""The closing note of a run: what the conformance scenario really exercised on each mail provider."""

from __future__ import annotations

import pytest

from mailplan.providers.registry import provider_class

from .runner import RUNS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # the ASCII and IDN runs of a provider give the same line when they exercised the same
    lines = sorted({run.summary() for run in RUNS if provider_class(run.provider_type).ROLE == "mail"})
    if lines:
        terminalreporter.write_sep("-", "conformance scenario: what each mail provider applied")
        for line in lines:
            terminalreporter.write_line(line)
