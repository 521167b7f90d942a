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
