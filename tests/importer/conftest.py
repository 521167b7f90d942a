"""Run mailplan commands in-process on a company folder."""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

EXAMPLES = Path(__file__).parents[2] / "examples"
# The commands these tests drive; the full CLI is assembled from the same modules.
MODULES = ("mailplan.cli.core_cmds", "mailplan.cli.import_cmd")


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


Run = Callable[..., Result]


def _app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    for name in MODULES:
        importlib.import_module(name).register(app)
    return app


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    app = _app()
    monkeypatch.setenv("NO_COLOR", "1")

    def invoke(folder: Path, *args: str) -> Result:
        old = Path.cwd()
        os.chdir(folder)
        try:
            result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        finally:
            os.chdir(old)
        return Result(result.exit_code, result.stdout, result.stderr)

    yield invoke


@pytest.fixture
def company(tmp_path: Path) -> Path:
    """A fresh copy of examples/ (config only: no database, no zones yet)."""
    target = tmp_path / "company"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns(".mailplan", "zones", "*.sqlite"))
    return target
