"""Day one: client files, welcome sheets, the CRM export and the shared address book, on the example company.

``company`` (a fresh copy of examples/) is the CLI tests' own fixture; ``mailplan`` here runs on a fixed day.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cli.conftest import EXAMPLES, company

__all__ = ["EXAMPLES", "Run", "company"]

Completed = subprocess.CompletedProcess[str]
Run = Callable[..., Completed]


@pytest.fixture
def mailplan(company: Path) -> Run:
    """Run the real ``mailplan`` command in the company's folder, as a user does, on 2026-11-02."""

    def run(*args: str, env: dict[str, str] | None = None) -> Completed:
        return subprocess.run(
            [sys.executable, "-m", "mailplan", *args], cwd=company, capture_output=True, text=True, timeout=180,
            env={**os.environ, "NO_COLOR": "1", "MAILPLAN_TODAY": "2026-11-02", **(env or {})},
        )

    return run


@pytest.fixture
def applied(company: Path, mailplan: Run) -> Path:
    """The example company applied to its local backend (mail database and zone files)."""
    result = mailplan("apply", "--auto-approve")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return company
