"""Helpers for config tests: write a mailplan.yaml into a temp dir and load it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from mailplan.config import Config, load
from mailplan.errors import ConfigError

BASE = """\
version: 1
organization: {name: 华贸进出口有限公司, primary_domain: huamao-trade.com}
providers:
  mail: {type: local, database: mail.sqlite, mx_host: mx.huamao-trade.com}
domains:
  huamao-trade.com: {mail: mail}
  huamao.cn: {alias_of: huamao-trade.com}
departments:
  sales: {name: 销售部}
tiers:
  staff: {}
"""


BASE_LINES = BASE.count("\n")  # text appended to BASE starts on line BASE_LINES + 1


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """write(text, name="mailplan.yaml") -> the file's path; text is dedented."""

    def _write(text: str, name: str = "mailplan.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def load_text(write: Callable[..., Path]) -> Callable[[str], Config]:
    """Load BASE followed by ``extra`` (dedented)."""

    def _load(extra: str) -> Config:
        return load(write(BASE + textwrap.dedent(extra)))

    return _load


def problems(path: Path) -> list[str]:
    """Every problem of loading ``path``, as 'line:col: message — hint' (file name dropped)."""
    with pytest.raises(ConfigError) as info:
        load(path)
    return [str(p).split(":", 1)[1] if p.location else str(p) for p in info.value.problems]


class Cli:
    """``mailplan <command>`` run in this process, as a user runs it: the exit code and what stderr shows."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        from typer.testing import CliRunner

        from mailplan.cli.main import build

        result = CliRunner().invoke(build(), list(args), env={"NO_COLOR": "1", "MAILPLAN_TODAY": "2026-11-01",
                                                              **(env or {})})  # fmt: skip
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout, result.stderr

    def validate(self, text: str, name: str = "mailplan.yaml", **env: str) -> tuple[int, list[str]]:
        """Write ``text`` (dedented) and validate it: (exit code, stderr lines with the folder taken off)."""
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        code, _, err = self(*("validate", str(path)), env=env)
        return code, [line.replace(str(self.folder) + "/", "") for line in err.splitlines()]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)
