"""`offboard --now` when the provider cannot be reached: the departure is recorded, and the command says
plainly that nobody was frozen and exits non-zero."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailplan.cli.main import build
from people.conftest import Company, addr
from people.test_offboard_cloud_fakes import company as cloud_company


def test_local_database_out_of_reach(company: Company) -> None:
    company.apply()
    db = company.folder / ".mailplan" / "mail.sqlite"
    shutil.move(db, company.folder / "elsewhere.sqlite")
    db.mkdir()  # the database's place holds something else: it cannot be opened
    result = company.run("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--now")
    assert result.exit_code == 1
    assert "error: nobody was frozen: reading provider 'mail' failed" in result.stderr
    assert f"{addr('zhangwei')} can still log in" in result.stderr
    assert "left_on:" in company.text().split("name: 张伟", 1)[1].splitlines()[0]  # the departure is recorded
    assert "Traceback" not in result.stderr


def test_exmail_unreachable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with cloud_company("exmail", tmp_path, monkeypatch) as config:
        applied = CliRunner().invoke(build(), ["apply", str(config), "--auto-approve"], env={"MAILPLAN_TODAY": ""})
        assert applied.exit_code == 0, applied.stdout + applied.stderr
    # the fake has stopped: nothing answers at its address any more
    result = CliRunner().invoke(
        build(), ["offboard", str(config), "zhangsan", "-s", "wangfang", "--now"], env={"MAILPLAN_TODAY": ""}
    )
    assert result.exit_code == 1, result.stdout
    assert "error: nobody was frozen: reading provider 'mail' failed" in result.stderr
    assert "ConnectionError" in result.stderr and "zhangsan@example.com can still log in" in result.stderr
    assert "left_on:" in config.read_text(encoding="utf-8")
