"""The example company, driven through the CLI in-process (``company``) or as real processes (``spawn``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from people.conftest import EXAMPLE, Company

Spawn = Callable[..., "subprocess.Popen[str]"]


@pytest.fixture
def company(tmp_path: Path) -> Company:
    shutil.copy(EXAMPLE, tmp_path / "mailplan.yaml")
    return Company(tmp_path)


def mailplan_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "NO_COLOR": "1", "MAILPLAN_TODAY": "", **extra}


@pytest.fixture
def spawn(company: Company) -> Spawn:
    """Start ``mailplan ARGS...`` as its own process in the company's folder (not waited for)."""

    def start(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "mailplan", *args],
            cwd=company.folder, env=mailplan_env(), text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip

    return start
