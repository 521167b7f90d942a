"""Notes and errors the core raises while planning and applying, in the reader's language: the MX preference a
DNS provider raises, an SPF record over its lookups, the local mail database that cannot be opened, a change
the journal could not take. Each is English for machines (``str``) and Chinese where a person reads it."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailplan import i18n
from mailplan.dns.derive import storable
from mailplan.engine.journal import Unrecorded, journaled_all
from mailplan.errors import ConfigError
from mailplan.model.change import Action, Change
from mailplan.model.objects import Mailbox, Record
from mailplan.notes import Note
from mailplan.providers.base import ProviderError
from mailplan.providers.mail.local.database import open_database

from .leftover import chinese_left, english_left


@pytest.fixture
def chinese() -> Iterator[None]:
    i18n.select("zh-CN")
    try:
        yield
    finally:
        i18n.select("en")


def both(message: object, keep: set[str]) -> str:
    """``message`` in Chinese, checked: nothing of English left but ``keep``; its English has no Chinese."""
    english = str(message)
    shown = i18n.localized(message)
    assert chinese_left(english, keep) == [], english
    assert english_left(shown, keep) == [], "\n".join(english_left(shown, keep))
    return shown


def test_a_raised_mx_preference_is_noted_in_chinese(chinese: None) -> None:
    record = Record("example.com", "@", "MX", "", 600, ("0 a.example.net.", "0 b.example.net.", "10 c.example.net."))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", Note)
        storable([record], 1, "alidns")
    [note] = [w.message for w in caught]
    assert str(note).startswith(
        "domain example.com: alidns accepts MX preferences from 1 only, so 'MX 0 a.example.net.' is published as "
        "'MX 1 a.example.net.' and 'MX 0 b.example.net.' is published as"
    )
    shown = both(note.args[0], {"alidns"})
    assert "只接受不小于 1 的 MX 优先级" in shown and "'MX 0 a.example.net.' 发布为 'MX 1 a.example.net.'" in shown


def test_an_mx_order_that_cannot_be_kept_is_refused_in_chinese(chinese: None) -> None:
    record = Record("example.com", "@", "MX", "", 600, ("0 a.example.net.", "1 b.example.net."))
    with pytest.raises(ConfigError) as refused:
        storable([record], 1, "alidns")
    [problem] = refused.value.problems
    shown = problem.shown(i18n.localized)
    assert english_left(shown, {"alidns"}) == [], shown
    assert "会改变先尝试哪台主机" in shown and "DNS 服务商" in shown


def test_a_mail_database_that_cannot_be_opened_is_said_in_chinese(tmp_path: Path, chinese: None) -> None:
    path = tmp_path / "mail.sqlite"
    path.write_bytes(b"not a database, a file in the way" * 100)
    with pytest.raises(ProviderError) as failed:
        open_database(path, create=True)
    assert str(failed.value).startswith(f"cannot open the mail database {path}: ")
    shown = both(failed.value, {"file is not a database"})  # SQLite's own words are its answer
    assert shown.startswith(f"无法打开邮件数据库 {path}：")


class _FullJournal:
    """A journal on a full disk: it takes no entry."""

    def intend_all(self, changes: Any) -> list[int]:
        raise OSError(28, "No space left on device")


class _LateFullJournal:
    """A journal that took the intent, then cannot take the outcome."""

    def intend_all(self, changes: Any) -> list[int]:
        return [1 for _ in changes]

    def outcome_all(self, *args: Any) -> None:
        raise OSError(28, "No space left on device")


CHANGE = Change(Action.CREATE, "mail", None, Mailbox("lisi@example.com", "李四"))


def test_a_change_the_journal_could_not_take_is_said_in_chinese(chinese: None) -> None:
    keep = {"[Errno 28] No space left on device", "李四"}  # the system's answer
    with pytest.raises(Unrecorded) as before:
        journaled_all(_FullJournal(), [CHANGE], lambda: ["created"])  # type: ignore[arg-type]
    assert not before.value.applied and "未执行：日志无法写入" in both(before.value, keep)
    with pytest.raises(Unrecorded) as after:
        journaled_all(_LateFullJournal(), [CHANGE, CHANGE], lambda: ["created", "created"])  # type: ignore[arg-type]
    assert str(after.value).startswith("applied (2 changes in one transaction: created, ...) but NOT written")
    assert after.value.applied and "一个事务中的 2 项变更" in both(after.value, keep | {"created"})
