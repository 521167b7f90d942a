"""Offboarding on the example company with the local backend: handover, --now, rehire, retention."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from mailplan import clock
from mailplan.model.periods import retained_until
from mailplan.providers.mail.local.passwords import verify_password
from people.conftest import Company, addr

LEAVER, SUCCESSOR = addr("zhangwei"), addr("wangfang")
DAY = dt.date(2027, 3, 31)


def _credentials(company: Company, address: str) -> list[str]:
    path = company.folder / ".mailplan" / "credentials.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [pw for a, _, pw in (line.partition("\t") for line in lines) if a == address]


def test_offboard_then_apply_hands_over_and_locks_out(company: Company) -> None:
    company.apply(today=DAY - dt.timedelta(days=1))
    [initial] = _credentials(company, LEAVER)
    shown = company.ok("offboard", str(company.config), "zhangwei", "-s", "王芳", "--on", DAY.isoformat(),
                       today=DAY - dt.timedelta(days=1))  # fmt: skip
    # the plan of the departure day, in handover order
    plan = shown.stdout
    assert f"Plan on {DAY}" in plan
    steps = [plan.index(s) for s in ("+ forwarding zhangwei", "+ autoreply zhangwei", "! mailbox zhangwei",
                                     "~ group sales-team")]  # fmt: skip
    assert steps == sorted(steps)
    assert company.plan_is_empty(today=DAY - dt.timedelta(days=1))  # nothing happens before the day

    company.apply(today=DAY)
    assert company.db("SELECT active, smtp_active FROM mailbox WHERE username = ?", LEAVER) == [(0, 0)]
    [(stored,)] = company.db("SELECT password FROM mailbox WHERE username = ?", LEAVER)
    assert not verify_password(initial, stored)  # reset to a password nobody was told
    assert _credentials(company, LEAVER) == []  # the credentials file no longer lists one that fails
    assert company.db("SELECT goto FROM mailplan_forwarding WHERE address = ?", LEAVER) == [(SUCCESSOR,)]
    [(subject, body)] = company.db("SELECT subject, body FROM mailplan_autoreply WHERE address = ?", LEAVER)
    assert "张伟" in subject and "王芳" in body and SUCCESSOR in body
    assert company.db("SELECT may_read, may_send FROM mailplan_delegation WHERE mailbox = ? AND grantee = ?",
                      LEAVER, SUCCESSOR) == [(1, 0)]  # fmt: skip
    [(members,)] = company.db("SELECT goto FROM alias WHERE address = ?", addr("sales-team"))
    assert LEAVER not in members.split(",")
    assert company.plan_is_empty(today=DAY)


def test_offboard_now_freezes_at_once_and_the_next_plan_is_empty(company: Company) -> None:
    company.apply()
    result = company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--now", "--actor", "hr:李敏")
    assert "Done: " in result.stdout
    assert company.db("SELECT active FROM mailbox WHERE username = ?", LEAVER) == [(0,)]
    assert company.plan_is_empty()
    entries = [json.loads(line) for line in company.journal.read_text(encoding="utf-8").splitlines()]
    freeze = [e for e in entries if e["action"] == "freeze"]
    assert [(e["key"], e["actor"]) for e in freeze] == [(LEAVER, "hr:李敏")]


def test_now_refuses_a_different_date(company: Company) -> None:
    before = company.text()
    result = company.run("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--now", "--on", "2030-01-01")
    assert result.exit_code == 1 and "--now" in result.stderr
    assert company.text() == before


def test_rehire_unfreezes_and_undoes_the_handover(company: Company) -> None:
    company.apply()
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--now")
    shown = company.ok("rehire", str(company.config), "zhangwei")
    assert "^ mailbox zhangwei@huamao-trade.com" in shown.stdout
    assert "- forwarding zhangwei@huamao-trade.com" in shown.stdout
    company.apply()
    assert company.db("SELECT active FROM mailbox WHERE username = ?", LEAVER) == [(1,)]
    [new] = _credentials(company, LEAVER)  # one line: the password that works now
    [(stored,)] = company.db("SELECT password FROM mailbox WHERE username = ?", LEAVER)
    assert verify_password(new, stored)
    assert company.plan_is_empty()


def test_deletion_waits_for_retention_and_then_for_allow_delete(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    company.apply(today=DAY)
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--on", DAY.isoformat(),
               "--no-plan", today=DAY)  # fmt: skip
    company.apply(today=DAY)
    ends = retained_until(DAY, "5y")  # policies.archive.retention
    kept = company.ok("plan", str(company.config), today=ends - dt.timedelta(days=1))
    assert "mailbox zhangwei@huamao-trade.com" not in kept.stdout  # kept, nothing proposed

    proposed = company.run("plan", str(company.config), today=ends)
    assert proposed.exit_code == 0 and "- mailbox zhangwei@huamao-trade.com" in proposed.stdout
    # a rehearsed date shows the deletion but cannot make it happen: the real clock must have got there
    early = company.run("apply", str(company.config), "--auto-approve", "--allow-delete", today=ends)
    assert early.exit_code == 1
    assert f"may not be deleted before {ends}" in early.stdout + early.stderr
    assert company.db("SELECT active FROM mailbox WHERE username = ?", LEAVER) == [(0,)]
    monkeypatch.setattr(clock, "today", lambda: ends)
    company.apply(today=ends)
    assert company.db("SELECT active FROM mailbox WHERE username = ?", LEAVER) == [(0,)]  # held back
    # and while it is held back, the successor keeps reading it
    assert company.db("SELECT may_read FROM mailplan_delegation WHERE mailbox = ? AND grantee = ?",
                      LEAVER, SUCCESSOR) == [(1,)]  # fmt: skip
    company.apply("--allow-delete", today=ends)
    assert company.db("SELECT 1 FROM mailbox WHERE username = ?", LEAVER) == []
    # the address still reaches the successor
    assert company.db("SELECT goto FROM mailplan_forwarding WHERE address = ?", LEAVER) == [(SUCCESSOR,)]
    assert company.plan_is_empty(today=ends)


def test_taking_a_frozen_person_out_of_the_file_is_refused_until_retention_ends(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    company.apply()
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--now")
    line = next(li for li in company.text().splitlines(keepends=True) if "left_on" in li and "张伟" in li)
    company.config.write_text(company.text().replace(line, ""), encoding="utf-8")
    allowed = retained_until(dt.date.today(), "5y")  # from the day the journal froze it
    refused = company.run("plan", str(company.config))
    assert refused.exit_code == 1
    assert f"deletion becomes allowed on {allowed.isoformat()}" in refused.stdout + refused.stderr
    monkeypatch.setattr(clock, "today", lambda: allowed)  # five years on
    later = company.run("apply", str(company.config), "--auto-approve", "--allow-delete", today=allowed)
    assert later.exit_code == 0, later.stdout + later.stderr
    assert company.db("SELECT 1 FROM mailbox WHERE username = ?", LEAVER) == []


def test_a_departure_dated_years_back_freezes_first_and_deletes_nothing(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    # HR types 2016 for 2026: by left_on alone the retention ended long ago, but the mailbox was never frozen
    company.apply()
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--on", "2016-01-01", "--no-plan")
    plan = company.ok("plan", str(company.config), "--allow-delete").stdout
    assert "! mailbox zhangwei@huamao-trade.com" in plan and "- mailbox zhangwei" not in plan
    company.apply("--allow-delete")
    assert company.db("SELECT active FROM mailbox WHERE username = ?", LEAVER) == [(0,)]
    assert company.plan_is_empty()
    # retention now counts from the day the journal saw the freeze, not from the typed date
    until = retained_until(dt.date.today(), "5y")
    kept = company.run("apply", str(company.config), "--auto-approve", "--allow-delete",
                       today=until - dt.timedelta(days=1))  # fmt: skip
    assert kept.exit_code == 0 and company.db("SELECT 1 FROM mailbox WHERE username = ?", LEAVER) == [(1,)]
    monkeypatch.setattr(clock, "today", lambda: until)
    company.apply("--allow-delete", today=until)
    assert company.db("SELECT 1 FROM mailbox WHERE username = ?", LEAVER) == []


def test_someone_who_left_before_mailplan_ran_gets_a_dated_refusal(company: Company) -> None:
    # lina2 left before the first apply: her mailbox was created frozen, and that counts as the freeze
    company.apply()
    entry = "  - name: 李娜\n    address: lina2\n"
    start = company.text().index(entry)
    end = company.text().index("\n\n", start)  # her entry ends the people list
    company.config.write_text(company.text()[:start] + company.text()[end + 1 :], encoding="utf-8")
    refused = company.run("plan", str(company.config))
    assert refused.exit_code == 1
    allowed = retained_until(dt.date.today(), "5y")
    assert f"deletion becomes allowed on {allowed.isoformat()}" in refused.stdout + refused.stderr


def test_now_still_freezes_when_a_handover_step_fails(company: Company) -> None:
    # a dismissal: the handover may fail (here the database refuses the forwarding), the lock-out may not
    company.apply()
    with sqlite3.connect(company.folder / ".mailplan" / "mail.sqlite") as db:
        db.execute(
            "CREATE TRIGGER no_fwd BEFORE INSERT ON mailplan_forwarding BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    result = company.run("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--now")
    assert result.exit_code == 1
    assert "disk full" in result.stderr and "the mailbox is frozen" in result.stderr
    assert company.db("SELECT active FROM mailbox WHERE username = ?", LEAVER) == [(0,)]
    with sqlite3.connect(company.folder / ".mailplan" / "mail.sqlite") as db:
        db.execute("DROP TRIGGER no_fwd")
    assert not company.plan_is_empty()  # the handover is left to do, and the next apply does it
    company.apply()
    assert company.db("SELECT goto FROM mailplan_forwarding WHERE address = ?", LEAVER) == [(SUCCESSOR,)]
    assert company.plan_is_empty()


def test_now_with_a_damaged_journal_changes_nothing_not_even_the_config(company: Company) -> None:
    company.apply()
    with company.journal.open("a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    before = company.text()
    result = company.run("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--now")
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "journal" in result.stderr
    assert company.text() == before
    assert company.db("SELECT active FROM mailbox WHERE username = ?", LEAVER) == [(1,)]


def test_the_plan_after_an_edit_is_that_persons_part(company: Company) -> None:
    # something else is pending (zhangwei leaves); onboarding 李娜 shows her part only, and says the rest exists
    company.apply()
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--no-plan")
    shown = company.ok("onboard", str(company.config), "李娜", "-d", "sales")
    assert "+ mailbox lina3@huamao-trade.com" in shown.stdout
    assert "mailbox zhangwei" not in shown.stdout and "forwarding zhangwei" not in shown.stdout
    assert "other changes are pending as well" in shown.stderr


def test_a_successor_who_leaves_passes_on_their_handovers_now_and_in_the_plan(company: Company) -> None:
    # zhangsan took over lina2's mail; when he leaves, her forwarding, auto-reply and read access pass on
    company.apply()
    shown = company.ok("offboard", str(company.config), "zhangsan", "-s", "wangfang", "--on",
                       dt.date.today().isoformat())  # fmt: skip
    for step in ("~ forwarding lina2", "~ autoreply lina2", "+ delegation lina2@huamao-trade.com/wangfang"):
        assert step in shown.stdout, shown.stdout
    assert "other change" not in shown.stderr  # nothing else was pending: all of it is this edit's
    company.ok("rehire", str(company.config), "zhangsan", "--no-plan")  # only shown; now the emergency path
    done = company.ok("offboard", str(company.config), "zhangsan", "-s", "wangfang", "--now")
    assert "Done: " in done.stdout
    assert company.plan_is_empty()  # the handovers that went through him were applied now too
    [(body,)] = company.db("SELECT body FROM mailplan_autoreply WHERE address = ?", addr("lina2"))
    assert "wangfang@huamao-trade.com" in body



def test_without_the_journal_a_deletion_says_its_date_comes_from_left_on_only(company: Company) -> None:
    company.apply()  # lina2 (left 2026-09-30) is created frozen; the journal records it
    company.journal.rename(company.journal.with_suffix(".old"))  # a fresh runner, or a journal moved aside
    later = dt.date(2032, 6, 1)
    shown = company.ok("plan", str(company.config), today=later)
    assert "- mailbox lina2@huamao-trade.com" in shown.stdout
    assert "note: the retention of lina2@huamao-trade.com is counted from its left_on date only" in shown.stderr
