"""Offboarding on the example company with the local backend: handover, --now, rehire, retention."""

from __future__ import annotations

import datetime as dt
import json

from mailplan.config.compile import retained_until
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
    assert _credentials(company, LEAVER) == [initial]
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
    first, new = _credentials(company, LEAVER)
    [(stored,)] = company.db("SELECT password FROM mailbox WHERE username = ?", LEAVER)
    assert verify_password(new, stored) and not verify_password(first, stored)
    assert company.plan_is_empty()


def test_deletion_waits_for_retention_and_then_for_allow_delete(company: Company) -> None:
    company.apply(today=DAY)
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--on", DAY.isoformat(),
               "--no-plan", today=DAY)  # fmt: skip
    company.apply(today=DAY)
    ends = retained_until(DAY, "5y")  # policies.archive.retention
    kept = company.ok("plan", str(company.config), today=ends - dt.timedelta(days=1))
    assert "mailbox zhangwei@huamao-trade.com" not in kept.stdout  # kept, nothing proposed

    proposed = company.run("plan", str(company.config), today=ends)
    assert proposed.exit_code == 0 and "- mailbox zhangwei@huamao-trade.com" in proposed.stdout
    company.apply(today=ends)
    assert company.db("SELECT active FROM mailbox WHERE username = ?", LEAVER) == [(0,)]  # held back
    company.apply("--allow-delete", today=ends)
    assert company.db("SELECT 1 FROM mailbox WHERE username = ?", LEAVER) == []
    # the address still reaches the successor
    assert company.db("SELECT goto FROM mailplan_forwarding WHERE address = ?", LEAVER) == [(SUCCESSOR,)]
    assert company.plan_is_empty(today=ends)


def test_taking_a_frozen_person_out_of_the_file_is_refused_until_retention_ends(company: Company) -> None:
    company.apply()
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--now")
    line = next(li for li in company.text().splitlines(keepends=True) if "left_on" in li and "张伟" in li)
    company.config.write_text(company.text().replace(line, ""), encoding="utf-8")
    allowed = retained_until(dt.date.today(), "5y")  # from the day the journal froze it
    refused = company.run("plan", str(company.config))
    assert refused.exit_code == 1
    assert f"deletion becomes allowed on {allowed.isoformat()}" in refused.stdout + refused.stderr
    later = company.run("apply", str(company.config), "--auto-approve", "--allow-delete", today=allowed)
    assert later.exit_code == 0, later.stdout + later.stderr
    assert company.db("SELECT 1 FROM mailbox WHERE username = ?", LEAVER) == []
