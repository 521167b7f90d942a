"""Run mailplan commands in-process on a company folder."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from importer.tenant_plan import cli

EXAMPLES = Path(__file__).parents[2] / "examples"


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


Run = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    monkeypatch.setenv("NO_COLOR", "1")

    def invoke(folder: Path, *args: str) -> Result:
        return Result(*cli(folder, *args))

    yield invoke


@pytest.fixture
def company(tmp_path: Path) -> Path:
    """A fresh copy of examples/ (config only: no database, no zones yet)."""
    target = tmp_path / "company"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns(".mailplan", "zones", "*.sqlite"))
    return target
