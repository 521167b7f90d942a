"""HR's commands (offboard, onboard, rehire) on the example company in both languages: what HR reads is
all Chinese or all English; the exit code and the YAML written are the same in both."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from people.conftest import EXAMPLE

from .conftest import History
from .leftover import chinese_left, english_left

# data, in every language: names, the example's keys (departments, tiers), its providers, an example local part
NAMES = {"张伟", "王芳", "张三", "李娜", "新同事", "章三", "nobody", "nobody-here", "zhangsan", "zhangsan2", "zhangwei",
         "dns", "mail", "local",
         "management", "sales", "sales-eu", "purchasing", "finance", "staff", "manager"}


def _company(root: Path, lang: str) -> History:
    folder = root / lang
    folder.mkdir(parents=True)
    shutil.copy(EXAMPLE, folder / "mailplan.yaml")
    return History(folder)


def _both(tmp_path: Path, *args: str, exit_code: int = 0, today: str = "") -> tuple[str, str]:
    """The command on two copies of the company, in English and in Chinese; (English, Chinese) stderr,
    each free of the other language; the exit code and the config written the same in both."""
    runs = {}
    for lang in ("en", "zh-CN"):
        company = _company(tmp_path, lang)
        result = company.run(args[0], str(company.config), *args[1:], lang=lang, MAILPLAN_TODAY=today)
        assert result.exit_code == exit_code, result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        runs[lang] = result.stderr.replace(str(company.folder), "FOLDER"), company.text()
    assert runs["en"][1] == runs["zh-CN"][1], "the YAML written depends on the language"
    keep = {*args, *NAMES, "FOLDER"}
    english, chinese = runs["en"][0], runs["zh-CN"][0]
    assert english_left(chinese, keep) == [], chinese
    assert chinese_left(english, keep) == [], english
    return english, chinese


def test_offboard_speaks_either_language(tmp_path: Path) -> None:
    english, chinese = _both(tmp_path, "offboard", "zhangsan", "-s", "wangfang", "--on", "2030-03-07", "--no-plan")
    leaver, successor = "张三 <zhangsan@huamao-trade.com>", "王芳 <wangfang@huamao-trade.com>"
    assert f"{leaver} leaves on 2030-03-07; {successor} takes over." in english
    assert "every other line is as it was" in english
    assert f"{leaver} 将于 2030年3月7日 离职；由交接人 {successor} 接手。" in chinese
    assert "其余各行保持原样" in chinese


def test_offboard_with_the_plan_keeps_its_status_lines_in_the_language(tmp_path: Path) -> None:
    """The plan itself is the plan renderer's (converted on its own); what offboard says around it is translated."""
    english, chinese = _both(tmp_path, "offboard", "zhangsan", "-s", "wangfang")
    assert "reading provider mail" in english and "正在读取服务商 mail" in chinese
    assert "other changes are pending as well" in english and "项变更待执行" in chinese


def test_rehire_and_onboard_speak_either_language(tmp_path: Path) -> None:
    english, chinese = _both(tmp_path, "rehire", "lina2", "--no-plan")
    assert "is back: the same address, the old mail, a new initial password" in english
    assert "回来了：地址不变，旧邮件都在，设置新的初始密码。" in chinese
    english, chinese = _both(tmp_path / "on", "onboard", "章三", "-d", "sales", "--start", "2030-03-09", "--no-plan")
    # 章三 derives zhangsan too: 张三 has it, the new colleague gets the next free one
    assert "zhangsan is taken by person 张三" in english and "章三 gets zhangsan2 (written as" in english
    assert "章三 的地址为 zhangsan2" in chinese and "自 2030年3月9日 起" in chinese


@pytest.mark.parametrize(
    ("args", "english_part", "chinese_part"),
    [
        (("offboard", "nobody-here", "-s", "wangfang"), "nothing in this file is called", "配置中没有名为"),
        (("offboard", "zhangsan", "-s", "nobody"), "give the address", "请写出地址"),
        (("offboard", "zhangsan", "-s", "wangfang", "--on", "2030-13-40"), "is not a date; write it as YYYY-MM-DD",
         "不是日期，请写成 YYYY-MM-DD"),
        (("offboard", "zhangsan"), "name the successor with --successor", "请用 --successor 指定交接人"),
        (("offboard", "zhangsan", "-s", "zhangsan"), "cannot be their own successor", "不能做自己的交接人"),
        (("rehire", "zhangsan"), "has not left; there is nothing to undo", "尚未离职"),
        (("onboard", "新同事", "-d", "nowhere"), "unknown department", "未知的部门"),
        (("offboard", "张伟", "-s", "wangfang"), "department sales); zhangwei2@huamao-trade.com",
         "部门 sales）；zhangwei2@huamao-trade.com"),
    ],
    ids=["unknown-person", "unknown-successor", "bad-date", "no-successor", "self", "not-left", "department",
         "two-of-one-name"],
)
def test_errors_and_their_fixes_are_in_the_language(
    tmp_path: Path, args: tuple[str, ...], english_part: str, chinese_part: str
) -> None:
    english, chinese = _both(tmp_path, *args, exit_code=1)
    assert english_part in english and chinese_part in chinese


@pytest.mark.parametrize("command", ["offboard", "onboard", "rehire"])
def test_help_is_in_the_language(tmp_path: Path, command: str) -> None:
    company = History(tmp_path)
    zh, en = (company.run(command, "--help", lang=lang, COLUMNS="200") for lang in ("zh-CN", "en"))
    assert zh.exit_code == en.exit_code == 0
    keys = {"successor", "reason"}  # the config keys the summary names, as the YAML spells them
    metavars = {"PERSON", "NAME", "CONFIG", "text", "json", "markdown"}
    assert english_left(zh.stdout, {command, *keys, *metavars}) == [], zh.stdout
    assert chinese_left(en.stdout, {"张三"}) == [], en.stdout


def test_offboard_now_reports_in_the_language(tmp_path: Path) -> None:
    """The emergency path: applied through the local backend; its closing line in the reader's language,
    the journal's entries and the config the same whatever the language."""
    runs = {}
    for lang in ("en", "zh-CN"):
        company = _company(tmp_path, lang)
        assert company.run("apply", str(company.config), "--auto-approve", lang="en").exit_code == 0
        result = company.run("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--now",
                             "--actor", "hr:李敏", lang=lang)  # fmt: skip
        assert result.exit_code == 0, result.stdout + result.stderr
        # the departure's entries (the apply's differ by the DKIM keys each copy made), less time and chain
        entries = [{k: v for k, v in e.items() if k not in ("time", "seq", "hash", "prev", "mac")}
                   for e in company.entries() if e["actor"] == "hr:李敏"]
        runs[lang] = result.stdout, company.text(), entries
    (english, en_yaml, en_journal), (chinese, zh_yaml, zh_journal) = runs["en"], runs["zh-CN"]
    assert en_yaml == zh_yaml and en_journal == zh_journal and en_journal
    assert all(str(e.get("reason", "")).isascii() for e in zh_journal), "the journal is English in a Chinese run"
    done_en = next(line for line in english.splitlines() if line.startswith("Done: "))
    done_zh = next(line for line in chinese.splitlines() if line.startswith("完成："))
    assert "changes applied now" in done_en and "项变更" in done_zh and "日志头" in done_zh
    assert english_left(done_zh) == [], done_zh
