"""The plan and drift as a person reads them, in both languages, on copies of the example company.

``plan`` (text and markdown), a plan saved with ``--out`` and read back, and ``drift`` after an apply
and a change made by hand in the local mail database: nothing of the other language is left but data
(names, addresses, domains, values, provider names). JSON, the saved plan file and the exit codes are
the same in both languages. A cloud provider's manual steps (Tencent Exmail's fake) read in Chinese too.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes import alimail, exmail
from fakes.example_company import ExampleCompany
from mailplan import i18n
from mailplan.errors import Problem
from mailplan.model.change import Action, Change
from mailplan.model.objects import (
    AdminRole,
    Alias,
    ArchiveRule,
    AutoReply,
    Contact,
    Delegation,
    Department,
    Domain,
    Forwarding,
    Group,
    Mailbox,
    Policy,
)
from mailplan.model.plan import LimitUse, Plan, Unmanaged
from mailplan.providers.mail.contacts_manual import contact_steps
from mailplan.render import plan_markdown, plan_text
from people.conftest import EXAMPLE

from .conftest import History
from .leftover import chinese_left, english_left

LANGS = ("en", "zh-CN")


def _values(value: Any) -> set[str]:
    if isinstance(value, list | tuple):
        return {str(v) for v in value} | {", ".join(map(str, value))}
    if isinstance(value, str):
        # a text as the plan quotes it, and each of its lines (an auto-reply's body in a manual step)
        return {value, json.dumps(value, ensure_ascii=False), *value.splitlines()}
    return {str(value)} if value is not None else set()


def data(plan: dict[str, Any]) -> set[str]:
    """What a plan holds that no language changes: keys, domains, providers, the objects' values."""
    out: set[str] = set()
    for change in plan["changes"]:
        out |= {change["key"], change["domain"], change["provider"]}
        for side in ("before", "after"):
            for value in (change[side] or {}).values():
                out |= _values(value)
    for item in plan["unmanaged"]:
        out.add(item["provider"])
        for value in item["object"].values():
            out |= _values(value)
    return out


def without_time(text: str) -> dict[str, Any]:
    """A plan's JSON without its creation time (two runs may fall in different seconds)."""
    return {k: v for k, v in json.loads(text).items() if k != "created_at"}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> History:
    company = History(tmp_path_factory.mktemp("plan"))
    shutil.copy(EXAMPLE, company.config)
    return company


@pytest.fixture(scope="module")
def drifted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    """Applied, then changed by hand: a mailbox frozen and an alias deleted in the mail database."""
    company = History(tmp_path_factory.mktemp("drift"))
    shutil.copy(EXAMPLE, company.config)
    applied = company.run("apply", str(company.config), "--auto-approve")
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    with sqlite3.connect(company.folder / ".mailplan" / "mail.sqlite") as db:
        db.execute("UPDATE mailbox SET active = 0 WHERE username = 'zhangsan@huamao-trade.com'")
        [(alias,)] = db.execute("SELECT address FROM alias WHERE address <> goto LIMIT 1").fetchall()
        db.execute("DELETE FROM alias WHERE address = ?", (alias,))
    yield company


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_plan_speaks_either_language(fresh: History, fmt: str) -> None:
    en, zh = (fresh.run("plan", str(fresh.config), "--format", fmt, "--detailed-exitcode", lang=lang) for lang in LANGS)
    assert en.exit_code == zh.exit_code == 2, en.stdout + en.stderr
    keep = data(json.loads(fresh.run("plan", str(fresh.config), "--format", "json").stdout))
    assert english_left(zh.stdout, keep) == [], zh.stdout
    assert chinese_left(en.stdout, keep) == [], en.stdout
    assert "计划：创建 " in zh.stdout and "Plan: " in en.stdout
    key = "`zhangsan@huamao-trade.com`" if fmt == "markdown" else "zhangsan@huamao-trade.com"
    assert f"mailbox {key}" in en.stdout and f"邮箱 {key}" in zh.stdout


def test_plan_json_and_saved_plan_do_not_change_with_the_language(fresh: History, tmp_path: Path) -> None:
    runs = {lang: fresh.run("plan", str(fresh.config), "--format", "json", lang=lang) for lang in LANGS}
    assert without_time(runs["en"].stdout) == without_time(runs["zh-CN"].stdout)
    saved = {}
    for lang in LANGS:
        out = tmp_path / f"{lang}.plan"
        result = fresh.run("plan", str(fresh.config), "--out", str(out), lang=lang)
        assert result.exit_code == 0, result.stderr
        saved[lang] = without_time(out.read_text(encoding="utf-8"))
        told = [line for line in result.stderr.splitlines() if str(out) in line]
        assert told, result.stderr
        keep = {str(out)}
        if lang == "en":
            assert chinese_left("\n".join(told), keep) == [] and "Saved the plan to" in told[0]
        else:
            assert english_left("\n".join(told), keep) == [] and "计划已保存到" in told[0]
    assert saved["en"] == saved["zh-CN"]
    assert all(c["reason"] == "in the config, not yet on the provider" for c in saved["en"]["changes"])


def test_a_saved_plan_reads_in_either_language(fresh: History, tmp_path: Path) -> None:
    """The file holds English; what a person sees of it is in the reader's language."""
    out = tmp_path / "saved.plan"
    assert fresh.run("plan", str(fresh.config), "--out", str(out), lang="zh-CN").exit_code == 0
    keep = data(json.loads(out.read_text(encoding="utf-8")))
    shown = {}
    try:
        for lang in LANGS:
            i18n.select(lang)
            plan = Plan.load(out)
            shown[lang] = plan_text.render(plan) + plan_markdown.render(plan, title="Drift")
    finally:
        i18n.select("en")
    assert english_left(shown["zh-CN"], keep) == [], shown["zh-CN"]
    assert chinese_left(shown["en"], keep) == [], shown["en"]
    assert "漂移：" in shown["zh-CN"] and "mailplan 漂移" in shown["zh-CN"]


def test_drift_speaks_either_language(drifted: History) -> None:
    runs = {(lang, fmt): drifted.run("drift", str(drifted.config), "--format", fmt, lang=lang)
            for lang in LANGS for fmt in ("text", "markdown", "json")}
    assert {r.exit_code for r in runs.values()} == {2}
    assert without_time(runs["en", "json"].stdout) == without_time(runs["zh-CN", "json"].stdout)
    keep = data(json.loads(runs["en", "json"].stdout))
    for fmt in ("text", "markdown"):
        english, chinese = runs["en", fmt].stdout, runs["zh-CN", fmt].stdout
        assert english_left(chinese, keep) == [], chinese
        assert chinese_left(english, keep) == [], english
    text = runs["zh-CN", "text"].stdout
    assert "^ 邮箱 zhangsan@huamao-trade.com" in text and "漂移：" in text and "解冻 1 项" in text
    assert "Drift: " in runs["en", "text"].stdout and "1 to unfreeze" in runs["en", "text"].stdout
    assert "+ 别名 " in text  # the alias deleted by hand is made again
    reasons = {c["reason"] for c in json.loads(runs["zh-CN", "json"].stdout)["changes"]}
    assert "back in the organization" in reasons  # JSON keeps the English reason


def test_plan_with_nothing_to_do_in_either_language(drifted: History, tmp_path: Path) -> None:
    company = History(tmp_path)
    shutil.copytree(drifted.folder, tmp_path, dirs_exist_ok=True)
    assert company.run("apply", str(company.config), "--auto-approve").exit_code == 0
    en, zh = (company.run("plan", str(company.config), "--detailed-exitcode", lang=lang) for lang in LANGS)
    assert en.exit_code == zh.exit_code == 0
    assert en.stdout.startswith("No changes. The providers match the config.")
    assert zh.stdout.startswith("没有变更。服务商与配置一致。")
    assert english_left(zh.stdout) == [] and chinese_left(en.stdout) == []


@pytest.mark.parametrize(
    ("fake", "console", "english"),
    [(exmail, "腾讯企业邮管理后台", "In the Exmail admin console"),
     (alimail, "阿里邮箱管理后台", "In the Alibaba Mail admin console")],
    ids=["tencent-exmail", "alibaba-mail"],
)
def test_cloud_manual_steps_read_in_chinese(fake: Any, console: str, english: str, tmp_path: Path) -> None:
    """A cloud provider's fake: what its API cannot do is a manual step, and the plan words it in Chinese."""
    with fake.harness(("huamao-trade.com", "huamao.cn")) as h:
        company = ExampleCompany(tmp_path, h.provider_type, h.settings, {"corp_secret", "client_secret",
                                                                          "function_secret"})
        config = company.dir / "mailplan.yaml"
        text = config.read_text(encoding="utf-8")
        for refused in (", m.keller@keller-handel.example]", "  - {address: hr, to: [chenjianguo, sunli]}\n"):
            assert refused in text  # what Exmail cannot hold (test_example_on_cn_mail.py)
            text = text.replace(refused, "]" if refused.endswith("]") else "")
        config.write_text(text, encoding="utf-8")
        runs = {}
        for lang in LANGS:
            company.env["MAILPLAN_LANG"] = lang
            runs[lang] = {fmt: company.run("plan", "--format", fmt) for fmt in ("text", "markdown", "json")}
    assert {r.returncode for by_fmt in runs.values() for r in by_fmt.values()} == {0}
    assert runs["en"]["json"].stdout == runs["zh-CN"]["json"].stdout or (
        without_time(runs["en"]["json"].stdout) == without_time(runs["zh-CN"]["json"].stdout))
    plan = json.loads(runs["en"]["json"].stdout)
    manual = [c for c in plan["changes"] if c["action"] == "manual"]
    assert manual and all(c["instructions"] for c in manual)
    # the steps name the console's own Chinese menus in English too, so only the Chinese side is checked;
    # Foxmail is the mail client's name
    keep = data(plan) | {"Foxmail"}
    for fmt in ("text", "markdown"):
        chinese = runs["zh-CN"][fmt].stdout
        assert english_left(chinese, keep) == [], "\n".join(english_left(chinese, keep))
    chinese = runs["zh-CN"]["text"].stdout
    assert "手动步骤——需要人员执行：" in chinese and console in chinese
    assert english in runs["en"]["text"].stdout


D = "huamao-trade.com"
STEP_OBJECTS = [
    Domain("huamao.cn", alias_of=D), Domain("huamao.com.cn"),
    Group(f"sales@{D}", "销售", (f"zhangsan@{D}",)),
    Group(f"all@{D}", "全体", (f"zhangsan@{D}",), post_policy="organization", owners=(f"lisi@{D}",)),
    Group(f"team@{D}", "团队", (f"zhangsan@{D}",), post_policy="members"),
    Group(f"board@{D}", "董事会", (f"zhangsan@{D}",), post_policy="senders", senders=(f"lisi@{D}",)),
    Alias(f"info@{D}", (f"zhangsan@{D}", f"lisi@{D}")),
    Policy(D, 14, 90, require_2fa=True), Policy(D, 10),
    Forwarding(f"zhangwei@{D}", (f"wangfang@{D}",)),
    AutoReply(f"zhangwei@{D}", "已离职 / Left", "您好，张伟已离职。\nHello, Zhang Wei has left."),
    Delegation(f"sales@{D}", f"lisi@{D}", read=True), Delegation(f"sales@{D}", f"lisi@{D}", send=True),
    Delegation(f"sales@{D}", f"lisi@{D}", read=True, send=True),
    AdminRole(f"it@{D}", "super"), AdminRole(f"lisi@{D}", "department", ("sales", "finance")),
    ArchiveRule(D, f"archive@{D}", 3650), ArchiveRule(D, f"archive@{D}"),
    Department("sales-eu", D, "欧洲业务组", parent="sales"), Department("board", D, "董事会"),
    Contact(D, "Keller Handel GmbH", f"lisi@{D}", (Contact.entry("business", "m.keller@keller-handel.example"),)),
]


@pytest.mark.parametrize("provider_type", ["tencent-exmail", "alibaba-mail", "netease-qiye"])
def test_every_manual_step_of_the_chinese_providers_reads_in_chinese(provider_type: str, tmp_path: Path) -> None:
    """Each object a person handles in the console, created, changed and removed, as the plan shows it, also
    after the plan was saved (the file holds English, read back line by line)."""
    manual = importlib.import_module(f"mailplan.providers.mail.{MODULES[provider_type]}.manual")
    changes = []
    for obj in STEP_OBJECTS:
        for before, after in ((None, obj), (obj, obj), (obj, None)):
            change = Change(Action.MANUAL, "mail", before, after)
            steps = (contact_steps(change, provider_type) if isinstance(obj, Contact)
                     else manual.instructions_for(change))
            if steps:
                changes.append(dataclasses.replace(change, instructions=steps))
    assert len(changes) > 30
    plan = Plan(changes)
    plan.save(tmp_path / "saved.plan")
    keep = data(json.loads((tmp_path / "saved.plan").read_text(encoding="utf-8"))) | {"Foxmail"}
    try:
        i18n.select("zh-CN")
        for shown in (plan_text.render(plan), plan_text.render(Plan.load(tmp_path / "saved.plan"))):
            assert english_left(shown, keep) == [], "\n".join(english_left(shown, keep))
            assert "手动步骤——需要人员执行：" in shown
    finally:
        i18n.select("en")


MODULES = {"tencent-exmail": "exmail", "alibaba-mail": "alimail", "netease-qiye": "netease"}


def test_safety_limits_refusals_and_unmanaged_objects_in_either_language() -> None:
    """The frame around what the safety gate says (its own messages are the gate's, data here)."""
    refusal = "freezing 5 mailboxes on mail exceeds policies.safety"
    plan = Plan(
        [Change(Action.FREEZE, "mail", Mailbox(f"lisi@{D}", "李四"), Mailbox(f"lisi@{D}", "李四", frozen=True),
                "left the organization")],
        unmanaged=[Unmanaged("mail", Alias(f"old@{D}", (f"lisi@{D}",)))],
        blocked=[Problem(refusal)],
        safety=[LimitUse("mail", "mailbox", 3, 2, 30, 40, 4, 10.0, 5)],
    )
    keep = {refusal, f"lisi@{D}", f"old@{D}", "mail", "李四"}
    shown = {}
    try:
        for lang in LANGS:
            i18n.select(lang)
            shown[lang] = plan_text.render(plan) + plan_markdown.render(plan, title="Drift")
    finally:
        i18n.select("en")
    assert english_left(shown["zh-CN"], keep) == [], shown["zh-CN"]
    assert chinese_left(shown["en"], keep) == [], shown["en"]
    assert "服务商 mail 上的邮箱：本计划冻结或删除 3 个 + 最近 30 天内 2 个 = 5 个，上限 4 个" in shown["zh-CN"]
    assert "安全检查拒绝了此计划" in shown["zh-CN"] and "未纳管（1 个）" in shown["zh-CN"]
    assert "mailbox on mail: 3 frozen or removed by this plan + 2 in the last 30 days = 5 of 4 allowed" in shown["en"]


def test_the_plan_offboard_prints_reads_in_either_language(tmp_path: Path) -> None:
    """HR's commands print the part of the plan their edit causes, under their own title."""
    shown = {}
    for lang in LANGS:
        company = History(tmp_path / lang)
        company.folder.mkdir()
        shutil.copy(EXAMPLE, company.config)
        result = company.run("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--on", "2030-03-07",
                             lang=lang)
        assert result.exit_code == 0, result.stdout + result.stderr
        shown[lang] = result.stdout
    on_the_day = company.run("plan", str(company.config), "--format", "json", MAILPLAN_TODAY="2030-03-07")
    keep = data(json.loads(on_the_day.stdout))
    assert english_left(shown["zh-CN"], keep) == [], shown["zh-CN"]
    assert chinese_left(shown["en"], keep) == [], "\n".join(chinese_left(shown["en"], keep))
    assert "的计划（当天或之后的第一次应用会执行）：创建 6 项" in shown["zh-CN"]
    assert "+ 自动回复 zhangwei@huamao-trade.com" in shown["zh-CN"]
