"""The CLI contract at its edges: usage errors, files that cannot be written, edited plan files,
commands that must write nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from mailplan.model.change import Action, Change
from mailplan.session import Session

from .conftest import Run


@pytest.mark.parametrize(
    "args",
    [("drift", "--bogus"), ("plan", "--detailed-exitcod"), ("plan", "--format", "yaml"), ("frobnicate",)],
    ids=["unknown option", "misspelt flag", "bad choice", "unknown command"],
)
def test_a_usage_error_exits_1_not_2(mailplan: Run, args: tuple[str, ...]) -> None:
    # 2 means "found something" (changes, drift) to CI; a typo must not read as that
    result = mailplan(*args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Error:" in result.stderr and "Traceback" not in result.stderr


def test_validate_writes_nothing(mailplan: Run, company: Path) -> None:
    before = sorted(p.relative_to(company) for p in company.rglob("*"))
    assert mailplan("validate").returncode == 0
    assert sorted(p.relative_to(company) for p in company.rglob("*")) == before


def test_a_plan_file_that_cannot_be_written_is_a_clear_error(mailplan: Run, company: Path) -> None:
    result = mailplan("plan", "--out", "no/such/folder/p.plan")
    assert result.returncode == 1
    assert "no/such/folder/p.plan: No such file or directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_state_dir_that_cannot_be_made_is_a_clear_error_and_changes_nothing(mailplan: Run, company: Path) -> None:
    (company / "blocker").write_text("a file where a folder should be\n")
    config = company / "mailplan.yaml"
    text = config.read_text(encoding="utf-8")
    assert "database: .mailplan/mail.sqlite" in text
    config.write_text(text.replace("database: .mailplan/mail.sqlite", "database: blocker/mail.sqlite"), "utf-8")
    result = mailplan("apply", "--auto-approve")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "blocker" in result.stderr


def test_an_edited_plan_file_is_refused_and_nothing_is_applied(mailplan: Run, company: Path) -> None:
    assert mailplan("apply", "--auto-approve").returncode == 0
    config = company / "mailplan.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("aliases: [zs]", "aliases: [zs, san]"), "utf-8")
    assert mailplan("plan", "--out", "p.plan").returncode == 0
    # someone slips the deletion of a mailbox the config still lists into the reviewed file
    victim = "qinxuemei@huamao-trade.com"
    session = Session.open(config)
    try:
        mailbox = session.observe()["mail"].state.get(("mailbox", victim))
    finally:
        session.close()
    assert mailbox is not None
    plan = json.loads((company / "p.plan").read_text(encoding="utf-8"))
    assert len(plan["changes"]) == 1
    plan["changes"].append(Change(Action.REMOVE, "mail", mailbox, None, "retention ended").to_dict())
    (company / "p.plan").write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    refused = mailplan("apply", "--plan", "p.plan", "--allow-delete")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "stale" in refused.stderr
    assert "its 2 changes are not the 1 the config and the live state give now" in refused.stderr
    with sqlite3.connect(company / ".mailplan" / "mail.sqlite") as db:
        assert db.execute("SELECT count(*) FROM mailbox WHERE username = ?", (victim,)).fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM alias WHERE address = 'san@huamao-trade.com'").fetchone() == (0,)


def test_drift_reports_a_mailbox_taken_out_of_the_config(mailplan: Run, company: Path) -> None:
    # the plan is refused (mailplan never deletes implicitly), which is no reason to call the setup in sync
    assert mailplan("apply", "--auto-approve").returncode == 0
    config = company / "mailplan.yaml"
    text = config.read_text(encoding="utf-8")
    line = next(li for li in text.splitlines(keepends=True) if "{name: 覃雪梅" in li)
    config.write_text(text.replace(line, ""), encoding="utf-8")
    drift = mailplan("drift")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "providers match the config" not in drift.stdout
    assert "qinxuemei@huamao-trade.com" in drift.stdout


def test_the_state_dir_a_config_names_holds_the_state_and_lock(mailplan: Run, company: Path) -> None:
    config = company / "mailplan.yaml"
    text = config.read_text(encoding="utf-8").replace(".mailplan/", "state/")
    assert "\nstate_dir: .mailplan\n" in text
    # the key written with an escape: the lock is taken where the config says, however it is written
    config.write_text(text.replace("\nstate_dir: .mailplan\n", '\n"state\\x5fdir": state\n'), "utf-8")
    assert mailplan("apply", "--auto-approve").returncode == 0
    assert mailplan("plan", "--detailed-exitcode").returncode == 0
    assert sorted(p.name for p in (company / "state").iterdir()) != []
    assert not (company / ".mailplan").exists()


def test_a_hostile_config_is_refused_clearly_by_the_commands_that_write(mailplan: Run, company: Path) -> None:
    # read before the lock is taken, under the same limits as the config itself
    deep = "state_dir: x\nnested: " + "[" * 500 + "]" * 500 + "\n"
    (company / "mailplan.yaml").write_text(deep, "utf-8")
    result = mailplan("apply", "--auto-approve")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "nested more than" in result.stderr
