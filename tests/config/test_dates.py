"""Dates (issue 16): a contradiction is an error at validate; a date that makes a mailbox exist only frozen, or
never, is a warning in the plan; a successor chain through people who also left is followed to the first one
still there, and where it ends with nobody that is said."""

from __future__ import annotations

import json

from .conftest import BASE, BASE_LINES, Cli

L = BASE_LINES
TODAY = {"MAILPLAN_TODAY": "2026-11-01"}


def test_left_on_before_starts_on_is_an_error(cli: Cli) -> None:
    code, err = cli.validate(BASE + "people:\n  - {name: 张三, starts_on: 2026-12-01, left_on: 2026-10-31}\n")
    assert (code, err) == (1, [
        f"mailplan.yaml:{L + 2}:48: left_on 2026-10-31 is not after starts_on 2026-12-01: 张三 would never work a "
        "day, and the mailbox would exist only frozen — correct one of the two dates (left_on is the first day "
        "they are gone)",
        "1 problem found; nothing was changed.",
    ])  # fmt: skip


def test_a_successor_who_starts_after_the_leaver_leaves_is_an_error(cli: Cli) -> None:
    text = BASE + (
        "people:\n  - {name: 张三, starts_on: 2026-12-01}\n"
        "  - {name: 李四, left_on: 2026-11-15, successor: zhangsan}\n"
    )
    code, err = cli.validate(text)
    assert (code, err[0]) == (1, f"mailplan.yaml:{L + 3}:48: successor 张三 starts on 2026-12-01, after 李四 leaves "
                                 "on 2026-11-15: mail to them would have nobody to go to in between — name someone "
                                 "who is there on 2026-11-15, or correct the dates")  # fmt: skip


def test_senders_with_post_members_is_an_error(cli: Cli) -> None:
    text = BASE + "people:\n  - {name: 张三}\ngroups:\n  - {address: g, name: G, members: [zhangsan], post: members,"
    text += " senders: [boss@partner.example]}\n"
    code, err = cli.validate(text)
    assert (code, err[0]) == (1, f"mailplan.yaml:{L + 4}:72: a `senders:` list is only read with post: senders, and "
                                 "this group has post: members (the list would be ignored) — write `post: senders` "
                                 "to let the listed senders post, or remove the senders: list")  # fmt: skip


def _plan(cli: Cli, text: str) -> tuple[int, str, str]:
    (cli.folder / "mailplan.yaml").write_text(text, encoding="utf-8")
    return cli("plan", str(cli.folder / "mailplan.yaml"), env=TODAY)


def test_a_new_mailbox_already_expired_is_created_frozen_and_the_plan_says_so(cli: Cli) -> None:
    text = BASE + "mailboxes:\n  - {address: order-2026-001, name: 订单, expires_on: 2026-06-30}\n"
    code, out, _ = _plan(cli, text)
    assert code == 0
    assert "Warnings (1): look at these before applying:\n" in out
    assert (f"  ! {cli.folder}/mailplan.yaml:{L + 2}:5: mailbox order-2026-001@huamao-trade.com is new and is created "
            "frozen: its expires_on date has passed, so it will hold mail but nobody can log in to it — if that is "
            "not what you meant, correct expires_on") in out  # fmt: skip


def test_a_new_leaver_past_retention_is_never_created_and_the_plan_says_so(cli: Cli) -> None:
    text = BASE + (
        "people:\n  - {name: 张三}\n  - {name: 李四, left_on: 2019-06-30, successor: zhangsan}\n"
        "policies:\n  archive: {retention: 5y}\n"
    )
    code, out, _ = _plan(cli, text)
    assert code == 0
    assert "+ mailbox lisi@" not in out
    assert (f"  ! {cli.folder}/mailplan.yaml:{L + 3}:5: mailbox lisi@huamao-trade.com is not created: by its left_on "
            "date its retention has ended (on 2024-06-30), so there is nothing to keep — if it should exist, correct "
            "left_on; if it is only kept for the record, remove it") in out  # fmt: skip
    code, out, _ = cli("plan", str(cli.folder / "mailplan.yaml"), "--format", "json", env=TODAY)
    assert [w["location"] for w in json.loads(out)["warnings"]] == [f"{cli.folder}/mailplan.yaml:{L + 3}:5"]


def test_a_successor_chain_through_people_who_also_left_ends_at_the_first_one_still_there(cli: Cli) -> None:
    text = BASE + (
        "people:\n  - {name: 张三}\n"
        "  - {name: 李四, left_on: 2026-10-01, successor: wangwu}\n"
        "  - {name: 王五, left_on: 2026-10-15, successor: zhangsan}\n"
    )
    code, out, _ = _plan(cli, text)
    assert code == 0
    # both leavers' mail goes to 张三, the first successor who has not left
    assert out.count("targets: [zhangsan@huamao-trade.com]") == 2


def test_a_successor_chain_that_ends_with_nobody_is_said(cli: Cli) -> None:
    text = BASE + (
        "people:\n  - {name: 李四, left_on: 2026-10-01, successor: wangwu}\n"
        "  - {name: 王五, left_on: 2026-10-15}\n"
    )
    code, out, err = _plan(cli, text)
    assert code == 0
    assert "forwarding" not in out  # not to 王五's frozen mailbox, where nobody would read it
    assert ("note: 李四 (lisi@huamao-trade.com) left, and their successors have left too: the chain ends with 王五 "
            "(wangwu@huamao-trade.com), who names no successor, so nobody is handed their new mail (add `successor:` "
            "to 王五)") in err  # fmt: skip
