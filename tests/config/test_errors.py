"""Bad configs: each problem is reported with what is wrong, how to fix it, and the exact file:line:col."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from mailplan.config import compile_config, load
from mailplan.errors import ConfigError

from .conftest import BASE, BASE_LINES

L = BASE_LINES  # the first line of the appended text is L + 1

# (id, text appended to BASE, line, col, fragments the message must contain)
CASES: list[tuple[str, str, int, int, tuple[str, ...]]] = [
    ("unknown top-level key", "peeple: []\n", L + 1, 1, ("unknown key 'peeple'", "did you mean 'people'?")),
    (
        "unknown key in a person",
        "people:\n  - {name: 张三, departement: sales}\n",
        L + 2,
        16,
        ("unknown key 'departement' in people[0]", "did you mean 'department'?"),
    ),
    (
        "wrong type",
        "people:\n  - name: 张三\n    quota_mb: lots\n",
        L + 3,
        15,
        ("people[0].quota_mb must be a whole number, not 'lots'",),
    ),
    (
        "bad date",
        "people:\n  - name: 张三\n    left_on: 2026-13-45\n",
        L + 3,
        14,
        ("people[0].left_on must be a date", "write dates as YYYY-MM-DD"),
    ),
    (
        "unknown department",
        "people:\n  - {name: 张三, department: slaes}\n",
        L + 2,
        28,
        ("unknown department 'slaes'", "did you mean 'sales'?"),
    ),
    (
        "unknown tier",
        "people:\n  - {name: 张三, tier: boss}\n",
        L + 2,
        22,
        ("unknown tier 'boss'", "expected one of: staff"),
    ),
    (
        "unknown successor",
        "people:\n  - {name: 张三}\n  - {name: 李娜, left_on: 2026-09-30, successor: zhangsna}\n",
        L + 3,
        48,
        ("unknown person 'zhangsna'", "did you mean 'zhangsan'?"),
    ),
    (
        "successor without left_on",
        "people:\n  - {name: 张三}\n  - {name: 李娜, successor: zhangsan}\n",
        L + 3,
        27,
        ("successor is set, but left_on is not", "add `left_on: YYYY-MM-DD`"),
    ),
    (
        "unknown mailbox owner",
        "people:\n  - {name: 张三}\nmailboxes:\n  - {address: info, name: 咨询, owners: [zhangsan, lisi]}\n",
        L + 4,
        50,
        ("unknown owner 'lisi'", "nothing in this file is called 'lisi'"),
    ),
    (
        "unknown group member",
        "groups:\n  - address: team\n    name: 团队\n    members: [department:sales, nobody@huamao-trade.com]\n",
        L + 4,
        33,
        ("unknown member 'nobody@huamao-trade.com'", "nothing in this file has the address"),
    ),
    (
        "owner is not a person",
        "mailboxes:\n  - {address: info, name: 咨询}\n  - {address: sales, name: 销售, owners: [info]}\n",
        L + 3,
        41,
        ("owner 'info' is mailbox info, but must be a person",),
    ),
    (
        "address used twice: person and alias",
        "people:\n  - {name: 张三}\naliases:\n  - {address: zhangsan, to: [postmaster@partner.example]}\n",
        L + 4,
        15,
        ("address zhangsan@huamao-trade.com is used twice", "alias zhangsan", "person 张三 ({file}:" + f"{L + 2}:5)"),
    ),
    (
        "address used twice: group and mailbox",
        "mailboxes:\n  - {address: sales, name: 销售}\ngroups:\n  - {address: sales, name: 销售组}\n",
        L + 4,
        15,
        ("address sales@huamao-trade.com is used twice: by group sales and by mailbox sales",),
    ),
    (
        "address used twice across the alias domain",
        "people:\n  - {name: 张三, aliases: [zs]}\naliases:\n  - {address: zs@huamao.cn, to: [zhangsan]}\n",
        L + 4,
        15,
        ("zs@huamao.cn is the same address: huamao.cn is an alias domain of huamao-trade.com", "alias of person 张三"),
    ),
    (
        "two people derive the same address",
        "people:\n  - {name: 张伟}\n  - {name: 张伟, department: sales}\n",
        L + 3,
        5,
        (
            "address zhangwei@huamao-trade.com is used twice: by person 张伟 and by person 张伟 ({file}:"
            + f"{L + 2}:5)",
            "write `address: zhangwei2` for one of them",
        ),
    ),
    (
        "invalid explicit address",
        "people:\n  - {name: 张三, address: 'zhang san'}\n",
        L + 2,
        25,
        ("'zhang san' is not a valid address",),
    ),
    (
        "unknown group in members",
        "groups:\n  - {address: team, name: 团队, members: ['group:managers']}\n",
        L + 2,
        41,
        ("unknown group 'managers'",),
    ),
    (
        "groups nested in a circle",
        "groups:\n  - {address: a, name: A, members: ['group:b']}\n  - {address: b, name: B, members: ['group:a']}\n",
        L + 2,
        37,
        ("groups contain each other in a circle: a@huamao-trade.com -> b@huamao-trade.com -> a@huamao-trade.com",),
    ),
    (
        "post rule not allowed",
        "groups:\n  - {address: team, name: 团队, post: everyone}\n",
        L + 2,
        37,
        ("groups[0].post: 'everyone' is not allowed", "use one of: 'anyone', 'organization', 'members', 'senders'"),
    ),
    (
        "retention not a period",
        "policies:\n  archive: {retention: 5 years}\n",
        L + 2,
        24,
        ("'5 years' is not a retention period", "5y, 18m, 90d"),
    ),
    (
        "unknown placeholder in auto-reply",
        "policies:\n  offboarding:\n    auto_reply: {subject: '{nmae} left', body: x}\n",
        L + 3,
        27,
        ("unknown placeholder {nmae}", "{name}"),
    ),
    (
        "unknown naming placeholder",
        "naming: {pattern: '{surname}{given}'}\n",
        L + 1,
        19,
        ("unknown placeholder {surname}",),
    ),
    (
        "duplicate key in a mapping",
        "people:\n  - name: 张三\n    name: 李四\n",
        L + 3,
        5,
        ("duplicate key 'name' (first written at line",),
    ),
    (
        "archive journal to an unknown mailbox",
        "policies:\n  archive: {journal_to: archiv}\n",
        L + 2,
        25,
        ("unknown archive mailbox 'archiv'",),
    ),
]


@pytest.mark.parametrize(("extra", "line", "col", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_config_reports_what_and_where(
    write: Callable[..., Path], extra: str, line: int, col: int, fragments: tuple[str, ...]
) -> None:
    path = write(BASE + extra)
    with pytest.raises(ConfigError) as info:
        load(path)
    text = str(info.value)
    for fragment in fragments:
        assert fragment.replace("{file}", str(path)) in text
    if line:
        assert f"{path}:{line}:{col}: " in text, text


HEAD = """\
version: 1
organization: {name: 测试公司, primary_domain: example.com}
"""

# (id, whole file (after HEAD, lines from 3), line, col, fragments)
WHOLE: list[tuple[str, str, int, int, tuple[str, ...]]] = [
    (
        "department parents in a circle",
        """\
        providers: {mail: {type: local, database: m.sqlite}}
        domains: {example.com: {mail: mail}}
        departments:
          a: {name: A, parent: b}
          b: {name: B, parent: a}
        """,
        6,
        24,
        ("departments are their own parents: a -> b -> a", "one of them must have no parent"),
    ),
    (
        "literal secret in provider settings",
        """\
        providers:
          mail: {type: tencent-exmail, corp_id: wm123, corp_secret: s3cr3t-value}
        domains: {example.com: {mail: mail}}
        """,
        4,
        61,
        ("'corp_secret' holds a secret written in the file", "`corp_secret: env:MAIL_CORP_SECRET`"),
    ),
    (
        "unknown provider type",
        """\
        providers:
          mail: {type: exmial}
        domains: {example.com: {mail: mail}}
        """,
        4,
        16,
        ("unknown provider type 'exmial'", "known types: alibaba-mail, alidns, cloudflare", "local"),
    ),
    (
        "provider setting misspelt (checked by the provider's settings model)",
        """\
        providers:
          mail: {type: local, databse: m.sqlite}
        domains: {example.com: {mail: mail}}
        """,
        4,
        23,
        ("unknown key 'databse' in providers.mail", "did you mean 'database'?"),
    ),
    (
        "domain names an unknown provider",
        """\
        providers: {mail: {type: local, database: m.sqlite}}
        domains: {example.com: {mail: mial}}
        """,
        4,
        31,
        ("no provider named 'mial' (for mail)", "did you mean 'mail'?"),
    ),
    (
        "mail: names a DNS provider",
        """\
        providers:
          mail: {type: local, database: m.sqlite}
          dns: {type: zonefile, directory: zones}
        domains: {example.com: {mail: dns}}
        """,
        6,
        31,
        ("mail: 'dns' is a dns provider (type zonefile), not a mail provider",),
    ),
    (
        "bad domain name",
        """\
        providers: {mail: {type: local, database: m.sqlite}}
        domains:
          example.com: {mail: mail}
          exa_mple.com: {mail: mail}
        """,
        6,
        3,
        ("'exa_mple.com' is not a valid domain name",),
    ),
    (
        "alias_of an unknown domain",
        """\
        providers: {mail: {type: local, database: m.sqlite}}
        domains:
          example.com: {mail: mail}
          example.cn: {alias_of: exampel.com}
        """,
        6,
        26,
        ("alias_of names 'exampel.com', which is not listed under domains:", "did you mean 'example.com'?"),
    ),
    (
        "primary domain not listed",
        """\
        providers: {mail: {type: local, database: m.sqlite}}
        domains: {example.org: {mail: mail}}
        """,
        2,
        44,
        ("primary domain 'example.com' is not listed under domains:", "did you mean 'example.org'?"),
    ),
    (
        "missing required key",
        """\
        providers: {mail: {type: local, database: m.sqlite}}
        """,
        1,
        1,
        ("the file is missing the required key 'domains'", "add `domains: ...`"),
    ),
    (
        "YAML syntax error",
        """\
        providers: {mail: {type: local, database: m.sqlite}}
        domains:
          example.com: {mail: mail
        people: []
        """,
        6,
        7,
        ("YAML syntax error: expected ',' or '}', but got ':'", "(while parsing a flow mapping at line 5)"),
    ),
    (
        "DKIM selector that is not a DNS label",
        """\
        providers: {mail: {type: local, database: m.sqlite, mx_host: mx.example.com}}
        domains:
          example.com: {mail: mail, dkim: {selector: 'bad selector!'}}
        """,
        5,
        46,
        ("domains.example.com.dkim.selector: 'bad selector!' is not a DKIM selector", "e.g. mail, s2026"),
    ),
    (
        "tab indentation",
        "providers:\n\tmail: {type: local}\n",
        4,
        1,
        ("YAML syntax error", "indent with spaces, not tabs"),
    ),
    (
        "include file missing",
        """\
        include: [people.yaml, staff/missing.yaml]
        providers: {mail: {type: local, database: m.sqlite}}
        domains: {example.com: {mail: mail}}
        """,
        3,
        24,
        ("staff/missing.yaml: No such file or directory", "relative to the file that includes them"),
    ),
]


@pytest.mark.parametrize(("body", "line", "col", "fragments"), [c[1:] for c in WHOLE], ids=[c[0] for c in WHOLE])
def test_bad_whole_config(
    write: Callable[..., Path], body: str, line: int, col: int, fragments: tuple[str, ...]
) -> None:
    write("people: [{name: 张三}]\n", "people.yaml")
    path = write(HEAD + textwrap.dedent(body))
    with pytest.raises(ConfigError) as info:
        load(path)
    text = str(info.value)
    for fragment in fragments:
        assert fragment in text
    assert f"{path}:{line}:{col}: " in text, text


def test_every_problem_is_reported_at_once(write: Callable[..., Path]) -> None:
    path = write(
        BASE
        + "people:\n  - {name: 张三, department: nope}\n  - {name: 李四, tier: nope}\n"
        + "groups:\n  - {address: g, name: G, members: [ghost]}\n"
    )
    with pytest.raises(ConfigError) as info:
        load(path)
    lines = [p.location.line for p in info.value.problems if p.location]
    assert lines == [BASE_LINES + 2, BASE_LINES + 3, BASE_LINES + 5]


def test_errors_in_an_included_file_point_into_it(write: Callable[..., Path]) -> None:
    write("people:\n  - {name: 张三}\n  - {name: 李四, departmnet: sales}\n", "staff/people.yaml")
    path = write(BASE + "include: [staff/people.yaml]\n")
    with pytest.raises(ConfigError) as info:
        load(path)
    (problem,) = info.value.problems
    assert problem.location is not None
    assert problem.location.file == str(path.parent / "staff" / "people.yaml")
    assert (problem.location.line, problem.location.col) == (3, 16)
    assert "did you mean 'department'?" in str(problem)


def test_entry_defined_in_two_files(write: Callable[..., Path]) -> None:
    write("departments:\n  sales: {name: Sales again}\n", "more.yaml")
    path = write(BASE + "include: more.yaml\n")
    with pytest.raises(ConfigError, match=r"more.yaml:2:3: departments.sales is defined again \(first at .*:9:3\)"):
        load(path)


def test_missing_environment_variable_is_reported_at_compile(
    write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MAILPLAN_TEST_SECRET", raising=False)
    path = write(
        HEAD
        + "providers:\n"
        + "  mail: {type: tencent-exmail, corp_id: wm1, corp_secret: env:MAILPLAN_TEST_SECRET}\n"
        + "domains: {example.com: {mail: mail}}\n"
    )
    config = load(path)  # a reference is fine when validating
    with pytest.raises(ConfigError) as info:
        compile_config(config, dt.date(2026, 11, 1))
    assert f"{path}:4:59: environment variable 'MAILPLAN_TEST_SECRET' (for 'corp_secret') is not set" in str(info.value)
    monkeypatch.setenv("MAILPLAN_TEST_SECRET", "from-the-environment")
    desired = compile_config(config, dt.date(2026, 11, 1))
    assert desired.providers["mail"].settings["corp_secret"] == "from-the-environment"


def test_empty_file_lists_the_required_keys_at_its_start(write: Callable[..., Path]) -> None:
    path = write("")
    with pytest.raises(ConfigError) as info:
        load(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:1:1: the file is missing the required key '{key}' — add `{key}: ...`"
        for key in ("domains", "organization", "providers", "version")
    ]
