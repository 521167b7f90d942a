"""Drive the real ``mailplan`` command on a copy of the example company."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[2] / "examples"

Completed = subprocess.CompletedProcess[str]
Run = Callable[..., Completed]


@pytest.fixture
def company(tmp_path: Path) -> Path:
    """A fresh copy of examples/ (config only: no database, no zones yet)."""
    target = tmp_path / "company"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns(".mailplan", "zones", "*.sqlite"))
    return target


@pytest.fixture
def mailplan(company: Path) -> Run:
    def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Completed:
        return subprocess.run(
            [sys.executable, "-m", "mailplan", *args],
            cwd=company,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "NO_COLOR": "1", **(env or {})},
        )

    return run
