"""A config that parses but does not compile (an address used twice, a reference to nobody, a cycle, a bad
DNS value …), through `mailplan validate` in both languages: the same places, exit 1, and each message with
its fix all in the reader's language — only what the user typed (names, addresses, keys) stays as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from config.conftest import BASE
from mailplan.cli.main import build

from .leftover import chinese_left, english_left

SALES = "  sales: {name: 销售部}\n"
EXMAIL = ("  dns: {type: zonefile, directory: zones}\n"
          "  ex: {type: tencent-exmail, corp_id: wm1, corp_secret: env:CORP_SECRET}\n")
SHORT_KEY = ("MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALm3WMd2dk3pSk5MKo6P6zy1AvYPgXU1k8DOrY2JOaBPp0vSPqOLDwF"
             "TWuJn2FQixHtFUCzGlSQ8Qc1D6U/uv+UCAwEAAQ==")  # a 512-bit RSA key, as a console might still show one
ZONEFILE = "  dns: {type: zonefile, directory: zones}\n"
M365 = "  m365: {type: microsoft-365, tenant: contoso, tenant_id: t, client_id: c, client_secret: env:CORP_SECRET}\n"
SENDERS = [f"s{n}.example" for n in range(1, 12)]  # eleven includes: more DNS lookups than SPF allows
IDN_EXAMPLE = "例子.中国"  # the example of an IDN domain a hint gives, in every language

# (id, the config, the words the user typed that appear in the messages)
CASES: list[tuple[str, str, set[str]]] = [
    ("address used twice",
     BASE + "mailboxes:\n  - {address: sales, name: 销售}\ngroups:\n  - {address: sales, name: 销售组}\n", {"sales"}),
    ("two people derive one address", BASE + "people:\n  - {name: 张伟}\n  - {name: 张伟, department: sales}\n",
     {"张伟", "zhangwei2"}),
    ("address twice across the alias domain",
     BASE + "people:\n  - {name: 张三, aliases: [zs]}\naliases:\n  - {address: zs@huamao.cn, to: [zhangsan]}\n",
     {"张三"}),
    ("unknown department", BASE + "people:\n  - {name: 张三, department: slaes}\n", set()),
    ("unknown tier", BASE + "people:\n  - {name: 张三, tier: boss}\n", {"staff"}),
    ("unknown successor",
     BASE + "people:\n  - {name: 张三}\n  - {name: 李娜, left_on: 2026-09-30, successor: zhangsna}\n", set()),
    ("successor without left_on", BASE + "people:\n  - {name: 张三}\n  - {name: 李娜, successor: zhangsan}\n", set()),
    ("own successor", BASE + "people:\n  - {name: 张三, left_on: 2026-09-30, successor: zhangsan}\n", set()),
    ("successors in a circle",
     BASE + "people:\n  - {name: 张三, left_on: 2026-09-30, successor: lisi}\n"
     "  - {name: 李四, left_on: 2026-09-30, successor: zhangsan}\n", set()),
    ("left before starting",
     BASE + "people:\n  - {name: 张三, starts_on: 2026-10-01, left_on: 2026-09-30}\n", {"张三"}),
    ("successor starts later",
     BASE + "people:\n  - {name: 张三, left_on: 2026-09-30, successor: lisi}\n"
     "  - {name: 李四, starts_on: 2026-10-05}\n", {"张三", "李四"}),
    ("auto-reply without left_on",
     BASE + "people:\n  - name: 张三\n    auto_reply: {subject: s, body: b}\n", set()),
    ("department admin without a department",
     BASE.replace("  staff: {}", "  boss: {admin: department}") + "people:\n  - {name: 张三, tier: boss}\n",
     {"张三", "boss"}),
    ("unknown group member",
     BASE + "groups:\n  - address: team\n    name: 团队\n    members: [department:sales, nobody@huamao-trade.com]\n",
     set()),
    ("unknown group in members", BASE + "groups:\n  - {address: team, name: 团队, members: ['group:managers']}\n",
     set()),
    ("owner is not a person",
     BASE + "mailboxes:\n  - {address: info, name: 咨询}\n"
     "  - {address: sales, name: 销售, owners: [info]}\n", {"info"}),
    ("groups in a circle",
     BASE + "groups:\n  - {address: a, name: A, members: ['group:b']}\n"
     "  - {address: b, name: B, members: ['group:a']}\n", set()),
    ("mail in a circle", BASE + "aliases:\n  - {address: a, to: [b]}\n  - {address: b, to: [a]}\n", set()),
    ("departments in a circle",
     BASE.replace(SALES, "  a: {name: A, parent: b}\n  b: {name: B, parent: a}\n"), {"a", "b"}),
    ("alias to nobody", BASE + "aliases:\n  - {address: team, to: [nobody]}\n", set()),
    ("post: senders without senders", BASE + "groups:\n  - {address: team, name: 团队, post: senders}\n", set()),
    ("senders without post: senders",
     BASE + "people:\n  - {name: 张三}\ngroups:\n  - {address: team, name: 团队, senders: [zhangsan]}\n",
     {"members"}),
    ("invalid address", BASE + "people:\n  - {name: 张三, address: 'zhang san'}\n", set()),
    ("address on another domain", BASE + "mailboxes:\n  - {address: info@other.example, name: 咨询}\n", set()),
    ("a name with no reading", BASE + "people:\n  - {name: 张ᚠ}\n", set()),
    ("a report address that is a URL", BASE.replace(
        "huamao-trade.com: {mail: mail}", "huamao-trade.com: {mail: mail, dmarc: {ruf: ['https://r.example/d']}}"),
     set()),
    ("a TLS report URL without a host", BASE.replace(
        "huamao-trade.com: {mail: mail}", "huamao-trade.com: {mail: mail, tls_rpt: {rua: ['https:///no-host']}}"),
     set()),
    ("an invalid domain name", BASE.replace("huamao.cn: {alias_of", "huamaocn: {alias_of"), set()),
    ("an alias domain of itself", BASE.replace("{alias_of: huamao-trade.com}", "{alias_of: huamao.cn}"), set()),
    ("an alias domain of an unknown domain", BASE.replace("{alias_of: huamao-trade.com}", "{alias_of: huamao.com}"),
     set()),
    ("a domain with no mail provider", BASE.replace("{mail: mail}", "{}"), set()),
    ("an unknown mail provider", BASE.replace("{mail: mail}", "{mail: mial}"), set()),
    ("primary domain not listed", BASE.replace("primary_domain: huamao-trade.com", "primary_domain: huamao.com"),
     set()),
    ("the primary domain is an alias domain",
     BASE.replace("primary_domain: huamao-trade.com", "primary_domain: huamao.cn"), set()),
    ("alias domain with another provider",
     BASE.replace("providers:\n", "providers:\n  other: {type: local, database: o.sqlite, mx_host: mx.o.example}\n")
     .replace("{alias_of: huamao-trade.com}", "{alias_of: huamao-trade.com, mail: other}"), set()),
    ("a DKIM key for a self-hosted domain", BASE.replace(
        "providers:\n", "providers:\n  dns: {type: zonefile, directory: zones}\n").replace(
        "huamao-trade.com: {mail: mail}", "huamao-trade.com: {mail: mail, dns: dns, dkim: {public_key: 'MIIB'}}"),
     set()),
    ("a DKIM key too short to use", BASE.replace("providers:\n", "providers:\n" + EXMAIL).replace(
        "huamao-trade.com: {mail: mail}",
        "huamao-trade.com: {mail: ex, dns: dns, dkim: {public_key: 'p=" + SHORT_KEY + "'}}"),
     set()),
    # the SPF record mailplan would publish: its terms are what the record holds (mx = 1 counts the provider's mx)
    ("SPF needs too many DNS lookups", BASE.replace("providers:\n", "providers:\n" + ZONEFILE).replace(
        "huamao-trade.com: {mail: mail}",
        "huamao-trade.com: {mail: mail, dns: dns, spf: {include: [" + ", ".join(SENDERS) + "]}}"),
     {"mx", *(f"include:{s}" for s in SENDERS)}),
    # a DNS template that cannot be filled (dns/templates.py): what to set, in the reader's words
    ("a Microsoft 365 MX host that cannot be derived", BASE.replace("providers:\n", "providers:\n" + ZONEFILE + M365)
     .replace("huamao-trade.com: {mail: mail}", "huamao-trade.com: {mail: m365, dns: dns}"), set()),
]  # fmt: skip


def _validate(folder: Path, text: str, lang: str) -> tuple[int, str]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mailplan.yaml"
    path.write_text(text, encoding="utf-8")
    env = {"MAILPLAN_LANG": lang, "MAILPLAN_TODAY": "2026-11-01", "NO_COLOR": "1", "CORP_SECRET": "s"}
    result = CliRunner().invoke(build(), ["validate", str(path)], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    # notes (``note: …``, what is true but no error: an SPF count that is a lower bound) are the notes' own output,
    # English until they are converted; what is checked here is the problems and the summary
    shown = [line for line in result.stderr.splitlines() if not line.startswith("note: ")]
    return result.exit_code, "\n".join(shown).replace(str(folder) + "/", "")


def _problems(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("mailplan.yaml:")]


def _values(text: str) -> set[str]:
    """The values the config holds (not its keys): what the user typed may be quoted back as written."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif node is not None:
            found.update({str(node), *str(node).split(":")})

    walk(yaml.safe_load(text))
    return found


@pytest.mark.parametrize(("text", "typed"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_compile_error_speaks_the_readers_language(tmp_path: Path, text: str, typed: set[str]) -> None:
    english_code, english = _validate(tmp_path / "en", text, "en")
    chinese_code, chinese = _validate(tmp_path / "zh", text, "zh-CN")
    assert (english_code, chinese_code) == (1, 1), english + chinese
    assert "Traceback" not in english + chinese
    assert _problems(english), english
    assert [p.split(": ", 1)[0] for p in _problems(english)] == [p.split(": ", 1)[0] for p in _problems(chinese)]
    keep = typed | (_values(text) - _values(BASE))
    assert english_left(chinese, keep) == [], chinese
    assert chinese_left(english, keep | _values(text) | {IDN_EXAMPLE}) == [], english


def test_a_compile_error_says_the_same_in_chinese(tmp_path: Path) -> None:
    """Spot checks of the Chinese: the glossary's words, the user's data as written."""
    text = BASE + "people:\n  - {name: 张伟}\n  - {name: 张伟, department: sales}\n"
    runs = {lang: _validate(tmp_path / lang, text, lang)[1] for lang in ("en", "zh-CN")}
    assert "address zhangwei@huamao-trade.com is used twice: by person 张伟 and by person 张伟" in runs["en"]
    assert "write `address: zhangwei2` for one of them" in runs["en"]
    assert "地址 zhangwei@huamao-trade.com 被使用了两次" in runs["zh-CN"]
    assert "`address: zhangwei2`" in runs["zh-CN"]


def test_a_warn_level_policy_warning_speaks_the_readers_language(tmp_path: Path) -> None:
    """`policies.external_delivery: warn` (the default): the config is valid, and validate and plan say what to look
    at in the reader's language, at the same place, with the same exit code."""
    text = BASE + "people:\n  - {name: 张三}\naliases:\n  - {address: boss, to: [zhangsan.home@qq.com]}\n"
    typed = {"张三", "zhangsan.home@qq.com", "<why>"}
    where = f"mailplan.yaml:{text.count(chr(10))}:"  # the alias's target, on the last line
    runs: dict[str, dict[str, tuple[int, list[str]]]] = {}
    for lang in ("en", "zh-CN"):
        folder = tmp_path / lang
        folder.mkdir()
        config = folder / "mailplan.yaml"
        config.write_text(text, encoding="utf-8")
        env = {"MAILPLAN_LANG": lang, "MAILPLAN_TODAY": "2026-11-01", "NO_COLOR": "1"}
        runs[lang] = {}
        for command in ("validate", "plan"):
            result = CliRunner().invoke(build(), [command, str(config)], env=env)
            assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
            shown = (result.stdout + result.stderr).replace(str(folder) + "/", "")
            # validate's warning line; plan's block of warnings (its heading and each "  ! " line)
            lines = [line for line in shown.splitlines()
                     if "mailplan.yaml" in line or line.startswith(("Warn", "警告"))]  # fmt: skip
            runs[lang][command] = (result.exit_code, lines)
    for command in ("validate", "plan"):
        (code_en, english), (code_zh, chinese) = runs["en"][command], runs["zh-CN"][command]
        assert code_en == code_zh == 0, (english, chinese)
        warned = [line for line in english if where in line]
        assert len(warned) == 1 and "a personal free-mail address (qq.com)" in warned[0], english
        assert re.findall(r"mailplan\.yaml:\d+:\d+", "\n".join(english)) == \
               re.findall(r"mailplan\.yaml:\d+:\d+", "\n".join(chinese))  # fmt: skip
        assert any("这是个人免费邮箱地址（qq.com）" in line for line in chinese), chinese
        assert english_left("\n".join(chinese), typed) == [], chinese
        assert chinese_left("\n".join(english), typed) == [], english
    assert f"warning: {where}" in "\n".join(runs["en"]["validate"][1])
    assert f"警告：{where}" in "\n".join(runs["zh-CN"]["validate"][1])
