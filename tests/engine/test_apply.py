"""Apply stops at the first failure, journals only what was done, and the next plan finishes the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailplan.engine.apply import apply_changes
from mailplan.engine.diff import diff_all
from mailplan.engine.journal import Journal
from mailplan.engine.journal_check import verify
from mailplan.model.change import Action, Change
from mailplan.model.objects import Domain, Mailbox
from mailplan.model.plan import Plan
from mailplan.model.state import State

from .memory import MemoryProvider

D = "example.com"


def _desired() -> State:
    return State([Domain(D), *[Mailbox(f"p{i}@{D}", f"P{i}") for i in range(5)]])


def test_failure_part_way_is_finished_by_the_next_run(tmp_path: Path) -> None:
    mem = MemoryProvider()
    journal = Journal(tmp_path / "j.jsonl", actor="t")
    changes, _, _ = diff_all({"mem": _desired()}, {"mem": mem.read([D])})
    mem.fail_on = f"create mailbox p2@{D}"
    report = apply_changes(changes, {"mem": mem}, journal)
    assert not report.ok and "HTTP 503" in report.error
    assert [c.describe() for c in report.applied] == [f"create domain {D}", f"create mailbox p0@{D}",
                                                      f"create mailbox p1@{D}"]
    assert report.failed is not None and report.failed.key == f"p2@{D}" and len(report.not_attempted) == 2
    assert [e.data["key"] for e in journal.entries() if e.data["event"] == "applied"] == [D, f"p0@{D}", f"p1@{D}"]
    # each change was intended before the provider was asked; the refused one is on record as failed
    events = [(e.data["event"], e.data["key"]) for e in journal.entries()]
    assert events[-2:] == [("intended", f"p2@{D}"), ("failed", f"p2@{D}")]
    assert [e for e, _ in events].count("intended") == 4

    mem.fail_on = None
    rest, _, _ = diff_all({"mem": _desired()}, {"mem": mem.read([D])})
    assert [c.key for c in rest] == [f"p{i}@{D}" for i in (2, 3, 4)]
    assert apply_changes(rest, {"mem": mem}, journal).ok
    again, _, _ = diff_all({"mem": _desired()}, {"mem": mem.read([D])})
    assert again == []
    assert verify(journal) == []


def test_mailbox_deletion_is_held_back_without_allow_delete(tmp_path: Path) -> None:
    box = Mailbox(f"gone@{D}", "Gone", frozen=True)
    mem = MemoryProvider([box], [box.ident])
    change = Change(Action.REMOVE, "mem", box, None, "its retention period has ended")
    journal = Journal(tmp_path / "j.jsonl", actor="t")
    held = apply_changes([change], {"mem": mem}, journal)
    assert held.ok and held.held_back == [change] and box.ident in mem.objects
    done = apply_changes([change], {"mem": mem}, journal, allow_delete=True)
    assert done.applied == [change] and box.ident not in mem.objects


def test_a_saved_plan_round_trips(tmp_path: Path) -> None:
    changes, _, _ = diff_all({"mem": _desired()}, {"mem": MemoryProvider().read([D])})
    plan = Plan(changes, config_fingerprint="c1", observed_fingerprints={"mem": "o1"})
    plan.save(tmp_path / "p.json")
    loaded = Plan.load(tmp_path / "p.json")
    assert loaded.changes == plan.changes
    assert loaded.config_fingerprint == "c1" and loaded.observed_fingerprints == {"mem": "o1"}


def test_a_change_the_journal_could_not_record_is_reported_as_such_and_apply_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mem = MemoryProvider()
    journal = Journal(tmp_path / "j.jsonl", actor="t")
    changes, _, _ = diff_all({"mem": _desired()}, {"mem": mem.read([D])})
    real_outcome, calls = journal.outcome, []

    def outcome(change: Change, intent: int, event: str, answer: str) -> dict[str, object]:
        calls.append(change)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_outcome(change, intent, event, answer)

    monkeypatch.setattr(journal, "outcome", outcome)
    report = apply_changes(changes, {"mem": mem}, journal)
    assert not report.ok
    assert "NOT written to the journal" in report.error and "No space left on device" in report.error
    # the second change was made at the provider: it is counted as applied, and nothing after it was tried
    assert [c.key for c in report.applied] == [D, f"p0@{D}"]
    assert (Mailbox(f"p0@{D}", "P0")).ident in mem.objects and len(report.not_attempted) == len(changes) - 2
