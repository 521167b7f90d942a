"""The safety gate's limits: per kind, a share and a number, counted over a window of days with what the
journal shows, configurable in `policies.safety`, and shown in the plan."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from people.conftest import Company

NAMES = ["张三", "李四", "王五", "赵六", "孙七", "周八", "吴九", "郑十", "冯一", "陈二"]
PLAN_SCHEMA = json.loads((Path(__file__).parents[2] / "schemas" / "plan.schema.json").read_text(encoding="utf-8"))
TODAY = dt.date.today()


def small_company(folder: Path, people: int, safety: str = "") -> Company:
    rows = "\n".join(f"  - {{name: {n}, department: sales}}" for n in NAMES[:people])
    (folder / "mailplan.yaml").write_text(
        f"""version: 1
organization: {{name: 小公司, primary_domain: example.com}}
providers:
  mail: {{type: local, database: .mailplan/mail.sqlite}}
domains:
  example.com: {{mail: mail}}
departments:
  sales: {{name: 销售部}}
people:
{rows}
{safety}""",
        encoding="utf-8",
    )
    return Company(folder)


def leave(company: Company, *who: str, on: dt.date = TODAY) -> None:
    for person in who:
        company.ok("offboard", str(company.config), person, "-s", "zhangsan", "--on", on.isoformat(), "--no-plan")


def test_a_company_of_six_may_not_freeze_five_in_one_apply(tmp_path: Path) -> None:
    company = small_company(tmp_path, 6)
    company.apply()
    leave(company, "lisi", "wangwu", "zhaoliu", "sunqi", "zhouba")
    refused = company.run("apply", str(company.config), "--auto-approve")
    assert refused.exit_code == 1
    assert "freezes or removes 5 of 6 mailbox objects on provider 'mail'" in refused.stdout
    assert "more than the safety limit allows (1: 30% of 6, at most 10" in refused.stdout
    assert company.db("SELECT count(*) FROM mailbox WHERE active = 0") == [(0,)]
    company.apply("--force")  # intended: said so
    assert company.db("SELECT count(*) FROM mailbox WHERE active = 0") == [(5,)]


def test_two_plans_just_under_the_limit_in_a_row_do_not_both_pass(tmp_path: Path) -> None:
    company = small_company(tmp_path, 10)  # 30% of 10: three in a week
    company.apply(today=TODAY)  # every run names its day: a test that crosses midnight still counts 7 days
    leave(company, "lisi", "wangwu")
    shown = company.ok("plan", str(company.config), today=TODAY).stdout
    assert "· mailbox on mail: 2 frozen or removed by this plan + 0 in the last 7 days = 2 of 3 allowed" in shown
    company.apply(today=TODAY)

    tomorrow = TODAY + dt.timedelta(days=1)
    leave(company, "zhaoliu", "sunqi", on=tomorrow)
    refused = company.run("apply", str(company.config), "--auto-approve", today=tomorrow)
    assert refused.exit_code == 1
    assert "✗ mailbox on mail: 2 frozen or removed by this plan + 2 in the last 7 days = 4 of 3 allowed" in (
        refused.stdout
    )
    assert "and 2 were frozen or removed in the last 7 days" in refused.stdout

    a_week_on = TODAY + dt.timedelta(days=7)  # the first two are out of the window
    company.apply(today=a_week_on)
    assert company.db("SELECT count(*) FROM mailbox WHERE active = 0") == [(4,)]


def test_the_limits_are_set_in_the_config_and_shown_in_the_plan(tmp_path: Path) -> None:
    safety = "policies:\n  safety: {window_days: 30, mailbox: {max_percent: 50, max_count: 4}}\n"
    company = small_company(tmp_path, 10, safety)
    company.apply()
    leave(company, "lisi", "wangwu", "zhaoliu", "sunqi")
    data = json.loads(company.ok("plan", str(company.config), "--format", "json").stdout)
    jsonschema.validate(data, PLAN_SCHEMA)
    assert data["safety"] == [{
        "provider": "mail", "kind": "mailbox", "planned": 4, "recent": 0, "window_days": 30, "held": 10,
        "allowed": 4, "max_percent": 50.0, "max_count": 4, "exceeded": False,
    }]  # fmt: skip
    markdown = company.ok("plan", str(company.config), "--format", "markdown").stdout
    assert "- mailbox on mail: 4 frozen or removed by this plan + 0 in the last 30 days = 4 of 4 allowed" in markdown
    company.apply()


def test_removing_every_group_and_alias_is_refused(company: Company) -> None:
    company.apply()
    text = company.text()
    start, end = text.index("\ngroups:"), text.index("\npolicies:")
    kept = "\naliases:\n  - {address: dmarc-reports, to: [liuyang]}   # DMARC's rua names it\n"
    company.config.write_text(text[:start] + kept + text[end:], encoding="utf-8")  # groups and aliases gone
    refused = company.run("plan", str(company.config))
    assert refused.exit_code == 1, refused.stderr
    assert "freezes or removes 4 of 4 group objects" in refused.stdout
    assert "freezes or removes 3 of 7 alias objects" in refused.stdout
    assert company.db("SELECT count(*) FROM mailplan_group") == [(4,)]


@pytest.mark.parametrize(
    ("safety", "where", "words"),
    [
        ("  safety: {mailbox: {max_percent: 130}}", 35, "less than or equal to 100"),
        ("  safety: {window_days: -1}", 25, "greater than or equal to 0"),
        ("  safety: {mailboxes: {max_count: 3}}", 12, "did you mean 'mailbox'"),
    ],
    ids=["percent over 100", "negative window", "misspelt kind"],
)
def test_a_wrong_safety_setting_is_reported_at_its_place(tmp_path: Path, safety: str, where: int, words: str) -> None:
    company = small_company(tmp_path, 2, f"policies:\n{safety}\n")
    result = company.run("validate", str(company.config))
    assert result.exit_code == 1, result.stdout
    [line] = [ln for ln in result.stderr.splitlines() if words in ln]
    last = len(company.text().splitlines())  # the safety setting is the last line
    assert line.startswith(f"{company.config}:{last}:{where}: "), line
    assert "Traceback" not in result.stderr
