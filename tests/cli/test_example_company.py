"""The main job, as a user runs it on the example company: validate, plan, apply, plan again, drift."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import jsonschema
import pytest

from .conftest import Run

PLAN_SCHEMA = json.loads((Path(__file__).parents[2] / "schemas" / "plan.schema.json").read_text())


def _applied(mailplan: Run) -> None:
    result = mailplan("apply", "mailplan.yaml", "--auto-approve")
    assert result.returncode == 0, result.stderr
    assert "Apply complete" in result.stdout


def test_validate_plan_apply_then_nothing_left(mailplan: Run, company: Path) -> None:
    valid = mailplan("validate", "mailplan.yaml")
    assert valid.returncode == 0 and "valid" in valid.stdout
    plan = mailplan("plan", "mailplan.yaml", "--detailed-exitcode")
    assert plan.returncode == 2, plan.stderr
    assert "+ mailbox zhangsan@huamao-trade.com" in plan.stdout
    assert "! mailbox" not in plan.stdout or "frozen" in plan.stdout
    _applied(mailplan)
    again = mailplan("plan", "mailplan.yaml", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes" in again.stdout
    credentials = company / ".mailplan" / "credentials.txt"
    assert credentials.stat().st_mode & 0o077 == 0, "the credentials file must be owner-only"
    first_password = credentials.read_text().splitlines()[0].split("\t")[1]
    assert first_password not in plan.stdout + again.stdout + (company / ".mailplan" / "journal.jsonl").read_text()


def test_defaults_to_mailplan_yaml_in_the_current_folder(mailplan: Run) -> None:
    assert mailplan("validate").returncode == 0


def test_one_department_edit_is_exactly_one_change(mailplan: Run, company: Path) -> None:
    _applied(mailplan)
    config = company / "mailplan.yaml"
    text = config.read_text(encoding="utf-8")
    before = "{name: 曾晓东, department: sales, tier: staff}"
    assert before in text
    config.write_text(text.replace(before, "{name: 曾晓东, department: purchasing, tier: staff}"), encoding="utf-8")
    plan = mailplan("plan", "--format", "json")
    data = json.loads(plan.stdout)
    jsonschema.validate(data, PLAN_SCHEMA)
    mailbox_changes = [c for c in data["changes"] if c["kind"] == "mailbox"]
    assert [(c["action"], c["key"]) for c in mailbox_changes] == [("update", "zengxiaodong@huamao-trade.com")]
    assert mailbox_changes[0]["before"]["department"] == "sales"
    assert mailbox_changes[0]["after"]["department"] == "purchasing"
    # nothing but his mailbox and what follows from his department: the two department groups
    assert sorted((c["action"], c["kind"], c["key"]) for c in data["changes"]) == [
        ("update", "group", "sales-team@huamao-trade.com"),
        ("update", "group", "supplier-notice@huamao-trade.com"),
        ("update", "mailbox", "zengxiaodong@huamao-trade.com"),
    ]
    groups = {
        c["key"]: (c["before"]["members"], c["after"]["members"]) for c in data["changes"] if c["kind"] == "group"
    }
    him = "zengxiaodong@huamao-trade.com"
    before, after = groups["sales-team@huamao-trade.com"]
    assert set(before) - set(after) == {him} and set(after) <= set(before)
    before, after = groups["supplier-notice@huamao-trade.com"]
    assert set(after) - set(before) == {him} and set(before) <= set(after)


def test_a_hand_edit_in_the_database_is_drift_named_by_object(mailplan: Run, company: Path) -> None:
    _applied(mailplan)
    with sqlite3.connect(company / ".mailplan" / "mail.sqlite") as db:
        db.execute("UPDATE mailbox SET name = '被人改了' WHERE username = 'zhangsan@huamao-trade.com'")
    drift = mailplan("drift", "mailplan.yaml")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "mailbox zhangsan@huamao-trade.com" in drift.stdout
    assert '"被人改了" → "张三"' in drift.stdout
    assert "Drift:" in drift.stdout


@pytest.mark.parametrize(
    ("hand_edit", "shown"),
    [
        # Dovecot's password query asks for smtp_active = 1: zhangsan could no longer send
        ("UPDATE mailbox SET smtp_active = 0 WHERE local_part = 'zhangsan'", "cannot send"),
        # the alias-domain map asks for an active identity alias: zhangsan@huamao.cn would bounce
        ("UPDATE alias SET active = 0 WHERE address = 'zhangsan@huamao-trade.com'", "alias domain bounces"),
    ],
    ids=["smtp_active", "identity-alias"],
)
def test_a_hand_edit_the_mail_server_depends_on_is_drift_and_apply_repairs_it(
    mailplan: Run, company: Path, hand_edit: str, shown: str
) -> None:
    _applied(mailplan)
    database = company / ".mailplan" / "mail.sqlite"
    with sqlite3.connect(database) as db:
        db.execute(hand_edit)
    drift = mailplan("drift", "mailplan.yaml")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "~ mailbox zhangsan@huamao-trade.com" in drift.stdout
    assert shown in drift.stdout
    saved = mailplan("plan", "mailplan.yaml", "--out", "repair.plan")
    assert saved.returncode == 0 and shown in saved.stdout, saved.stdout + saved.stderr
    repaired = mailplan("apply", "mailplan.yaml", "--plan", "repair.plan", "--auto-approve")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    again = mailplan("plan", "mailplan.yaml", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT m.active, m.smtp_active, a.active FROM mailbox m JOIN alias a ON a.address = m.username"
            " WHERE m.username = 'zhangsan@huamao-trade.com'"
        ).fetchall()
    assert rows == [(1, 1, 1)]


def test_a_saved_plan_is_applied_exactly_and_refused_once_stale(mailplan: Run, company: Path) -> None:
    saved = mailplan("plan", "--out", "first.plan")
    assert saved.returncode == 0 and (company / "first.plan").exists()
    applied = mailplan("apply", "--plan", "first.plan")
    assert applied.returncode == 0, applied.stderr
    assert mailplan("plan", "--detailed-exitcode").returncode == 0

    # plan a change, then someone edits the database before it is applied
    config = company / "mailplan.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("aliases: [zs]", "aliases: [zs, san]"),
                      encoding="utf-8")
    assert mailplan("plan", "--out", "second.plan").returncode == 0
    with sqlite3.connect(company / ".mailplan" / "mail.sqlite") as db:
        db.execute("UPDATE mailbox SET name = 'x' WHERE username = 'zhangsan@huamao-trade.com'")
    refused = mailplan("apply", "--plan", "second.plan")
    assert refused.returncode == 1
    assert "stale" in refused.stderr and "provider 'mail' changed" in refused.stderr
    assert "Traceback" not in refused.stderr
    with sqlite3.connect(company / ".mailplan" / "mail.sqlite") as db:
        assert db.execute("SELECT count(*) FROM alias WHERE address = 'san@huamao-trade.com'").fetchone() == (0,)


def test_a_saved_plan_is_refused_when_the_config_changed(mailplan: Run, company: Path) -> None:
    assert mailplan("plan", "--out", "p.plan").returncode == 0
    config = company / "mailplan.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")
    refused = mailplan("apply", "--plan", "p.plan")
    assert refused.returncode == 1 and "the config changed" in refused.stderr


def test_apply_without_a_terminal_and_without_approval_refuses(mailplan: Run, company: Path) -> None:
    refused = mailplan("apply", "mailplan.yaml", stdin="yes\n")
    assert refused.returncode == 1
    assert "--auto-approve" in refused.stderr
    nothing_applied = mailplan("plan", "--detailed-exitcode")
    assert nothing_applied.returncode == 2, "the refused apply must not have changed anything"


def test_markdown_plan_for_a_pull_request(mailplan: Run) -> None:
    md = mailplan("plan", "--format", "markdown")
    assert md.returncode == 0
    assert md.stdout.startswith("### mailplan plan")
    assert "| `+` | mailbox `zhangsan@huamao-trade.com` |" in md.stdout


def test_a_broken_config_is_one_clear_line_and_exit_1(mailplan: Run, company: Path) -> None:
    config = company / "mailplan.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("department: sales, tier: staff, aliases: [zs]",
                                                                   "department: sails, tier: staff, aliases: [zs]"),
                      encoding="utf-8")
    for command in ("validate", "plan", "apply"):
        result = mailplan(command, "mailplan.yaml", "--auto-approve") if command == "apply" else mailplan(
            command, "mailplan.yaml")
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("mailplan.yaml:")
        assert "sails" in result.stderr


def test_missing_config_file_is_a_clear_error(mailplan: Run) -> None:
    result = mailplan("plan", "nope.yaml")
    assert result.returncode == 1 and "nope.yaml: no such config file" in result.stderr
