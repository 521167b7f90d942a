"""Which language a run speaks, and how a message travels: English for machines, translated for a reader."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from babel.dates import format_date

from mailplan import i18n
from mailplan.engine.journal import Break
from mailplan.errors import Location, Problem
from mailplan.i18n import Msg, _, ngettext, plural_msg


@pytest.mark.parametrize(
    ("environ", "explicit", "expected"),
    [
        ({}, None, "en"),
        ({"LANG": "zh_CN.UTF-8"}, None, "zh-CN"),
        ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, None, "en"),  # LC_MESSAGES is stronger than LANG
        ({"LC_MESSAGES": "zh_CN.GB18030", "LANG": "en_US.UTF-8"}, None, "zh-CN"),
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, None, "en"),  # LC_ALL overrides everything (POSIX)
        ({"LC_ALL": "zh_SG.UTF-8"}, None, "zh-CN"),  # Simplified Chinese in Singapore
        ({"LANG": "zh_TW.UTF-8"}, None, "en"),  # Traditional Chinese: not this catalog
        ({"LANG": "fr_FR.UTF-8"}, None, "en"),
        ({"LANG": "en_US.UTF-8", "MAILPLAN_LANG": "zh-CN"}, None, "zh-CN"),  # MAILPLAN_LANG over the locale
        ({"LANG": "zh_CN.UTF-8", "MAILPLAN_LANG": "en"}, None, "en"),
        ({"MAILPLAN_LANG": "zh-CN"}, "en", "en"),  # --lang over everything
        ({}, "zh_CN", "zh-CN"),
    ],
)
def test_the_language_of_a_run(environ: dict[str, str], explicit: str | None, expected: str) -> None:
    assert i18n.choose(explicit, environ) == expected


def _real(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed command in a clean environment: only the variables given (and PATH)."""
    clean = {"PATH": os.environ["PATH"], "NO_COLOR": "1", **env}
    return subprocess.run([sys.executable, "-m", "mailplan", *args], capture_output=True, text=True, env=clean,
                          timeout=120)  # fmt: skip


def test_the_locale_of_the_shell_chooses_chinese(tmp_path: Path) -> None:
    missing = str(tmp_path / "journal.jsonl")
    assert "还没有日志" in _real("audit", "verify", "--journal", missing, LANG="zh_CN.UTF-8").stdout
    assert "no journal yet" in _real("audit", "verify", "--journal", missing, LANG="C.UTF-8").stdout
    assert "no journal yet" in _real("--lang", "en", "audit", "verify", "--journal", missing,
                                     MAILPLAN_LANG="zh-CN").stdout  # fmt: skip
    assert "用法：" in _real("--lang", "zh-CN", "audit", "--help").stdout


@pytest.mark.parametrize("how", [("--lang", "fr"), ("MAILPLAN_LANG", "klingon")], ids=["--lang", "MAILPLAN_LANG"])
def test_an_unknown_language_asked_for_is_refused(tmp_path: Path, how: tuple[str, str]) -> None:
    args = ["audit", "verify", "--journal", str(tmp_path / "j.jsonl")]
    run = _real(how[0], how[1], *args) if how[0] == "--lang" else _real(*args, **{how[0]: how[1]})
    assert run.returncode == 1
    assert f"'{how[1]}' is no language mailplan speaks: zh-CN or en" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_message_is_english_for_machines_and_translated_for_a_reader() -> None:
    reason = Msg("entry number {seq} where {expected} was expected (a line was deleted or moved)", seq=5, expected=4)
    found = Break(3, reason)
    i18n.select("zh-CN")
    assert found.reason == "entry number 5 where 4 was expected (a line was deleted or moved)"
    assert json.loads(json.dumps({"reason": found.reason})) == {"reason": str(reason)}
    assert i18n.localized(found.reason) == "条目序号为 5，应为 4（有行被删除或移动）"
    for kept in (copy.deepcopy(reason), pickle.loads(pickle.dumps(reason))):  # a copy stays a message
        assert i18n.localized(kept) == i18n.localized(reason)
    assert not isinstance(reason + "!", Msg)  # concatenated: plain English, so write one message instead


def test_a_config_problem_keeps_its_place_and_speaks_the_language() -> None:
    problem = Problem(Msg("not UTF-8 text"), Location("mailplan.yaml", 3, 5), hint=Msg("hash chain intact"))
    assert str(problem) == "mailplan.yaml:3:5: not UTF-8 text — hash chain intact"  # as before, English
    i18n.select("zh-CN")
    assert problem.shown(i18n.localized) == "mailplan.yaml:3:5: 不是 UTF-8 文本 — 哈希链完好"


def test_plural_forms() -> None:
    assert [ngettext("{count} entry", "{count} entries", n) for n in (0, 1, 2)] == ["0 entries", "1 entry",
                                                                                    "2 entries"]  # fmt: skip
    lazy = plural_msg("{count} problem", "{count} problems", 1)
    assert lazy == "1 problem"
    i18n.select("zh-CN")
    assert [ngettext("{count} entry", "{count} entries", n) for n in (1, 2)] == ["1 个条目", "2 个条目"]  # one form
    assert i18n.localized(plural_msg("{count} problem", "{count} problems", 3)) == "3 个问题"


def test_text_stored_in_english_is_translated_when_shown() -> None:
    """A journal written last year holds English reasons: the catalog's msgids recognise them, placeholders too."""
    i18n.select("zh-CN")
    assert i18n.localized("left the organization") == "已离职"
    stored = "none of the 12 entries is signed with the journal key: they were written before the key was set, " \
             "or the signatures were stripped and the chain recomputed"  # fmt: skip
    assert i18n.localized(stored).startswith("12 个条目都没有用日志密钥签名")
    assert i18n.localized("cannot read the journal key file:k: Permission denied") == (
        "无法读取日志密钥 file:k：Permission denied"
    )
    assert i18n.localized("inserted mailbox a@example.com") == "inserted mailbox a@example.com"  # unknown: as is


def test_dates_in_the_locale_form() -> None:
    day = dt.date(2026, 3, 7)
    assert i18n.format_date(day) == "2026-03-07"
    moment = dt.datetime(2026, 3, 7, 9, 5, 3, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert i18n.format_datetime(moment) == "2026-03-07T01:05:03+00:00"  # shown in UTC, the journal's clock
    i18n.select("zh-CN")
    assert i18n.format_date(day) == format_date(day, "long", locale="zh_CN") == "2026年3月7日"
    assert i18n.format_datetime(moment) == "2026年3月7日 01:05:03（UTC+00:00）"
    assert _("{changes} since {day}", changes="x", day=day) == "自 2026年3月7日 起的 x"  # a date parameter too


def test_a_broken_translation_falls_back_to_english(monkeypatch: pytest.MonkeyPatch) -> None:
    i18n.select("zh-CN")
    catalog = i18n._catalog()
    assert catalog is not None
    monkeypatch.setattr(catalog, "gettext", lambda msgid: "{nonexistent} 坏了")
    assert _("why: {reason}", reason="x") == "why: x"
