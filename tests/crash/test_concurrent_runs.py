"""Runs started side by side, as real processes, on the same config: they take turns on the state folder's
lock, the journal stays one verifiable chain, nothing is done twice, and no HR edit is lost from the YAML."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections import Counter

import yaml

from crash.conftest import Spawn
from people.conftest import Company, addr

WAIT = ("--lock-timeout", "300")


def _finish(*procs: subprocess.Popen[str]) -> list[tuple[int, str]]:
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        done.append((proc.returncode, out + err))
    return done


def _journal_is_one_chain(company: Company) -> list[dict[str, object]]:
    verify = company.run("audit", "verify", str(company.config))
    assert verify.exit_code == 0, verify.stdout
    entries = [json.loads(line) for line in company.journal.read_text(encoding="utf-8").splitlines()]
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    return entries


def _nothing_twice(entries: list[dict[str, object]]) -> None:
    applied = Counter(
        (e["action"], e["kind"], e["key"], json.dumps(e["after"], sort_keys=True))
        for e in entries
        if e["event"] == "applied"
    )
    assert [what for what, n in applied.items() if n > 1] == []
    intents = Counter(e["seq"] for e in entries if e["event"] == "intended")
    answered = Counter(e["intent"] for e in entries if "intent" in e)
    assert set(intents) == set(answered) and max(answered.values()) == 1  # every intent, one outcome


def _departures(company: Company) -> dict[str, str]:
    people = yaml.safe_load(company.text())["people"]
    return {p.get("address") or p["name"]: str(p["left_on"]) for p in people if "left_on" in p}


def test_two_applies_at_once_take_turns(company: Company, spawn: Spawn) -> None:
    first, second = _finish(spawn("apply", "--auto-approve", *WAIT), spawn("apply", "--auto-approve", *WAIT))
    assert first[0] == 0 and second[0] == 0, first[1][-2000:] + second[1][-2000:]
    assert sum("waiting for the lock" in out for _, out in (first, second)) == 1
    entries = _journal_is_one_chain(company)
    _nothing_twice(entries)
    assert company.db("SELECT count(*) FROM mailbox") == [(35,)]
    assert company.plan_is_empty()


def test_two_applies_at_once_without_waiting_one_refuses(company: Company, spawn: Spawn) -> None:
    results = _finish(spawn("apply", "--auto-approve"), spawn("apply", "--auto-approve"))
    codes = sorted(code for code, _ in results)
    assert codes == [0, 1], [out[-1500:] for _, out in results]
    refused = next(out for code, out in results if code == 1)
    assert "another mailplan run holds the lock" in refused and "(mailplan apply), since" in refused
    _nothing_twice(_journal_is_one_chain(company))
    assert company.plan_is_empty()


def test_apply_beside_offboard_now(company: Company, spawn: Spawn) -> None:
    company.apply()
    company.ok("offboard", str(company.config), "zhangsan", "-s", "wangfang", "--no-plan")  # pending for apply
    with sqlite3.connect(company.folder / ".mailplan" / "mail.sqlite") as db:
        db.execute("DELETE FROM mailplan_delegation")  # more for the nightly run to do: it runs a while
    earlier = len(company.journal.read_text(encoding="utf-8").splitlines())
    nightly = spawn("apply", "--auto-approve", *WAIT)
    emergency = spawn("offboard", "zhangwei", "-s", "wangfang", "--now", "--actor", "hr:李敏", *WAIT)
    (code_a, out_a), (code_o, out_o) = _finish(nightly, emergency)
    assert code_a == 0 and code_o == 0, out_a[-2000:] + out_o[-2000:]
    entries = _journal_is_one_chain(company)
    _nothing_twice(entries[earlier:])
    assert {"张三", "张伟"} <= set(_departures(company))
    frozen = {e["key"] for e in entries if e["event"] == "applied" and e["action"] == "freeze"}
    assert {addr("zhangsan"), addr("zhangwei")} <= frozen
    assert company.db("SELECT username FROM mailbox WHERE active = 0 AND username IN (?, ?)",
                      addr("zhangsan"), addr("zhangwei")) != []  # fmt: skip
    assert company.plan_is_empty()


def test_offboards_at_once_lose_no_departure(company: Company, spawn: Spawn) -> None:
    company.apply()
    before = _departures(company)
    leaving = {"zhangsan": "张三", "zhangwei": "张伟", "lvting": "吕婷", "zhoumin": "周敏"}
    results = _finish(*(spawn("offboard", who, "-s", "wangfang", "--no-plan", *WAIT) for who in leaving))
    assert [code for code, _ in results] == [0] * len(leaving), [out for _, out in results]
    added = set(_departures(company)) - set(before)
    assert added == set(leaving.values()), added
    assert company.run("validate", str(company.config)).exit_code == 0


def test_two_offboards_at_once_without_waiting_lose_nothing_silently(company: Company, spawn: Spawn) -> None:
    company.apply()
    before = set(_departures(company))
    results = _finish(
        spawn("offboard", "zhangsan", "-s", "wangfang", "--now"),
        spawn("offboard", "zhangwei", "-s", "wangfang", "--now"),
    )
    added = set(_departures(company)) - before
    for (code, out), name in zip(results, ("张三", "张伟"), strict=True):
        if code == 0:
            assert name in added, out
        else:  # refused, and said so: not recorded, not frozen
            assert code == 1 and "another mailplan run holds the lock" in out and name not in added, out
    _nothing_twice(_journal_is_one_chain(company))
