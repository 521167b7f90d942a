"""A copy of the example company in a temp folder, driven through the CLI in-process."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from mailplan.cli.main import build

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mailplan.yaml"
DOMAIN = "huamao-trade.com"


def addr(local: str) -> str:
    return f"{local}@{DOMAIN}"


@dataclass
class Company:
    folder: Path

    @property
    def config(self) -> Path:
        return self.folder / "mailplan.yaml"

    @property
    def journal(self) -> Path:
        return self.folder / ".mailplan" / "journal.jsonl"

    def text(self) -> str:
        return self.config.read_text(encoding="utf-8")

    def run(self, *args: str, today: dt.date | None = None) -> Result:
        env = {"MAILPLAN_TODAY": today.isoformat()} if today else {"MAILPLAN_TODAY": ""}
        return CliRunner().invoke(build(), list(args), env=env)

    def ok(self, *args: str, today: dt.date | None = None) -> Result:
        result = self.run(*args, today=today)
        assert result.exit_code == 0, result.stdout + result.stderr
        return result

    def apply(self, *extra: str, today: dt.date | None = None) -> None:
        self.ok("apply", str(self.config), "--auto-approve", *extra, today=today)

    def plan_is_empty(self, today: dt.date | None = None) -> bool:
        result = self.run("plan", str(self.config), "--detailed-exitcode", today=today)
        assert result.exit_code in (0, 2), result.stdout + result.stderr
        return result.exit_code == 0

    def db(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.folder / ".mailplan" / "mail.sqlite") as db:
            return db.execute(sql, params).fetchall()


@pytest.fixture
def company(tmp_path: Path) -> Company:
    shutil.copy(EXAMPLE, tmp_path / "mailplan.yaml")
    return Company(tmp_path)
