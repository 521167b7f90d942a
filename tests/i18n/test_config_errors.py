"""`mailplan validate` on broken configs in both languages: the same `file:line:col:` for every problem, exit 1,
no traceback, and each rendering free of the other language (what is kept is data: file names, the keys and
values the user typed)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailplan import i18n
from mailplan.cli.main import build
from mailplan.config.limits import MAX_FILE_BYTES
from mailplan.config.models import AUTO_REPLY_PLACEHOLDERS
from mailplan.providers.registry import known_types
from people.conftest import EXAMPLE

from .leftover import chinese_left, english_left

HEAD = """\
version: 1
organization: {name: 华贸进出口有限公司, primary_domain: huamao-trade.com}
"""
PROVIDERS = """\
providers:
  mail: {type: local, database: mail.sqlite, mx_host: mx.huamao-trade.com}
"""
REST = """\
domains:
  huamao-trade.com: {mail: mail}
departments:
  sales: {name: 销售部}
tiers:
  staff: {}
"""
BASE = HEAD + PROVIDERS + REST
LOCATION = re.compile(r"^(\S+:\d+:\d+): ", re.MULTILINE)


@dataclass
class Case:
    id: str
    text: str | bytes  # the config (mailplan.yaml)
    keep: set[str] = field(default_factory=set)  # data the messages quote: keys and values as typed
    english: str = ""  # a part of the English message
    chinese: str = ""  # a part of the Chinese one
    files: dict[str, str | bytes] = field(default_factory=dict)  # other files next to it
    env: dict[str, str] = field(default_factory=dict)


BILLION_LAUGHS = HEAD + "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(6)
)

CASES = [
    Case("tab indentation", BASE + "people:\n\t- name: 张三\n", english="indent with spaces, not tabs",
         chinese="请用空格缩进，不要用制表符"),
    Case("a value with ': ' unquoted", BASE + "people:\n  - name: 张三: 销售\n",
         english="mapping values are not allowed here", chinese="这里不允许出现“键: 值”"),
    Case("an unclosed brace", BASE + "people:\n  - {name: 张三\n  - {name: 李四}\n", english="YAML syntax error",
         chinese="YAML 语法错误"),
    Case("duplicate key", BASE + "people:\n  - name: 张三\n    name: 李四\n", {"name"},
         english="duplicate key 'name' (first written at line", chinese="重复的键 'name'（第一次写在第"),
    Case("unknown key with a near miss", BASE + "peeple: []\n", {"peeple", "people"},
         english="did you mean 'people'?", chinese="未知的键 'peeple'"),
    Case("unknown key in a person", BASE + "people:\n  - {name: 张三, departement: sales}\n",
         {"people", "departement", "department"}, english="unknown key 'departement' in people[0]",
         chinese="people[0] 中有未知的键 'departement'"),
    Case("missing required key", BASE + "people:\n  - {department: sales}\n", {"people", "name"},
         english="people[0] is missing the required key 'name'", chinese="people[0] 缺少必填的键 'name'"),
    Case("wrong type", BASE + "people:\n  - {name: 张三, quota_mb: lots}\n", {"people", "quota_mb", "lots"},
         english="people[0].quota_mb must be a whole number, not 'lots'", chinese="必须是整数，而不是 'lots'"),
    Case("a mapping where a list belongs", BASE + "people: {name: 张三}\n", {"people"},
         english="people must be a list", chinese="people 必须是列表"),
    Case("bad date", BASE + "people:\n  - {name: 张三, left_on: 2026-13-45}\n", {"people", "left_on"},
         english="write dates as YYYY-MM-DD", chinese="日期请写成 YYYY-MM-DD"),
    Case("bad enum value", BASE + "policies:\n  external_delivery: sometimes\n",
         {"policies", "external_delivery", "sometimes", "allow", "warn", "refuse"},
         english="'sometimes' is not allowed — use one of: 'allow', 'warn', 'refuse'",
         chinese="请使用以下之一：'allow', 'warn', 'refuse'"),
    Case("a number out of range", BASE.replace("{mail: mail}", "{mail: mail, dmarc: {pct: 150}}"),
         {"domains", "dmarc", "pct"}, english="less than or equal to 100", chinese="值必须小于或等于 100"),
    Case("an empty list where one entry is needed", BASE + "aliases:\n  - {address: sales2, to: []}\n",
         {"aliases", "to"}, english="aliases[0].to needs at least 1 entry", chinese="aliases[0].to 至少需要 1 个条目"),
    Case("bad retention period", BASE + "policies:\n  archive: {retention: 5 years}\n",
         {"policies", "archive", "retention", "5 years", "y", "m", "d"},
         english="'5 years' is not a retention period", chinese="'5 years' 不是保留期"),
    Case("a line break in a name", BASE + 'people:\n  - name: "张三\\r\\nBcc: x@example.com"\n', {"people", "name"},
         english="U+000D (carriage return)", chinese="U+000D（回车符）"),
    Case("unknown placeholder in an auto-reply", BASE + "people:\n  - name: 张三\n    left_on: 2026-01-01\n"
         "    successor: nobody\n    auto_reply: {subject: 'Re {subjct}', body: 'left'}\n",
         {"people", "auto_reply", "subject", "subjct", "Re", "left", *AUTO_REPLY_PLACEHOLDERS},
         english="unknown placeholder {subjct}", chinese="未知的占位符 {subjct}"),
    Case("a DKIM selector that is no DNS label", BASE.replace("{mail: mail}", "{mail: mail, dkim: {selector: 'a b'}}"),
         {"domains", "dkim", "selector", "mail", "s2026", "a b"},
         english="'a b' is not a DKIM selector", chinese="'a b' 不是 DKIM 选择器"),
    Case("unknown provider type with a near miss", BASE.replace("type: local", "type: locl"),
         {"providers", "locl", *known_types()}, english="unknown provider type 'locl' — did you mean 'local'?",
         chinese="未知的服务商类型 'locl'"),
    Case("a DNS provider named as mail", HEAD + PROVIDERS + "  cf: {type: cloudflare, api_token: env:CF_TOKEN}\n"
         + REST.replace("{mail: mail}", "{mail: cf}"), {"cf", "cloudflare", "mail", "dns", "CF_TOKEN"},
         env={"CF_TOKEN": "t"}, english="'cf' is a dns provider (type cloudflare), not a mail provider",
         chinese="是 DNS 服务商（类型 cloudflare），不是邮件服务商"),
    Case("an endpoint that is not the provider's",
         HEAD + PROVIDERS + "  cf: {type: cloudflare, api_token: env:CF_TOKEN, base_url: 'https://evil.example'}\n"
         + REST, {"base_url", "'https://evil.example'", "cf", "CF_TOKEN", "api.cloudflare.com"}, env={"CF_TOKEN": "t"},
         english="is not one of the documented hosts (api.cloudflare.com) over https",
         chinese="不是文档中给出的主机（api.cloudflare.com）之一"),
    Case("a secret written in the file", HEAD + PROVIDERS + "  cf: {type: cloudflare, api_token: abc123}\n" + REST,
         {"api_token", "abc123", "cf", "API_TOKEN"}, english="'api_token' holds a secret written in the file",
         chinese="'api_token' 是直接写在文件里的机密"),
    Case("a secret reference that cannot be resolved",
         HEAD + PROVIDERS + "  cf: {type: cloudflare, api_token: env:MAILPLAN_TEST_UNSET_TOKEN}\n" + REST,
         {"api_token", "MAILPLAN_TEST_UNSET_TOKEN", "cf"},
         english="environment variable 'MAILPLAN_TEST_UNSET_TOKEN' (for 'api_token') is not set",
         chinese="没有设置环境变量 'MAILPLAN_TEST_UNSET_TOKEN'"),
    Case("a secret file that is missing", HEAD + PROVIDERS + "  cf: {type: cloudflare, api_token: file:token.txt}\n"
         + REST, {"api_token", "token.txt", "cf"}, english="No such file or directory", chinese="没有这个文件或目录"),
    Case("a reference in a setting that is no secret", BASE.replace("mx_host: mx.huamao-trade.com", "mx_host: env:MX"),
         {"mx_host", "env:"}, english="'mx_host' is not a secret, so it cannot be read from env:",
         chinese="'mx_host' 不是机密"),
    Case("a too-big file", BASE + "# " + "x" * (MAX_FILE_BYTES + 1) + "\n", english="a config file may hold",
         chinese="超过了配置文件允许的"),
    Case("an include that is missing", BASE + "include: [team.yaml]\n", {"team.yaml"},
         english="cannot read team.yaml: No such file or directory", chinese="无法读取 team.yaml：没有这个文件或目录"),
    Case("an include pattern that matches nothing", BASE + "include: ['team/*.yaml']\n", {"'team/*.yaml'"},
         english="matches no file", chinese="没有匹配到任何文件"),
    Case("an include that is no YAML file", BASE + "include: [notes.txt]\n", {"'notes.txt'", "notes.txt"},
         files={"notes.txt": "hello\n"}, english="is not a YAML file", chinese="不是 YAML 文件"),
    Case("an include that is a directory", BASE + "include: [team]\n", {"team", "'team/*.yaml'"},
         files={"team/a.yaml": "people: []\n"}, english="team is a directory", chinese="team 是一个目录"),
    Case("an included file that is not a mapping", BASE + "include: [list.yaml]\n", files={"list.yaml": "- a\n- b\n"},
         english="the file must be a mapping of keys", chinese="文件必须是由键组成的映射"),
    Case("a key defined in two files", BASE + "include: [more.yaml]\n", {"version"},
         files={"more.yaml": "version: 1\n"}, english="'version' is defined again", chinese="'version' 被再次定义"),
    Case("non-UTF-8 bytes", BASE.encode() + b"people:\n  - name: \xff\xfe\n", english="is not UTF-8 text",
         chinese="不是 UTF-8 文本"),
    Case("a binary file", BASE.encode() + b"\0\0", english="is a binary file", chinese="是二进制文件"),
    Case("a control character in the file", BASE + "people:\n  - name: 张\x07三\n",
         english="the control character U+0007 cannot appear", chinese="YAML 文件中不能出现控制字符 U+0007"),
    Case("a billion laughs", BILLION_LAUGHS, english="aliases repeat more than",
         chinese="通过别名重复的值超过"),
    Case("nesting too deep", HEAD + "people: " + "[" * 40 + "]" * 40 + "\n", english="levels deep",
         chinese="值的嵌套超过"),
    Case("an alias to nothing", BASE + "people: *nobody\n", {"'nobody'"}, english="found undefined alias 'nobody'",
         chinese="发现未定义的别名 'nobody'"),
    # a validator's own message (a Msg raised in config/dnsvalues.py, config/naming.py): translated, its value as typed
    Case("a name pattern with an unclosed brace", BASE + "naming: {pattern: '{given'}\n", {"naming", "pattern"},
         english="invalid pattern '{given': expected '}' before end of string", chinese="'{' 没有用 '}' 闭合"),
    Case("an SPF include written as a term",
         BASE.replace("{mail: mail}", "{mail: mail, spf: {include: ['include:crm.example']}}"),
         english="give only the domain, mailplan writes the include: — write `crm.example`",
         chinese="只写域名即可，`include:` 由 mailplan 来写 — 请写成 `crm.example`"),
    Case("an SPF include with two dots in a row",
         BASE.replace("{mail: mail}", "{mail: mail, spf: {include: ['crm..example']}}"), {"include"},  # the key typed
         english="'crm..example' is not a valid domain name: it has an empty label",
         chinese="'crm..example' 不是有效的域名：其中有一段是空的"),
    Case("an ASCII domain with a stray hyphen",
         BASE.replace("{mail: mail}", "{mail: mail, spf: {include: [a-.example]}}"),
         {"include", "'a-'"}, english="label 'a-' may hold only letters, digits and inner hyphens",
         chinese="只能包含字母、数字和中间的连字符"),  # our words, not the idna library's English
    Case("an IPv6 address under spf.ip4", BASE.replace("{mail: mail}", "{mail: mail, spf: {ip4: ['2001:db8::1']}}"),
         {"IPv6"},  # the protocol's name, written so in Chinese too (like DNS, SPF)
         english="'2001:db8::1' is an IPv6 address — put it under spf.ip6",
         chinese="是 IPv6 地址 — 请把它写在 spf.ip6 下"),
    Case("a DMARC report address holding a ';'",
         BASE.replace("{mail: mail}", "{mail: mail, dmarc: {rua: ['a@x.example; b@x.example']}}"),
         english="';' ends the tag in the record", chinese="';' 会在记录中结束这个标签"),
    Case("an MTA-STS mx with a wildcard inside",
         BASE.replace("{mail: mail}", "{mail: mail, mta_sts: {mode: enforce, mx: ['mx.*.example.com']}}"),
         english="a wildcard may only be the whole leftmost label", chinese="通配符只能是最左边的整段"),
]


def _validate(folder: Path, case: Case, lang: str) -> tuple[int, str]:
    folder.mkdir(parents=True)
    config = folder / "mailplan.yaml"
    for name, content in {"mailplan.yaml": case.text, **case.files}.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    env = {"MAILPLAN_LANG": lang, "MAILPLAN_TODAY": "2026-06-01", "MAILPLAN_TEST_UNSET_TOKEN": None, **case.env}
    result = CliRunner().invoke(build(), ["validate", str(config)], env=env)  # type: ignore[arg-type]  # None: unset
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    return result.exit_code, output.replace(str(folder) + "/", "").replace(str(folder), "FOLDER")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_broken_config_is_told_in_either_language_at_the_same_places(tmp_path: Path, case: Case) -> None:
    code_en, english = _validate(tmp_path / "en", case, "en")
    code_zh, chinese = _validate(tmp_path / "zh", case, "zh-CN")
    assert (code_en, code_zh) == (1, 1), english + chinese
    assert LOCATION.findall(english), english
    assert LOCATION.findall(english) == LOCATION.findall(chinese), english + chinese
    assert case.english in english, english
    assert case.chinese in chinese, chinese
    keep = {"FOLDER", "mailplan.yaml", *case.keep}
    assert english_left(chinese, keep) == [], chinese
    assert chinese_left(english, keep | {"华贸进出口有限公司", "销售部", "张三", "李四", "张", "三"}) == [], english


def test_a_valid_config_is_said_valid_in_either_language(tmp_path: Path) -> None:
    """The last line of validate: what the config holds, counted in the reader's words, providers with their plural."""
    lines = {}
    for lang in ("en", "zh-CN"):
        config = tmp_path / lang / "mailplan.yaml"
        config.parent.mkdir()
        shutil.copy(EXAMPLE, config)
        result = CliRunner().invoke(build(), ["validate", str(config)], env={"MAILPLAN_LANG": lang})
        assert result.exit_code == 0, result.stdout + result.stderr
        lines[lang] = result.stdout.strip().splitlines()[-1].replace(str(config), "CONFIG")
    assert lines["en"].startswith("CONFIG: valid (") and "35 mailbox" in lines["en"], lines["en"]
    assert lines["en"].endswith("; 2 providers)"), lines["en"]
    assert lines["zh-CN"].startswith("CONFIG：有效（") and "35 个邮箱" in lines["zh-CN"], lines["zh-CN"]
    assert lines["zh-CN"].endswith("；2 个服务商）"), lines["zh-CN"]
    assert english_left(lines["zh-CN"], {"CONFIG"}) == [], lines["zh-CN"]
    assert chinese_left(lines["en"], {"CONFIG"}) == [], lines["en"]


def test_english_stored_elsewhere_is_not_taken_for_one_of_these_messages() -> None:
    """A plain English sentence (a message not converted yet) is shown as it is in a Chinese run: the short
    messages here (a list of choices, a name and a reason) must not match it as patterns and half-translate it."""
    i18n.select("zh-CN")
    for text in ("use fewer terms or a vendor include", "the closing term must be '-all', not 'x'",
                 "the TLS mode must be one of a, b, not 'c'", "use a domain listed under domains:"):  # fmt: skip
        assert i18n.localized(text) == text
