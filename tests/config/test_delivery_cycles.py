"""Any delivery cycle, through aliases, groups, forwardings and successors together, is an error naming the
cycle (issue 16: alias loops were planned)."""

from __future__ import annotations

from .conftest import BASE, BASE_LINES, Cli

L = BASE_LINES
D = "@huamao-trade.com"


def test_two_aliases_pointing_at_each_other(cli: Cli) -> None:
    code, err = cli.validate(BASE + "aliases:\n  - {address: a, to: [b]}\n  - {address: b, to: [a]}\n")
    assert code == 1
    assert err == [
        f"mailplan.yaml:{L + 2}:23: mail goes round in a circle: a{D} -> (alias to) b{D} -> (alias to) a{D} — remove "
        "one of these targets or members: a message would loop until a server drops it",
        "1 problem found; nothing was changed.",
    ]


def test_an_alias_to_itself(cli: Cli) -> None:
    code, err = cli.validate(BASE + "aliases:\n  - {address: loop, to: [loop@huamao.cn]}\n")
    assert code == 1
    assert err[0].startswith(f"mailplan.yaml:{L + 2}:26: mail goes round in a circle: loop{D} -> (alias to) loop{D}")


def test_an_alias_and_a_group_through_a_persons_alias_address(cli: Cli) -> None:
    text = BASE + (
        "people:\n  - {name: 张三}\n"
        "groups:\n  - {address: team, name: T, members: [zhangsan, everyone]}\n"
        "aliases:\n  - {address: everyone, to: [team]}\n"
    )
    code, err = cli.validate(text)
    assert code == 1
    assert err[0] == (
        f"mailplan.yaml:{L + 4}:50: mail goes round in a circle: team{D} -> (member) everyone{D} -> (alias to) "
        f"team{D} — remove one of these targets or members: a message would loop until a server drops it"
    )


def test_groups_nested_in_a_circle_of_three(cli: Cli) -> None:
    text = BASE + (
        "groups:\n"
        "  - {address: a, name: A, members: ['group:b']}\n"
        "  - {address: b, name: B, members: ['group:c']}\n"
        "  - {address: c, name: C, members: ['group:a']}\n"
    )
    code, err = cli.validate(text)
    assert code == 1
    assert err == [
        f"mailplan.yaml:{L + 2}:37: groups contain each other in a circle: a{D} -> b{D} -> c{D} -> a{D} — remove one "
        "of the nested group: members",
        "1 problem found; nothing was changed.",
    ]


def test_successors_in_a_circle(cli: Cli) -> None:
    text = BASE + (
        "people:\n"
        "  - {name: 张三, left_on: 2026-01-01, successor: lisi}\n"
        "  - {name: 李四, left_on: 2026-02-01, successor: wangwu}\n"
        "  - {name: 王五, left_on: 2026-03-01, successor: zhangsan}\n"
    )
    code, err = cli.validate(text)
    assert code == 1
    assert err == [
        f"mailplan.yaml:{L + 2}:48: successors go round in a circle: zhangsan{D} -> lisi{D} -> wangwu{D} -> "
        f"zhangsan{D} — name a successor who has not left",
        "1 problem found; nothing was changed.",
    ]


def test_a_chain_without_a_cycle_is_fine(cli: Cli) -> None:
    text = BASE + (
        "people:\n  - {name: 张三}\n  - {name: 李四, left_on: 2026-01-01, successor: zhangsan}\n"
        "groups:\n  - {address: team, name: T, members: [lisi, 'group:inner']}\n"
        "  - {address: inner, name: I, members: [zhangsan]}\n"
        "aliases:\n  - {address: a, to: [b, team]}\n  - {address: b, to: [team, partner@example.com]}\n"
    )
    assert cli.validate(text) == (0, [])
