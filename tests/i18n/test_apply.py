"""`apply` on copies of the example company in both languages: what apply itself says (its progress, its
summary, its refusals, outside the plan it prints) is all Chinese or all English; the exit code, the journal
and the mail database it leaves are the same in both."""

from __future__ import annotations

import shutil
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from mailplan.engine.lock import StateLock
from mailplan.model.change import Change
from mailplan.providers.base import ProviderError
from mailplan.providers.mail.local.provider import LocalMailProvider
from people.conftest import EXAMPLE

from .conftest import History
from .leftover import chinese_left, english_left

LANGS = ("en", "zh-CN")
# data in every language: the example's providers and its keys, what the journal's entries name
NAMES = {"mail", "dns", "local", "apply", "include", socket.gethostname()}  # include: an SPF term
# the journal's fields a language could change; time, chain and the providers' answers differ between copies
SAME = ("event", "actor", "provider", "action", "kind", "key", "reason", "before", "after")


def _company(root: Path, lang: str) -> History:
    folder = root / lang
    folder.mkdir(parents=True)
    shutil.copy(EXAMPLE, folder / "mailplan.yaml")
    return History(folder)


def _own_lines(result: Result, company: History) -> str:
    """What apply itself printed: its status, progress and errors (stderr), and its closing line (stdout's last:
    the rest of stdout is the plan, the plan renderer's)."""
    summary = result.stdout.rstrip("\n").splitlines()[-1:] if result.exit_code == 0 else []
    return "\n".join([result.stderr, *summary]).replace(str(company.folder), "FOLDER")


def _both(tmp_path: Path, prepare: Callable[[History], list[str]], exit_code: int,
          data: frozenset[str] = frozenset()) -> dict[str, tuple[str, History]]:  # fmt: skip
    """``prepare`` a copy of the company in each language (in English: the language of what it does must not
    matter), then run the apply it returns in that language; apply's own lines in each, free of the other
    language, and the same exit code."""
    runs = {}
    keep: set[str] = {*NAMES, *data}
    for lang in LANGS:
        company = _company(tmp_path, lang)
        args = prepare(company)
        result = company.run("apply", str(company.config), *args, lang=lang)
        assert result.exit_code == exit_code, result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        if company.journal.exists():
            keep |= company.data()
        runs[lang] = _own_lines(result, company), company
    keep |= {"FOLDER"}
    english, chinese = runs["en"][0], runs["zh-CN"][0]
    assert english_left(chinese, keep) == [], chinese
    assert chinese_left(english, keep) == [], english
    return runs


def _entries(company: History) -> list[dict[str, Any]]:
    """The journal's entries as far as a language could change them (each copy makes its own DKIM key)."""
    dkim = ("before", "after")
    return [{k: e.get(k) for k in SAME if not ("_domainkey" in str(e.get("key")) and k in dkim)}
            for e in company.entries()]  # fmt: skip


def _mail(company: History) -> list[tuple[Any, ...]]:
    with sqlite3.connect(company.folder / ".mailplan" / "mail.sqlite") as db:
        boxes = db.execute("SELECT username, name, quota, active FROM mailbox ORDER BY username").fetchall()
        aliases = db.execute("SELECT address, goto, active FROM alias ORDER BY address").fetchall()
    return boxes + aliases


def test_apply_speaks_either_language_and_does_the_same(tmp_path: Path) -> None:
    runs = _both(tmp_path, lambda company: ["--auto-approve"], exit_code=0)
    (english, en_company), (chinese, zh_company) = runs["en"], runs["zh-CN"]
    assert _entries(en_company) == _entries(zh_company) and _entries(en_company)
    assert all(str(e.get("reason", "")).isascii() for e in zh_company.entries()), "the journal is English"
    assert _mail(en_company) == _mail(zh_company) and _mail(en_company)
    # progress, one line a change, the change named in the reader's words
    assert "✓ create mailbox zhangsan@huamao-trade.com (mail)" in english
    assert "✓ 创建邮箱 zhangsan@huamao-trade.com (mail)" in chinese
    summary_en, summary_zh = english.splitlines()[-1], chinese.splitlines()[-1]
    assert summary_en.startswith("Apply complete: ") and " applied; " in summary_en and ", head " in summary_en
    assert summary_zh.startswith("应用完成：") and "个新邮箱的初始密码已写入" in summary_zh and "日志头" in summary_zh
    assert len(summary_zh.split("；")) == len(summary_en.split("; "))  # the same parts, in the reader's words


def test_a_held_lock_is_refused_in_either_language(tmp_path: Path) -> None:
    locks: list[StateLock] = []

    def hold_the_lock(company: History) -> list[str]:
        lock = StateLock(company.folder / ".mailplan", "apply")
        lock.acquire()  # a second open file: the flock refuses the command as it refuses another process
        locks.append(lock)
        return ["--auto-approve"]

    try:
        runs = _both(tmp_path, hold_the_lock, exit_code=1)
    finally:
        for lock in locks:
            lock.release()
    english, chinese = runs["en"][0], runs["zh-CN"][0]
    for _text, company in runs.values():
        assert not (company.folder / ".mailplan" / "mail.sqlite").exists(), "nothing was done"
    assert "another mailplan run holds the lock on FOLDER/.mailplan: pid" in english
    assert "--lock-timeout SECONDS" in english and "(mailplan apply), since 20" in english
    assert "另一次 mailplan 运行持有 FOLDER/.mailplan 的锁" in chinese and "（mailplan apply），自 20" in chinese


def _stale(company: History) -> list[str]:
    saved = company.folder / "reviewed.plan.json"
    assert company.run("plan", str(company.config), "--out", str(saved)).exit_code == 0
    assert company.run("apply", str(company.config), "--auto-approve").exit_code == 0  # the live state moves on
    return ["--plan", str(saved)]


def test_a_stale_saved_plan_is_refused_in_either_language(tmp_path: Path) -> None:
    runs = _both(tmp_path, _stale, exit_code=1)
    english, chinese = runs["en"][0], runs["zh-CN"][0]
    assert "reviewed.plan.json is stale and was not applied: the live state of provider 'dns' changed" in english
    assert "reviewed.plan.json 已过时，未应用：计划生成之后服务商 'dns' 的实际状态有了变化；" in chinese
    assert _entries(runs["en"][1]) == _entries(runs["zh-CN"][1]), "the refused plan left nothing in the journal"


def _lost_state(company: History) -> list[str]:
    assert company.run("apply", str(company.config), "--auto-approve").exit_code == 0
    (company.folder / ".mailplan" / "mail.sqlite").write_bytes(b"")  # the database emptied: the gate refuses
    return ["--auto-approve"]


def test_a_safety_gate_refusal_is_in_either_language(tmp_path: Path) -> None:
    runs = _both(tmp_path, _lost_state, exit_code=1)
    english, chinese = runs["en"][0], runs["zh-CN"][0]
    assert "error: the safety gate refused this plan; nothing was applied" in english
    assert "错误：安全闸拒绝了这份计划；没有应用任何变更" in chinese
    for _text, company in runs.values():
        assert (company.folder / ".mailplan" / "mail.sqlite").stat().st_size == 0, "nothing was made"


def test_a_failed_change_is_reported_in_either_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A provider that refuses the auto-replies: the rest is made, the failures and the counts in the reader's
    language, the provider's answer quoted as it came; the journal the same in both."""
    answer = "quota exceeded (code 552)"
    made = LocalMailProvider._apply_in

    def refuse_autoreplies(self: LocalMailProvider, db: Any, change: Change, passwords: Any) -> Any:
        if change.kind == "autoreply":
            raise ProviderError(answer)
        return made(self, db, change, passwords)

    monkeypatch.setattr(LocalMailProvider, "_apply_in", refuse_autoreplies)
    runs = _both(tmp_path, lambda company: ["--auto-approve"], exit_code=1, data=frozenset({answer}))
    (english, en_company), (chinese, zh_company) = runs["en"], runs["zh-CN"]
    assert _entries(en_company) == _entries(zh_company)
    assert _mail(en_company) == _mail(zh_company)
    assert f"✗ create autoreply info@huamao-trade.com (mail): {answer}" in english
    assert f"✗ 创建自动回复 info@huamao-trade.com（mail）：{answer}" in chinese
    assert "Every change that did not need a failed one was made" in english
    assert "凡是不依赖失败项的变更都已完成" in chinese and "失败 " in chinese


def test_a_missing_saved_plan_is_named_in_either_language(tmp_path: Path) -> None:
    runs = _both(tmp_path, lambda company: ["--plan", "reviewed.plan.json"], exit_code=1)
    english, chinese = runs["en"][0], runs["zh-CN"][0]
    assert "reviewed.plan.json: no such plan file — create one with `mailplan plan --out reviewed.plan.json`" in english
    assert "reviewed.plan.json：没有这个计划文件" in chinese


def test_approval_without_a_terminal_is_refused_in_either_language(tmp_path: Path) -> None:
    runs = _both(tmp_path, lambda company: [], exit_code=1)
    english, chinese = runs["en"][0], runs["zh-CN"][0]
    assert "no terminal to ask for approval: pass --auto-approve" in english
    assert "没有终端可以征求确认：请加 --auto-approve" in chinese
    for _text, company in runs.values():
        assert not company.journal.exists(), "nothing was applied"
