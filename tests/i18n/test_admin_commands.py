"""The admin's and HR's other commands on the example company in both languages: names, import, export,
mta-sts, local server-config and client-config. What they print for a person is all Chinese or all English;
the exit code, the files they write and their JSON are the same in both."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from people.conftest import EXAMPLE

from .conftest import History
from .leftover import chinese_left, english_left

LANGS = ("en", "zh-CN")
# data in every language: the folder of each copy
DATA = {"FOLDER"}


def _company(root: Path, lang: str, sts: bool = False) -> History:
    folder = root / lang
    folder.mkdir(parents=True)
    text = EXAMPLE.read_text(encoding="utf-8")
    if sts:  # the example publishes no MTA-STS policy: its main domain gets one
        text = text.replace("  huamao-trade.com:\n", "  huamao-trade.com:\n    mta_sts: {mode: testing}\n", 1)
    (folder / "mailplan.yaml").write_text(text, encoding="utf-8")
    return History(folder)


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, History]]:
    """A copy of the example company per language, applied (its local mail database filled)."""
    root = tmp_path_factory.mktemp("applied")
    companies = {lang: _company(root, lang) for lang in LANGS}
    for company in companies.values():
        result = company.run("apply", str(company.config), "--auto-approve")
        assert result.exit_code == 0, result.stdout + result.stderr
    yield companies


def _runs(companies: dict[str, History], *args: str, exit_code: int = 0) -> dict[str, tuple[str, str]]:
    """``mailplan ARGS`` (CONFIG and OUT in them replaced by each company's) in both languages: (stdout, stderr)."""
    out = {}
    for lang, company in companies.items():
        real = [a.replace("CONFIG", str(company.config)).replace("OUT", str(company.folder / "out")) for a in args]
        result = company.run(*real, lang=lang)
        assert result.exit_code == exit_code, result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        out[lang] = tuple(t.replace(str(company.folder), "FOLDER") for t in (result.stdout, result.stderr))
    return out  # type: ignore[return-value]


def _each_in_its_language(runs: dict[str, tuple[str, str]], keep: set[str]) -> tuple[str, str]:
    english, chinese = runs["en"][1], runs["zh-CN"][1]
    assert english_left(chinese, keep | DATA) == [], chinese
    assert chinese_left(english, keep | DATA) == [], english
    return english, chinese


def _fresh(tmp_path: Path, sts: bool = False) -> dict[str, History]:
    return {lang: _company(tmp_path, lang, sts) for lang in LANGS}


def test_names_reads_every_name_in_the_language(tmp_path: Path) -> None:
    companies = _fresh(tmp_path)
    runs = _runs(companies, "names", "CONFIG")
    english, chinese = runs["en"][0], runs["zh-CN"][0]
    # data: the names, and each character's reading (the words after a Chinese character), the library's name
    names = {w for line in english.splitlines() for w in re.split(r"\s{2,}", line.strip("? "))[:1]}
    readings = set(re.findall(r"[\u4e00-\u9fff]+ ([a-z]+)", english))
    readings |= set(re.findall(r"gives (\w+)", english))  # a written address's local part the name alone gives
    keep = {*names, *(w for n in names for w in n.split()), *"".join(names), *readings, "pypinyin"} | DATA
    assert english_left(chinese, keep) == [], chinese
    assert chinese_left(english, keep) == [], english
    assert "单 shan (surname table)" in english and "单 shan（姓氏表）" in chinese
    assert "given name Carlos, family name Mendes" in english and "名 Carlos，姓 Mendes" in chinese
    assert "29 people: 0 doubtful readings, 2 addresses written by hand." in english
    assert "共 29 名人员：0 个读法存疑，2 个地址为手写。" in chinese
    as_json = _runs(companies, "names", "CONFIG", "--format", "json")
    assert as_json["en"][0] == as_json["zh-CN"][0] and "surname table" in as_json["zh-CN"][0]


def test_names_without_a_config_says_so_in_the_language(tmp_path: Path) -> None:
    companies = _fresh(tmp_path)
    runs = _runs(companies, "names", "nowhere.yaml", exit_code=1)
    english, chinese = _each_in_its_language(runs, {"nowhere.yaml"})
    assert "no such config file" in english and "没有这个配置文件" in chinese


def test_import_reports_in_the_language(applied: dict[str, History]) -> None:
    runs = _runs(applied, "import", "--config", "CONFIG", "--provider", "mail", "--out", "OUT")
    english, chinese = _each_in_its_language(runs, {"mail", "local"})  # the provider's name and type
    assert "reading provider mail (local) …" in english and "正在读取服务商 mail（local）…" in chinese
    assert "35 mailbox" in english and "35 个邮箱" in chinese and "4 个邮件组" in chinese
    written = {lang: (c.folder / "out").read_text(encoding="utf-8").replace(str(c.folder), "FOLDER")
               for lang, c in applied.items()}  # fmt: skip
    assert written["en"] == written["zh-CN"], "the config import writes depends on the language"
    # the file is there now: the error, and its fix
    again = _runs(applied, "import", "--config", "CONFIG", "--provider", "mail", "--out", "OUT", exit_code=1)
    english, chinese = _each_in_its_language(again, set())
    assert "exists; pass --force to overwrite it" in english and "已存在；要覆盖它，请加上 --force" in chinese


def test_export_reports_in_the_language_and_writes_the_same_files(tmp_path: Path) -> None:
    companies = _fresh(tmp_path)
    for args, en_part, zh_part in [
        (("export", "crm", "CONFIG", "--out", "OUT"), "wrote 28 people to", "已将 28 名人员写入"),
        (("export", "contacts", "CONFIG", "--out", "OUT"), "wrote 10 addresses of 3 customers to",
         "已将 3 位客户的 10 个地址写入"),
    ]:
        runs = _runs(companies, *args)
        english, chinese = _each_in_its_language(runs, set())
        assert en_part in english and zh_part in chinese
        files = {lang: (c.folder / "out").read_bytes() for lang, c in companies.items()}
        assert files["en"] == files["zh-CN"]


def test_mta_sts_in_the_language(tmp_path: Path) -> None:
    companies = _fresh(tmp_path, sts=True)
    runs = _runs(companies, "mta-sts", "CONFIG")
    assert runs["en"][0] == runs["zh-CN"][0] and "mode: testing" in runs["en"][0]  # the policy file: for machines
    keep = {"TXT"}
    english, chinese = _each_in_its_language(runs, keep)
    assert "serve this file at https://mta-sts.huamao-trade.com/" in english and "请在 https://mta-sts" in chinese
    runs = _runs(companies, "mta-sts", "CONFIG", "--domain", "nope.example", exit_code=1)
    english, chinese = _each_in_its_language(runs, set())
    assert "is not a domain in" in english and "不是 FOLDER/mailplan.yaml 中的域名" in chinese


def test_server_config_in_the_language(tmp_path: Path) -> None:
    companies = _fresh(tmp_path)
    # on loopback without a certificate (a test machine): written, with its warning
    runs = _runs(companies, "local", "server-config", "CONFIG", "--out", "OUT", "--no-check",
                 "--submission-listen", "127.0.0.1:587", "--imap-address", "127.0.0.1")  # fmt: skip
    assert runs["en"][0] == runs["zh-CN"][0]  # the files written, one a line
    keep = {"root", "Postfix", "Dovecot", "README.txt", "MX", "IMAP", "STARTTLS", "TLS"}
    english, chinese = _each_in_its_language(runs, keep | {"mailplan"})
    assert "warning: no TLS certificate" in english and "警告：没有 TLS 证书" in chinese
    assert "Next: read FOLDER/out/README.txt" in english and "下一步：阅读 FOLDER/out/README.txt" in chinese
    # on every interface without a certificate: refused, with the fix
    runs = _runs(companies, "local", "server-config", "CONFIG", "--out", "OUT2", "--no-check", exit_code=1)
    english, chinese = _each_in_its_language(runs, {"submission", "certbot"})  # the listener as Postfix names it
    assert "refusing to write listeners" in english and "IMAP (* port 143)" in english
    assert "拒绝写出在所有网卡上以明文接收密码的监听" in chinese and "IMAP（*，端口 143）" in chinese


def test_client_config_in_the_language(applied: dict[str, History]) -> None:
    runs = _runs(applied, "local", "client-config", "CONFIG", "--out", "OUT-clients")
    english, chinese = _each_in_its_language(runs, {"README.txt"})
    assert re.search(r"wrote \d+ files under FOLDER/out-clients", english)
    assert re.search(r"已在 FOLDER/out-clients 下写入 \d+ 个文件", chinese)
    runs = _runs(applied, "local", "client-config", "CONFIG", "--out", "OUT-clients", "--provider", "dns",
                 exit_code=1)  # fmt: skip
    english, chinese = _each_in_its_language(runs, {"mail"})  # the local provider's name
    assert "'dns' is not a local provider" in english and "'dns' 不是 FOLDER/mailplan.yaml 中的本地服务商" in chinese



def test_server_config_host_check_in_the_language(tmp_path: Path) -> None:
    """The host check before anything is applied: the database is not there yet, and the fix says what to run."""
    companies = _fresh(tmp_path)
    runs = _runs(companies, "local", "server-config", "CONFIG", "--out", "OUT",
                 "--submission-listen", "127.0.0.1:587", "--imap-address", "127.0.0.1", exit_code=1)  # fmt: skip
    english, chinese = _each_in_its_language(runs, set())
    assert "this host cannot run the generated configuration yet" in english and "does not exist yet" in english
    assert "fix: run `mailplan apply` first" in english
    assert "本机还不能运行生成的配置" in chinese and "解决办法：请先运行 `mailplan apply`" in chinese
    assert not (companies["zh-CN"].folder / "out").exists()


def test_a_doubtful_reading_is_flagged_in_the_language(tmp_path: Path) -> None:
    """乐 is read le or yue in names: names flags it (exit 2 in both languages), with the note the config gives."""
    companies = _fresh(tmp_path)
    for company in companies.values():
        text = company.text().replace("people:\n", "people:\n  - {name: 王乐, department: sales}\n", 1)
        company.config.write_text(text, encoding="utf-8")
    runs = _runs(companies, "names", "CONFIG", exit_code=2)
    english, chinese = runs["en"][0] + runs["en"][1], runs["zh-CN"][0] + runs["zh-CN"][1]
    line_en = next(line for line in english.splitlines() if "doubtful: 乐" in line)
    line_zh = next(line for line in chinese.splitlines() if "读法存疑：乐" in line)
    note_en = next(line for line in english.splitlines() if line.startswith("note: ") and "王乐" in line)
    note_zh = next(line for line in chinese.splitlines() if line.startswith("提示：") and "王乐" in line)
    keep = {"王乐", "乐", "le", "yue", "wangle", "wangyue"} | DATA
    for zh in (line_zh, note_zh):
        assert english_left(zh, keep) == [], zh
    for en in (line_en, note_en):
        assert chinese_left(en, keep) == [], en
    assert "also read yue in names, which gives wangyue" in line_en
    assert "在人名中也读作 yue，那样会得到 wangyue" in line_zh
    assert "ask how the name is read" in note_en and "请问清这个名字怎么读" in note_zh
    assert "1 doubtful reading," in english and "1 个读法存疑" in chinese


def test_what_import_leaves_out_is_said_in_the_language(tmp_path: Path) -> None:
    """A hand-made tenant (tests/importer): the delegation the language cannot say and the missing password
    policy, named in the reader's language; the config written and the exit code the same in both."""
    from importer.test_import_local import HAND_CONFIG, _hand_made_tenant

    companies = {}
    for lang in LANGS:
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "mailplan.yaml").write_text(HAND_CONFIG, encoding="utf-8")
        _hand_made_tenant(tmp_path / lang)
        with sqlite3.connect(tmp_path / lang / "mail.sqlite") as db:
            db.execute("INSERT INTO mailplan_delegation (mailbox, grantee, may_read) VALUES "
                       "('lisi@acme.example', 'san.zhang@acme.example', 1)")  # fmt: skip
        companies[lang] = History(tmp_path / lang)
    runs = _runs(companies, "import", "--config", "CONFIG", "--out", "OUT", exit_code=2)
    english, chinese = runs["en"][1], runs["zh-CN"][1]
    assert "not imported: delegation: san.zhang@acme.example may read lisi@acme.example" in english
    assert "警告：未导入：委托：san.zhang@acme.example 对 lisi@acme.example 有权限（可读取）" in chinese
    assert "no password policy" in english and "没有密码策略" in chinese
    # the plan's own words ("a plan would still create policy …") are the plan renderer's: not checked here
    lines = [line for line in chinese.splitlines() if not line.startswith("警告：计划中仍会有这项变更")]
    assert english_left("\n".join(lines), {"mail", "local"} | DATA) == [], chinese
    written = {lang: (c.folder / "out").read_text(encoding="utf-8").replace(str(c.folder), "FOLDER")
               for lang, c in companies.items()}  # fmt: skip
    assert written["en"] == written["zh-CN"]


@pytest.mark.parametrize(
    ("args", "english_part", "chinese_part"),
    [
        (("import", "--config", "nowhere.yaml"), "no such config file — pass --config FILE", "没有这个配置文件"),
        (("import", "--type", "local"), "--type needs at least one --domain", "--type 至少需要一个 --domain"),
        (("import", "--config", "CONFIG", "--provider", "dns"), "is not a mail provider", "不是邮件服务商"),
    ],
    ids=["no-config", "type-without-domain", "not-mail"],
)
def test_import_errors_and_their_fixes_are_in_the_language(
    tmp_path: Path, args: tuple[str, ...], english_part: str, chinese_part: str
) -> None:
    runs = _runs(_fresh(tmp_path), *args, exit_code=1)
    english, chinese = _each_in_its_language(runs, {"nowhere.yaml", "import", "FILE"})
    assert english_part in english and chinese_part in chinese
