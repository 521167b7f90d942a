"""A journal whose last line an interrupted write cut short: `audit verify` reports it, `plan` reads past it,
the next `apply` moves the torn bytes aside, records that, and carries on; any other damage still stops."""

from __future__ import annotations

import hashlib
import json

from people.conftest import Company, addr


def _tear_last_line(company: Company) -> bytes:
    """Replace the journal's last line by its first half (no line end): what a killed write leaves."""
    data = company.journal.read_bytes()
    start = data.rstrip(b"\n").rfind(b"\n") + 1
    torn = data[start : start + (len(data) - start) // 2]
    company.journal.write_bytes(data[:start] + torn)
    return torn


def test_a_torn_last_line_is_moved_aside_and_recorded_by_the_next_apply(company: Company) -> None:
    company.apply()
    whole = company.journal.read_text(encoding="utf-8").splitlines()
    torn = _tear_last_line(company)

    verify = company.run("audit", "verify", str(company.config))
    assert verify.exit_code == 2 and "cut short" in verify.stdout and "next `mailplan apply`" in verify.stdout
    assert company.plan_is_empty()  # a plan reads past it: it changes nothing

    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--no-plan")
    result = company.ok("apply", str(company.config), "--auto-approve")
    kept = company.journal.with_name(f"journal.jsonl.torn-{hashlib.sha256(torn).hexdigest()}")
    assert f"moved aside to {kept.name}" in result.stderr
    assert kept.read_bytes() == torn  # the damaged bytes are kept, byte for byte

    entries = [json.loads(line) for line in company.journal.read_text(encoding="utf-8").splitlines()]
    assert [json.dumps(e, ensure_ascii=False, sort_keys=True) for e in entries[: len(whole) - 1]] == [
        json.dumps(json.loads(line), ensure_ascii=False, sort_keys=True) for line in whole[:-1]
    ]
    recovered = entries[len(whole) - 1]
    assert (recovered["event"], recovered["kept_in"], recovered["torn_bytes"]) == ("recovered", kept.name, len(torn))
    assert any(e["event"] == "applied" and e["action"] == "freeze" and e["key"] == addr("zhangwei") for e in entries)
    verify = company.run("audit", "verify", str(company.config))
    assert verify.exit_code == 0, verify.stdout
    log = company.ok("audit", "log", str(company.config)).stdout
    assert "journal recovered: a torn last line was moved aside" in log


def test_damage_before_the_last_line_still_stops_apply(company: Company) -> None:
    company.apply()
    lines = company.journal.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3][: len(lines[3]) // 2] + "\n"  # a line cut short, but not the last one: not a crash
    company.journal.write_text("".join(lines), encoding="utf-8")
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--no-plan")
    refused = company.run("apply", str(company.config), "--auto-approve")
    assert refused.exit_code == 1 and "line 4: not valid JSON" in refused.stderr
    assert company.db("SELECT active FROM mailbox WHERE username = ?", addr("zhangwei")) == [(1,)]
    assert not list(company.journal.parent.glob("journal.jsonl.torn-*"))


def test_a_whole_last_entry_without_its_line_end_only_gets_one(company: Company) -> None:
    company.apply()
    before = company.journal.read_bytes()
    company.journal.write_bytes(before.rstrip(b"\n"))
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--no-plan")
    company.apply()
    after = company.journal.read_bytes()
    assert after.startswith(before) and b'"recovered"' not in after
    assert company.run("audit", "verify", str(company.config)).exit_code == 0
