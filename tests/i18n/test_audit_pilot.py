"""The Chinese interface of the audit commands, end to end on the example company's journal (after an
apply and a departure): every human output in both languages, nothing of the other language left in
either, and the machine outputs (JSON, exit codes, the journal) the same in both."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from babel.dates import format_date, format_datetime

from engine.test_journal import _rechain

from .conftest import KEY, History
from .leftover import chinese_left, english_left, visible_text

PERSON = "张伟 <zhangwei@huamao-trade.com>"


def _both(history: History, *args: str, keep: Iterable[str] = ()) -> tuple[str, str]:
    """The output (stdout and stderr) in English and in Chinese; each checked for the other language."""
    en, zh = (history.run(*args, lang=lang) for lang in ("en", "zh-CN"))
    assert en.exit_code == zh.exit_code, (en.stdout + en.stderr, zh.stdout + zh.stderr)
    keep = {*keep, *args, *history.data(), PERSON, str(history.folder)}  # what the user typed is echoed as typed
    english, chinese = en.stdout + en.stderr, zh.stdout + zh.stderr
    if "--format" in args and args[args.index("--format") + 1] == "html":
        english, chinese = visible_text(english), visible_text(chinese)
    assert english_left(chinese, keep) == [], chinese
    assert chinese_left(english, keep) == [], english
    return english, chinese


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
@pytest.mark.parametrize("query", [(), ("--person", "zhangwei"), ("--person", "zhangwei", "--since", "2020-01-01")],
                         ids=["all", "person", "person-since"])  # fmt: skip
def test_audit_log_speaks_either_language_entirely(history: History, fmt: str, query: tuple[str, ...]) -> None:
    english, chinese = _both(history, "audit", "log", str(history.config), *query, "--format", fmt)
    assert "审计日志" in chinese or fmt == "text"
    assert "项已应用的变更" in chinese and "applied change" in english
    if query:
        assert "冻结邮箱 zhangwei@huamao-trade.com" in chinese and "freeze mailbox zhangwei@huamao-trade.com" in english
        assert "已冻结：否 → 是" in chinese and "frozen: false → true" in english
        assert "原因：已离职" in chinese and "why: left the organization" in english
    if "--since" in query:
        assert "自 2020年1月1日 起与 张伟" in chinese and "since 2020-01-01" in english


def test_the_same_entries_are_shown_in_both_languages(history: History) -> None:
    english, chinese = _both(history, "audit", "log", str(history.config))
    assert re.findall(r"^#(\d+) ", english, re.M) == re.findall(r"^#(\d+) ", chinese, re.M)
    # one row per change: its outcome (the intent written before it is not shown once answered)
    assert len(re.findall(r"^#\d+ ", english, re.M)) == sum(e["event"] == "applied" for e in history.entries())


def test_times_are_in_the_locale_form(history: History) -> None:
    """English keeps the journal's ISO time; Chinese shows CLDR's zh_CN date and time (checked against Babel)."""
    entry = history.entries()[-1]
    moment = dt.datetime.fromisoformat(entry["time"])
    english, chinese = _both(history, "audit", "log", str(history.config))
    assert f"#{entry['seq']} {entry['time']} " in english
    cldr = format_datetime(moment, "medium", tzinfo=dt.UTC, locale="zh_CN")  # 2026年3月7日 09:05:03
    assert f"#{entry['seq']} {cldr}（UTC+00:00）" in chinese
    assert format_date(moment.date(), "long", locale="zh_CN") in chinese


def test_json_and_the_journal_do_not_change_with_the_language(history: History) -> None:
    en, zh = (history.run("audit", "log", str(history.config), "-f", "json", lang=lang) for lang in ("en", "zh-CN"))
    assert en.stdout == zh.stdout
    # the departure was recorded by a Chinese run: its entries are as English as the apply's
    freeze = next(e for e in history.entries() if e["action"] == "freeze")
    assert freeze["reason"] == "left the organization"
    assert {e["reason"] for e in history.entries()} <= {
        "in the config, not yet on the provider", "differs from the config", "left the organization",
    }  # fmt: skip


def test_a_saved_plan_and_plan_json_do_not_change_with_the_language(tmp_path: Path, history: History) -> None:
    company = History(tmp_path)
    shutil.copy(history.config.parent / "mailplan.yaml", company.config)
    shutil.copy(history.folder / "journal.key", tmp_path / "journal.key")
    outputs = {}
    for lang in ("en", "zh-CN"):
        shown = company.run("plan", str(company.config), "--format", "json", "--out", str(tmp_path / lang), lang=lang)
        assert shown.exit_code == 0, shown.stdout + shown.stderr
        printed, saved = json.loads(shown.stdout), json.loads((tmp_path / lang).read_text(encoding="utf-8"))
        for document in (printed, saved):
            del document["created_at"]  # the only difference: the second plan was made a moment later
        outputs[lang] = printed, saved
    assert outputs["en"] == outputs["zh-CN"]
    reasons = {change["reason"] for change in outputs["zh-CN"][0]["changes"]}
    assert reasons == {"in the config, not yet on the provider"}


# --- audit verify: every message it can print --------------------------------------------------------------


def _copy(history: History, tmp_path: Path, edit: Callable[[list[str]], list[str]] | None = None) -> Path:
    copy = tmp_path / "journal.jsonl"
    lines = history.journal.read_text(encoding="utf-8").splitlines(keepends=True)
    copy.write_bytes("".join(edit(lines) if edit else lines).encode("utf-8", errors="surrogateescape"))
    return copy


def _edited(lines: list[str]) -> list[str]:
    entry = json.loads(lines[2])
    entry["actor"] = "someone else"
    return [*lines[:2], json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n", *lines[3:]]


def _unsigned_last(lines: list[str]) -> list[str]:
    entry = json.loads(lines[-1])
    del entry["mac"]  # the hash does not cover the signature: the chain stays intact
    return [*lines[:-1], json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"]


def _head(history: History, seq: int) -> str:
    entry = history.entries()[seq - 1]
    return f"{seq}:{entry['hash']}"


SCENARIOS: dict[str, tuple[Callable[[list[str]], list[str]] | None, tuple[str, ...], int]] = {
    "intact, signed": (None, ("--key", "file:{key}"), 0),
    "intact, signatures unchecked": (None, (), 0),
    "expected head found": (None, ("--expect-head", "{head5}"), 0),
    "a line edited": (_edited, (), 2),
    "a line deleted": (lambda lines: lines[:2] + lines[3:], (), 2),
    "two lines swapped": (lambda lines: [*lines[:2], lines[3], lines[2], *lines[4:]], (), 2),
    "rewritten without the key": (lambda lines: _rechain(_edited(lines)), ("--key", "file:{key}"), 2),
    "signatures stripped": (lambda lines: _rechain(lines, strip=True), ("--key", "file:{key}"), 2),
    "the last signature removed": (_unsigned_last, ("--key", "file:{key}"), 2),
    "the tail deleted": (lambda lines: lines[:-3], ("--expect-head", "{last}"), 2),
    "history rewritten": (lambda lines: _rechain(_edited(lines)), ("--expect-head", "{head5}"), 2),
    "a damaged line": (lambda lines: [*lines[:4], "{not json\n", *lines[5:]], (), 2),
    "a line not UTF-8": (lambda lines: [*lines[:4], "\udcff\n", *lines[5:]], (), 2),
    "a line not an entry": (lambda lines: [*lines[:4], "[1, 2]\n", *lines[5:]], (), 2),
    "an entry without a number": (lambda lines: [lines[0].replace('"seq": 1', '"seq": "one"'), *lines[1:]], (), 2),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_verify_says_everything_in_either_language(history: History, tmp_path: Path, scenario: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    edit, extra, code = SCENARIOS[scenario]
    monkeypatch.chdir(tmp_path)  # no mailplan.yaml here: the key is only what --key says
    (tmp_path / "journal.key").write_text(KEY, encoding="utf-8")
    journal = _copy(history, tmp_path, edit)
    values = {"key": str(tmp_path / "journal.key"), "head5": _head(history, 5),
              "last": _head(history, len(history.entries()))}  # fmt: skip
    args = [a.format(**values) for a in extra]
    json_error = "Expecting property name enclosed in double quotes"  # Python's own words, quoted as it said them
    english, chinese = _both(history, "audit", "verify", "--journal", str(journal), *args, keep={json_error})
    result = history.run("audit", "verify", "--journal", str(journal), *args)
    assert result.exit_code == code, english
    if code == 0:
        assert "哈希链完好" in chinese and "hash chain intact" in english
        assert chinese.splitlines()[-1] == english.splitlines()[-1]  # "head SEQ:HASH", read by scripts
    else:
        assert "日志已不是写入时的样子" in chinese and "The journal is not as it was written" in english


def test_verify_with_the_key_the_config_names(history: History) -> None:
    english, chinese = _both(history, "audit", "verify", str(history.config))
    assert f"已用日志密钥签名（{history.config} 中的 journal_key file:journal.key）" in chinese
    assert f"signed with the journal key (journal_key file:journal.key of {history.config})" in english


def test_verify_without_a_journal_and_with_a_lost_one(history: History, tmp_path: Path) -> None:
    missing = str(tmp_path / "none.jsonl")
    english, chinese = _both(history, "audit", "verify", "--journal", missing)
    assert "还没有日志" in chinese and "no journal yet" in english
    english, chinese = _both(history, "audit", "verify", "--journal", missing, "--expect-head", _head(history, 5))
    assert "日志不见了" in chinese and "the journal is gone" in english


@pytest.mark.parametrize(
    "args",
    [
        ("audit", "verify", "--key", "plain-secret"),
        ("audit", "verify", "--key", "env:MAILPLAN_NO_SUCH_KEY"),
        ("audit", "verify", "--key", "file:short.key"),
        ("audit", "verify", "--key", "file:no-such.key"),
        ("audit", "verify", "--expect-head", "no-such-file"),
        ("audit", "verify", "--expect-head", "short.key"),
        ("audit", "log", "--since", "yesterday"),
        ("audit", "log", "--person", "nobody at all"),
    ],
    ids=["key not a reference", "key not set", "key too short", "key unreadable", "head unreadable",
         "head file without a head", "since not a date", "no such person"],
)  # fmt: skip
def test_usage_errors_in_either_language(history: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         args: tuple[str, ...]) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    (tmp_path / "short.key").write_text("abc\n", encoding="utf-8")
    shutil.copy(history.journal, tmp_path / "journal.jsonl")
    # the address check's reason comes from config/ (converted later); it is quoted inside the Chinese message
    keep = {"is not a valid mail address (expected", "No such file or directory"}
    english, chinese = _both(history, *args, "--journal", str(tmp_path / "journal.jsonl"), keep=keep)
    assert chinese.startswith("错误：") and english.startswith("error: ")


def test_a_damaged_log_is_said_to_be_incomplete(history: History, tmp_path: Path) -> None:
    journal = _copy(history, tmp_path, lambda lines: [*lines[:4], "{not json\n", *lines[5:]])
    keep = {"Expecting property name enclosed in double quotes"}
    english, chinese = _both(history, "audit", "log", "--journal", str(journal), str(tmp_path / "x.yaml"), keep=keep)
    assert "未列入日志" in chinese and "1 行已损坏" in chinese
    assert "left out of the log" in english and "1 damaged line in the journal" in english


# --- --help ------------------------------------------------------------------------------------------------

COMMAND_WORDS = {"log", "verify", "apply", "text", "json", "markdown", "html"}  # typed as they are


@pytest.mark.parametrize("command", [("audit",), ("audit", "log"), ("audit", "verify")], ids=" ".join)
def test_help_of_the_audit_commands(history: History, command: tuple[str, ...]) -> None:
    english, chinese = _both(history, *command, "--help", keep=COMMAND_WORDS)
    assert "用法：" in chinese and "显示此帮助并退出。" in chinese and "选项" in chinese
    assert "Usage:" in english and "Show this message and exit." in english
    assert "…" not in chinese  # a Chinese line has no spaces to wrap at: folded, not cut off
