"""The manual steps of Google Workspace, Microsoft 365 and Zoho Mail in both languages.

What these providers' APIs cannot do is a step a person takes in the admin console (or, for Microsoft 365,
an Exchange Online PowerShell command with a comment). In Chinese the sentences are Chinese; what stays as
typed is data: names, addresses, domains, the console's address, the products' names, and the PowerShell
commands themselves (a person copies them). The plan's JSON and the saved plan are the same in both languages.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fakes import google, microsoft, zoho
from fakes.example_company import ExampleCompany
from mailplan import i18n
from mailplan.model.change import Action, Change
from mailplan.model.objects import AdminRole, Group, Hold, MailObject
from mailplan.model.plan import Plan
from mailplan.providers.mail.google import console
from mailplan.providers.mail.microsoft import exo
from mailplan.providers.mail.zoho.manual import Console
from mailplan.render import plan_markdown, plan_text

from .leftover import chinese_left, english_left
from .test_plan_drift import LANGS, STEP_OBJECTS, D, data, without_time

# the products' own names: a console is named by them in either language
PRODUCTS = {
    "Google Workspace",
    "Google",
    "Gmail",
    "Vault",
    "Microsoft 365",
    "Microsoft Graph",
    "Exchange Online",
    "Exchange",
    "ExchangeOnlineManagement",
    "Entra ID",
    "Entra",
    "PowerShell",
    "Zoho Mail",
    "Zoho",
}


def commands(instructions: str) -> set[str]:
    """The PowerShell of Microsoft 365's steps, as typed: every line but a comment, without its comment (and
    as a markdown table cell shows it, its pipes escaped)."""
    typed = {line.split("  # ")[0] for line in instructions.splitlines() if not line.startswith("#")}
    return typed | {code.replace("|", "\\|") for code in typed}


def kept(plan: dict[str, Any]) -> set[str]:
    return data(plan) | PRODUCTS | {code for c in plan["changes"] for code in commands(c["instructions"] or "")}


ZOHO = Console("zoho.com")
STEPS: dict[str, Callable[[Change], str]] = {
    "google-workspace": console.instructions,
    "microsoft-365": exo.instructions,
    "microsoft-365 (distribution lists)": lambda c: exo.instructions(c, distribution_lists=(c.key,)),
    "zoho-mail": ZOHO.instructions,
}
OBJECTS: list[MailObject] = [*STEP_OBJECTS, Hold(f"zhangwei@{D}"), Group(f"sales@{D}", "Sales EU", (f"lisi@{D}",))]


def _every_step(steps: Callable[[Change], str]) -> list[Change]:
    changes = []
    for obj in OBJECTS:
        for before, after in ((None, obj), (obj, obj), (obj, None)):
            change = Change(Action.MANUAL, "mail", before, after)
            if text := steps(change):
                changes.append(dataclasses.replace(change, instructions=text))
    return changes


def _zoho_partly() -> list[Change]:
    """What Zoho applies only in part: a group's new name, an administrator of departments, the super admin."""
    old, new = Group(f"sales@{D}", "销售", (f"lisi@{D}",)), Group(f"sales@{D}", "销售部", (f"lisi@{D}",))
    role = AdminRole(f"lisi@{D}", "department", ("sales", "finance"))
    made = [Change(Action.UPDATE, "mail", old, new, instructions=ZOHO.rename(old, new))]
    for live in ("admin", "user", "super_admin"):
        change = Change(Action.UPDATE, "mail", None, role)
        made.append(dataclasses.replace(change, instructions=ZOHO.admin_role(change, live)))
    return made


def _shown(plan: Plan, lang: str) -> str:
    try:
        i18n.select(lang)
        return plan_text.render(plan) + plan_markdown.render(plan, title="Plan")
    finally:
        i18n.select("en")


@pytest.mark.parametrize("provider", list(STEPS))
def test_every_manual_step_reads_in_chinese(provider: str, tmp_path: Path) -> None:
    """Each object a person handles by hand, created, changed and removed, as the plan shows it, also after
    the plan was saved (the file holds English, read back line by line)."""
    changes = _every_step(STEPS[provider]) + (_zoho_partly() if provider == "zoho-mail" else [])
    assert len(changes) >= 10
    plan = Plan(changes)
    plan.save(tmp_path / "saved.plan")
    saved = json.loads((tmp_path / "saved.plan").read_text(encoding="utf-8"))
    keep = kept(saved)
    for reread in (plan, Plan.load(tmp_path / "saved.plan")):
        chinese, english = _shown(reread, "zh-CN"), _shown(reread, "en")
        assert english_left(chinese, keep) == [], "\n".join(english_left(chinese, keep))
        assert chinese_left(english, keep) == [], "\n".join(chinese_left(english, keep))
        assert "手动步骤——需要人员执行：" in chinese


def test_the_english_steps_are_unchanged() -> None:
    """The English a person already follows, word for word (the steps became messages, not new sentences)."""
    policy = next(o for o in OBJECTS if type(o).__name__ == "Policy")
    change = Change(Action.MANUAL, "mail", None, policy)
    assert console.instructions(change).splitlines() == [
        "https://admin.google.com › Security › Authentication › Password management (organizational unit of "
        "huamao-trade.com): minimum length 14, expire after 90 days",
        "https://admin.google.com › Security › Authentication › 2-step verification: allow, Enforcement: On",
    ]
    assert ZOHO.instructions(change) == (
        "In the Zoho Mail Admin Console (https://mailadmin.zoho.com, as an administrator): Security & Compliance → "
        "Password Policy: minimum length 14, password expiry 90 days, for the users of huamao-trade.com. Then "
        "Security & Compliance → Multi-Factor Authentication (TFA): enforce it for every user."
    )
    hold = Change(Action.MANUAL, "mail", None, Hold(f"zhangwei@{D}"))
    assert exo.instructions(hold).splitlines() == [
        "Connect-ExchangeOnline  # ExchangeOnlineManagement module, as an Exchange administrator",
        "Set-Mailbox -Identity 'zhangwei@huamao-trade.com' -LitigationHoldEnabled $true  "
        "# Exchange Online Plan 2 or the archiving add-on",
    ]
    try:
        i18n.select("zh-CN")
        chinese = plan_text.render(Plan([dataclasses.replace(hold, instructions=exo.instructions(hold))]))
    finally:
        i18n.select("en")
    # the command is as typed; its comment is Chinese
    assert "Set-Mailbox -Identity 'zhangwei@huamao-trade.com' -LitigationHoldEnabled $true  # 需要" in chinese


SENDERS_ONLY = "post: senders\n    senders: [zhaolei, ceo]"


@pytest.mark.parametrize(
    ("fake", "extra", "secrets", "console_name", "english"),
    [
        (google, {}, {"service_account_key"}, "安全性 › 身份验证 › 密码管理", "› Security › Authentication"),
        (
            microsoft,
            {"tenant": "huamao", "mx_host": "huamao-trade-com.mail.protection.outlook.com"},
            {"client_secret"},
            "# `ExchangeOnlineManagement` 模块",
            "# ExchangeOnlineManagement module",
        ),
    ],
    ids=["google-workspace", "microsoft-365"],
)
def test_a_plan_on_the_cloud_fakes_reads_in_chinese(
    fake: Any, extra: dict[str, str], secrets: set[str], console_name: str, english: str, tmp_path: Path
) -> None:
    """The example company planned against the provider's fake through the command: its manual steps in Chinese;
    JSON and the saved plan the same in both languages. (Zoho Mail cannot hold the example company as it is:
    departments, outside members of a group; a small company is planned on its fake below.)"""
    with fake.harness(D) as h:
        company = ExampleCompany(tmp_path, h.provider_type, h.settings | extra, secrets)
        config = company.dir / "mailplan.yaml"
        text = config.read_text(encoding="utf-8")
        if fake is google:  # Google has no rule for "only the listed senders may post" (its own test)
            config.write_text(text.replace(SENDERS_ONLY, "post: members"), encoding="utf-8")
        runs = {}
        for lang in LANGS:
            company.env["MAILPLAN_LANG"] = lang
            runs[lang] = {fmt: company.run("plan", "--format", fmt) for fmt in ("text", "markdown", "json")}
            runs[lang]["saved"] = company.run("plan", "--out", str(tmp_path / f"{lang}.plan"))
    failed = [r.stdout + r.stderr for by_fmt in runs.values() for r in by_fmt.values() if r.returncode != 0]
    assert not failed, failed[0]
    assert without_time(runs["en"]["json"].stdout) == without_time(runs["zh-CN"]["json"].stdout)
    saved = {lang: without_time((tmp_path / f"{lang}.plan").read_text(encoding="utf-8")) for lang in LANGS}
    assert saved["en"] == saved["zh-CN"]
    plan = json.loads(runs["en"]["json"].stdout)
    assert [c for c in plan["changes"] if c["instructions"]]
    keep = kept(plan)
    for fmt in ("text", "markdown"):
        chinese, english_run = runs["zh-CN"][fmt].stdout, runs["en"][fmt].stdout
        assert english_left(chinese, keep) == [], "\n".join(english_left(chinese, keep))
        assert chinese_left(english_run, keep) == [], "\n".join(chinese_left(english_run, keep))
    assert "手动步骤——需要人员执行：" in runs["zh-CN"]["text"].stdout
    assert console_name in runs["zh-CN"]["text"].stdout and english in runs["en"]["text"].stdout


ZOHO_CONFIG = """\
version: 1
organization: {{name: 华贸进出口有限公司, primary_domain: huamao-trade.com}}
providers:
  mail:
    type: zoho-mail
{settings}
domains:
  huamao-trade.com: {{mail: mail}}
people:
  - {{name: 张三}}
  - {{name: 王芳}}
mailboxes:
  - {{address: archive, name: 邮件归档, owners: [wangfang]}}
policies:
  password: {{min_length: 12, max_age_days: 90, require_2fa: true}}
  archive: {{retention: 5y, journal_to: archive}}
"""


def test_a_plan_on_the_zoho_fake_reads_in_chinese(tmp_path: Path) -> None:
    """Zoho Mail cannot hold the example company (departments, outside members of a group): a small company
    whose password policy and archive are console steps, planned against the fake through the command."""
    with zoho.harness((D,)) as h:
        env = {**os.environ, "NO_COLOR": "1", "ZOHO_CLIENT_SECRET": h.settings["client_secret"],
               "ZOHO_REFRESH_TOKEN": h.settings["refresh_token"]}  # fmt: skip
        settings = {**h.settings, "client_secret": "env:ZOHO_CLIENT_SECRET", "refresh_token": "env:ZOHO_REFRESH_TOKEN"}
        lines = "\n".join(f"    {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in settings.items())
        (tmp_path / "mailplan.yaml").write_text(ZOHO_CONFIG.format(settings=lines), encoding="utf-8")
        runs = {}
        for lang in LANGS:
            runs[lang] = {
                fmt: subprocess.run([sys.executable, "-m", "mailplan", "plan", "--format", fmt], cwd=tmp_path,
                                    env={**env, "MAILPLAN_LANG": lang}, capture_output=True, text=True, timeout=300)
                for fmt in ("text", "markdown", "json")
            }  # fmt: skip
    failed = [r.stdout + r.stderr for by_fmt in runs.values() for r in by_fmt.values() if r.returncode != 0]
    assert not failed, failed[0]
    assert without_time(runs["en"]["json"].stdout) == without_time(runs["zh-CN"]["json"].stdout)
    plan = json.loads(runs["en"]["json"].stdout)
    assert {c["kind"] for c in plan["changes"] if c["instructions"]} >= {"policy", "archive"}
    keep = kept(plan)
    for fmt in ("text", "markdown"):
        chinese = runs["zh-CN"][fmt].stdout
        assert english_left(chinese, keep) == [], "\n".join(english_left(chinese, keep))
        assert chinese_left(runs["en"][fmt].stdout, keep) == []
    assert "Zoho Mail 管理控制台" in runs["zh-CN"]["text"].stdout
    assert "In the Zoho Mail Admin Console" in runs["en"]["text"].stdout
