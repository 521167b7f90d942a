"""``audit log --format json`` is documented by schemas/audit-log.schema.json: the example company's real log,
after an apply and an offboard, validates; a renamed, dropped or unknown field does not."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mailplan.model.change import Action
from mailplan.model.objects import KINDS
from people.conftest import Company, addr
from schema_edits import edit, let_through

SCHEMAS = Path(__file__).parents[2] / "schemas"
SCHEMA = json.loads((SCHEMAS / "audit-log.schema.json").read_text(encoding="utf-8"))
PLAN_SCHEMA = json.loads((SCHEMAS / "plan.schema.json").read_text(encoding="utf-8"))
KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def history(company: Company) -> Iterator[Company]:
    company.apply()
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--now", "--actor", "hr:李敏")
    yield company


def log_json(target: Company, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(target.ok("audit", "log", str(target.config), "-f", "json", *args).stdout)
    jsonschema.validate(data, SCHEMA)
    return data


def test_the_schema_is_valid_and_lists_what_the_code_writes() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == PLAN_SCHEMA["$schema"]
    assert sorted(SCHEMA["$defs"]["kind"]["enum"]) == sorted(KINDS) == sorted(PLAN_SCHEMA["$defs"]["kind"]["enum"])
    entry = SCHEMA["$defs"]["entry"]["properties"]
    # a manual step is for a person: apply never journals one
    assert set(entry["action"]["enum"]) == {a.value for a in Action} - {Action.MANUAL.value}


def test_the_log_after_an_apply_and_an_offboard_validates(history: Company) -> None:
    data = log_json(history)
    assert (data["format"], data["version"], data["person"], data["since"]) == ("mailplan-audit-log", 1, None, None)
    entries = data["entries"]
    journal = [json.loads(line) for line in history.journal.read_text(encoding="utf-8").splitlines()]
    assert entries == journal  # the entries themselves, as written
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    assert {e["action"] for e in entries} == {"create", "update", "freeze"}
    frozen = [e for e in entries if e["action"] == "freeze" and e["event"] == "applied"]
    assert [(e["kind"], e["key"], e["actor"]) for e in frozen] == [("mailbox", addr("zhangwei"), "hr:李敏")]
    # the outcome names its intent, written before the provider was asked
    intent = entries[frozen[0]["intent"] - 1]
    assert (intent["event"], intent["action"], intent["key"], intent["answer"]) == ("intended", "freeze",
                                                                                    addr("zhangwei"), "")
    assert frozen[0]["before"]["frozen"] is False and frozen[0]["after"]["frozen"] is True
    # the hash is what the schema says it is, and each entry names the one before it
    prev = "0" * 64
    for entry in entries:
        body = {k: v for k, v in entry.items() if k not in ("hash", "mac")}
        canon = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert entry["prev"] == prev and entry["hash"] == hashlib.sha256((prev + canon).encode()).hexdigest()
        prev = entry["hash"]


def test_the_filtered_logs_validate(history: Company) -> None:
    theirs = log_json(history, "--person", "zhangwei")
    assert theirs["person"] == f"张伟 <{addr('zhangwei')}>"
    assert theirs["entries"] and all(addr("zhangwei") in json.dumps(e) for e in theirs["entries"])
    gone = log_json(history, "--person", "someone.gone@huamao-trade.com")
    assert (gone["person"], gone["entries"]) == ("someone.gone@huamao-trade.com", [])
    later = log_json(history, "--since", "2999-01-01")
    assert (later["since"], later["entries"]) == ("2999-01-01", [])
    everything = log_json(history)["entries"]
    first_day = everything[0]["time"][:10]  # --since compares with the UTC date of `time`
    assert log_json(history, "--since", first_day)["entries"] == everything


def test_signed_entries_and_a_rehearsed_day_validate(company: Company, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILPLAN_JOURNAL_KEY", KEY)
    company.config.write_text(company.text() + "\njournal_key: env:MAILPLAN_JOURNAL_KEY\n", encoding="utf-8")
    company.apply()
    leaving = dt.date.today() + dt.timedelta(days=3)
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--on", leaving.isoformat())
    company.apply(today=leaving)  # rehearsing the departure day: the entries say which day the run acted as
    entries = log_json(company)["entries"]
    assert all("mac" in e for e in entries)
    rehearsed = [e for e in entries if "as_of" in e]
    assert rehearsed and {e["as_of"] for e in rehearsed} == {leaving.isoformat()}
    assert ("freeze", addr("zhangwei")) in {(e["action"], e["key"]) for e in rehearsed}


BROKEN = {
    "entry field renamed": edit(("entries", 0, "actor"), rename="who"),
    "entry field dropped": edit(("entries", 0, "hash"), drop=True),
    "unknown entry field": edit(("entries", 0, "comment"), "x"),
    "unknown action": edit(("entries", 0, "action"), "delete"),
    "manual step journaled": edit(("entries", 0, "action"), "manual"),
    "unknown kind": edit(("entries", 0, "kind"), "user"),
    "unknown event": edit(("entries", 0, "event"), "planned"),
    "recovery without what it kept": edit(("entries", 0, "event"), "recovered"),
    "short hash": edit(("entries", 0, "prev"), "0" * 16),
    "time not UTC": edit(("entries", 0, "time"), "2026-11-20T09:30:00+08:00"),
    "object without its kind": edit(("entries", 0, "after", "object"), drop=True),
    "header dropped": edit(("person",), drop=True),
    "header renamed": edit(("entries",), rename="changes"),
    "other format": edit(("format",), "mailplan-plan"),
}


def test_a_renamed_dropped_or_unknown_field_fails_the_schema(history: Company) -> None:
    data = log_json(history)
    # the first outcome (a batch's intents come first, then its outcomes)
    outcome = next(i for i, e in enumerate(data["entries"]) if "intent" in e)
    broken = {**BROKEN, "outcome without its intent": edit(("entries", outcome, "intent"), drop=True)}
    assert let_through(data, SCHEMA, broken) == []
