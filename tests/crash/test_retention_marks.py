"""Retention counts from the day the mailbox was really frozen, as the provider keeps it beside the mailbox
(the local database; Google's user mark) as well as the journal: a departure typed years back, frozen today,
is not deleted minutes later when the journal lacks the freeze."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fakes.google import harness
from mailplan import clock
from mailplan.cli.main import build
from people.conftest import Company, addr

YEARS_BACK = "2019-01-01"
LONG_AGO = dt.datetime(2016, 3, 1, 9, 0, tzinfo=dt.UTC)


def _journal_begun_long_ago(apply: Callable[[], None], monkeypatch: pytest.MonkeyPatch) -> None:
    """The first apply, journaled as if in 2016: the journal vouches for the years since."""
    with monkeypatch.context() as m:
        m.setattr(clock, "now", lambda: LONG_AGO)
        apply()


def _lose_the_freeze(journal: Path, address: str) -> None:
    """The journal without the freeze's entries (as one that lost them: a crash before mailplan recorded
    intents, or a provider renamed in the config)."""
    lines = journal.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [ln for ln in lines if not (json.loads(ln).get("action") == "freeze" and address in ln)]
    assert len(kept) < len(lines)
    journal.write_text("".join(kept), encoding="utf-8")


def test_local_a_departure_dated_years_back_is_kept_when_the_journal_lacks_its_freeze(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    _journal_begun_long_ago(company.apply, monkeypatch)
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--on", YEARS_BACK, "--no-plan")
    company.apply()  # frozen today
    _lose_the_freeze(company.journal, addr("zhangwei"))

    shown = company.ok("plan", str(company.config), "--allow-delete")
    assert "mailbox zhangwei@huamao-trade.com" not in shown.stdout
    company.apply("--allow-delete")
    assert company.db("SELECT active FROM mailbox WHERE username = ?", addr("zhangwei")) == [(0,)]


CONFIG = """\
version: 1
organization: {{name: 示例贸易, primary_domain: example.com}}
state_dir: state
providers:
  mail:
    type: google-workspace
    service_account_key: env:MAILPLAN_TEST_GWS_KEY
    admin_email: {admin}
    base_url: {url}
domains:
  example.com: {{mail: mail}}
departments:
  sales: {{name: 销售部}}
people:
  - {{name: 张三, department: sales}}
  - {{name: 王芳, department: sales}}
policies:
  archive: {{retention: 5y}}
"""


def _run(*args: str) -> str:
    result = CliRunner().invoke(build(), list(args), env={"MAILPLAN_TODAY": ""})
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout


def test_google_the_freeze_day_rides_on_the_user_and_retention_counts_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with harness("example.com") as h:
        monkeypatch.setenv("MAILPLAN_TEST_GWS_KEY", h.settings["service_account_key"])
        config = tmp_path / "mailplan.yaml"
        text = CONFIG.format(admin=json.dumps(h.settings["admin_email"]), url=json.dumps(h.settings["base_url"]))
        config.write_text(text, encoding="utf-8")
        _journal_begun_long_ago(lambda: _run("apply", str(config), "--auto-approve"), monkeypatch)
        _run("offboard", str(config), "wangfang", "-s", "zhangsan", "--on", YEARS_BACK, "--no-plan")
        _run("apply", str(config), "--auto-approve", "--force")  # one of two people: over the default limit
        marks = [e["value"] for e in h.fake.user_by("wangfang@example.com")["externalIds"]]
        assert f"frozen_on:{clock.today().isoformat()}" in marks and "frozen" in marks
        _lose_the_freeze(tmp_path / "state" / "journal.jsonl", "wangfang@example.com")

        plan = json.loads(_run("plan", str(config), "--allow-delete", "--format", "json"))
        assert [c["key"] for c in plan["changes"] if c["action"] == "remove"] == []
