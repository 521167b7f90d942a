"""Apply goes on after a failure with everything that does not need the failed change, journals only
what was done, and the next plan finishes exactly what is left."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailplan.engine.apply import apply_changes
from mailplan.engine.diff import diff_all
from mailplan.engine.journal import Journal
from mailplan.engine.journal_check import verify
from mailplan.model.change import Action, Change
from mailplan.model.objects import Alias, AutoReply, Delegation, Domain, Forwarding, Group, Hold, Mailbox, MailObject
from mailplan.model.plan import Plan
from mailplan.model.state import State

from .memory import MemoryProvider

D = "example.com"


def _desired() -> State:
    return State([Domain(D), *[Mailbox(f"p{i}@{D}", f"P{i}") for i in range(5)]])


def _plan(mem: MemoryProvider, desired: State) -> list[Change]:
    changes, _, _ = diff_all({"mem": desired}, {"mem": mem.read([D])})
    return changes


def test_a_failure_stops_only_what_needs_it_and_the_next_run_finishes_the_rest(tmp_path: Path) -> None:
    mem = MemoryProvider()
    journal = Journal(tmp_path / "j.jsonl", actor="t")
    desired = State([*_desired(), Group(f"team@{D}", "Team", (f"p1@{D}", f"p2@{D}"), "members")])
    mem.fail_on = f"create mailbox p2@{D}"
    report = apply_changes(_plan(mem, desired), {"mem": mem}, journal)
    assert not report.ok and "HTTP 503" in report.error
    # every mailbox but the failed one, and not the group that needs it as a member
    assert mem.applied == [f"create domain {D}", *(f"create mailbox p{i}@{D}" for i in (0, 1, 3, 4))]
    assert [(s.change.key, s.waits_for.key) for s in report.skipped] == [(f"team@{D}", f"p2@{D}")]
    applied = [e.data["key"] for e in journal.entries() if e.data["event"] == "applied"]
    assert applied == [D, f"p0@{D}", f"p1@{D}", f"p3@{D}", f"p4@{D}"]
    # each change was intended before the provider was asked; the refused one is on record as failed
    events = [(e.data["event"], e.data["key"]) for e in journal.entries()]
    assert ("intended", f"p2@{D}") in events and ("failed", f"p2@{D}") in events
    assert [e for e, _ in events].count("intended") == 6

    mem.fail_on = None
    rest = _plan(mem, desired)
    assert [c.describe() for c in rest] == [f"create mailbox p2@{D}", f"create group team@{D}"]
    assert apply_changes(rest, {"mem": mem}, journal).ok
    assert _plan(mem, desired) == []
    assert verify(journal) == []


def _departure() -> tuple[MemoryProvider, State]:
    """ann leaves, bob takes over: hold, forwarding, auto-reply, bob's read access, freeze, out of the team."""
    ann, bob = f"ann@{D}", f"bob@{D}"
    have = [Domain(D), Mailbox(ann, "Ann"), Mailbox(bob, "Bob"), Group(f"team@{D}", "Team", (ann, bob), "members")]
    mem = MemoryProvider(have, [o.ident for o in have])
    desired: list[MailObject] = [
        Domain(D), Mailbox(ann, "Ann", frozen=True), Mailbox(bob, "Bob"),
        Group(f"team@{D}", "Team", (bob,), "members"), Hold(ann), Forwarding(ann, (bob,)),
        AutoReply(ann, "Ann has left", "Write to Bob"), Delegation(ann, bob, read=True),
    ]  # fmt: skip
    return mem, State(desired)


def test_a_departure_is_one_unit_in_its_order() -> None:
    mem, desired = _departure()
    assert [c.describe() for c in _plan(mem, desired)] == [
        f"create hold ann@{D}",
        f"create forwarding ann@{D}",
        f"create autoreply ann@{D}",
        f"create delegation ann@{D}/bob@{D}",
        f"freeze mailbox ann@{D}",
        f"update group team@{D}",
    ]


@pytest.mark.parametrize(
    "failing", ["create hold", "create forwarding", "create autoreply", "create delegation", "update group"]
)
def test_cutting_access_waits_for_no_step_that_failed(failing: str, tmp_path: Path) -> None:
    mem, desired = _departure()
    changes = _plan(mem, desired)
    failed = next(c for c in changes if c.describe().startswith(failing))
    mem.fail_on = failed.describe()
    report = apply_changes(changes, {"mem": mem}, Journal(tmp_path / "j.jsonl", actor="t"))
    assert [f.change for f in report.failures] == [failed] and report.skipped == []
    assert f"freeze mailbox ann@{D}" in mem.applied
    assert mem.objects[("mailbox", f"ann@{D}")] == Mailbox(f"ann@{D}", "Ann", frozen=True)
    mem.fail_on = None
    assert _plan(mem, desired) == [failed]


def test_where_a_frozen_mailbox_refuses_mail_the_freeze_waits_for_the_forwarding(tmp_path: Path) -> None:
    mem, desired = _departure()
    mem.FREEZE_STOPS_DELIVERY = True  # as the local backend: a frozen mailbox is no recipient
    mem.fail_on = f"create forwarding ann@{D}"
    report = apply_changes(_plan(mem, desired), {"mem": mem}, Journal(tmp_path / "j.jsonl", actor="t"))
    assert [s.change.describe() for s in report.skipped] == [f"freeze mailbox ann@{D}"]
    assert not mem.objects[("mailbox", f"ann@{D}")].frozen  # type: ignore[attr-defined]
    assert f"update group team@{D}" in mem.applied  # the clean-up does not wait
    mem.fail_on = None
    assert [c.describe() for c in _plan(mem, desired)] == [f"create forwarding ann@{D}", f"freeze mailbox ann@{D}"]


def test_removals_wait_for_what_refers_to_them(tmp_path: Path) -> None:
    box = Mailbox(f"gone@{D}", "Gone", frozen=True)
    fwd, hold = Forwarding(box.address, (f"bob@{D}",)), Hold(box.address)
    mem = MemoryProvider([box, fwd, hold], [box.ident, fwd.ident, hold.ident])
    changes = [
        Change(Action.REMOVE, "mem", fwd, None),
        Change(Action.REMOVE, "mem", box, None),
        Change(Action.REMOVE, "mem", hold, None),
    ]
    mem.fail_on = f"remove forwarding {box.address}"
    report = apply_changes(changes, {"mem": mem}, Journal(tmp_path / "j.jsonl", actor="t"), allow_delete=True)
    # the mailbox stays while its forwarding does, and the hold stays while the mailbox does
    assert [s.change.kind for s in report.skipped] == ["mailbox", "hold"]
    assert {box.ident, fwd.ident, hold.ident} <= set(mem.objects)


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
    changes = _plan(MemoryProvider(), _desired())
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
    changes = _plan(mem, _desired())
    real_outcome, calls = journal.outcome_all, []

    def outcome_all(changes: list[Change], intents: list[int], event: str, answers: list[str]) -> None:
        calls.append(changes)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_outcome(changes, intents, event, answers)

    monkeypatch.setattr(journal, "outcome_all", outcome_all)
    report = apply_changes(changes, {"mem": mem}, journal)
    assert not report.ok
    assert "NOT written to the journal" in report.error and "No space left on device" in report.error
    # the second change was made at the provider: it is counted as applied, and nothing after it was tried
    assert [c.key for c in report.applied] == [D, f"p0@{D}"]
    assert (Mailbox(f"p0@{D}", "P0")).ident in mem.objects and len(report.not_attempted) == len(changes) - 2


def _two_departures() -> tuple[MemoryProvider, State]:
    """ann and cat leave on the same day; bob takes over from both."""
    ann, bob, cat = f"ann@{D}", f"bob@{D}", f"cat@{D}"
    have = [Domain(D), Mailbox(ann, "Ann"), Mailbox(bob, "Bob"), Mailbox(cat, "Cat"),
            Group(f"team@{D}", "Team", (ann, bob, cat), "members")]  # fmt: skip
    mem = MemoryProvider(have, [o.ident for o in have])
    desired: list[MailObject] = [Domain(D), Mailbox(bob, "Bob"), Group(f"team@{D}", "Team", (bob,), "members")]
    for who, name in ((ann, "Ann"), (cat, "Cat")):
        desired += [Mailbox(who, name, frozen=True), Forwarding(who, (bob,)), AutoReply(who, f"{name} left", "Bob")]
    return mem, State(desired)


def test_each_departure_is_a_block_of_its_own() -> None:
    mem, desired = _two_departures()
    assert [c.describe() for c in _plan(mem, desired)] == [
        f"create forwarding ann@{D}", f"create autoreply ann@{D}", f"freeze mailbox ann@{D}",
        f"update group team@{D}",  # ann's clean-up (the group drops cat too)
        f"create forwarding cat@{D}", f"create autoreply cat@{D}", f"freeze mailbox cat@{D}",
    ]  # fmt: skip


def test_one_persons_failures_never_stop_another_persons_departure(tmp_path: Path) -> None:
    mem, desired = _two_departures()
    mem.fail_on = {f"freeze mailbox ann@{D}", f"create autoreply cat@{D}"}
    report = apply_changes(_plan(mem, desired), {"mem": mem}, Journal(tmp_path / "j.jsonl", actor="t"))
    assert sorted(f.change.describe() for f in report.failures if f.change) == [
        f"create autoreply cat@{D}", f"freeze mailbox ann@{D}"
    ]
    assert report.skipped == []
    assert f"create autoreply ann@{D}" in mem.applied and f"freeze mailbox cat@{D}" in mem.applied
    mem.fail_on = None
    assert sorted(c.describe() for c in _plan(mem, desired)) == [f"create autoreply cat@{D}", f"freeze mailbox ann@{D}"]


def test_a_removed_domain_waits_for_everything_in_it(tmp_path: Path) -> None:
    other = "old.example"
    box, alias = Mailbox(f"x@{other}", "X", frozen=True), Alias(f"a@{other}", (f"x@{other}",))
    changes = [
        Change(Action.REMOVE, "mem", alias, None),
        Change(Action.REMOVE, "mem", box, None),
        Change(Action.REMOVE, "mem", Domain(other), None),
    ]
    mem = MemoryProvider([Domain(other), box, alias], [Domain(other).ident, box.ident, alias.ident])
    mem.fail_on = f"remove alias a@{other}"
    report = apply_changes(changes, {"mem": mem}, Journal(tmp_path / "j.jsonl", actor="t"), allow_delete=True)
    assert [s.change.kind for s in report.skipped] == ["mailbox", "domain"]
    assert all(s.waits_for.kind == "alias" for s in report.skipped)
