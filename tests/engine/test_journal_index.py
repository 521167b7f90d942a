"""A plan takes what it needs of the journal (freeze dates, the mailboxes mailplan made, the freezes and
removals of the safety window, the creates it set out to make, the first day) from the index beside the
journal and the entries written since; it rebuilds the index from the whole journal when it is missing,
damaged or no longer matches it, and reads past a torn last line without ever indexing it."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest

from mailplan.engine import gate, journal_index, retention
from mailplan.engine.journal import Entry, Journal, journaled, journaled_all
from mailplan.engine.journal_reconcile import started_creates
from mailplan.engine.journal_recover import recover
from mailplan.model.change import Action, Change
from mailplan.model.objects import Mailbox

D = "example.com"


def box(name: str, frozen: bool = False) -> Mailbox:
    return Mailbox(f"{name}@{D}", name.title(), frozen=frozen)


def create(name: str) -> Change:
    return Change(Action.CREATE, "mail", None, box(name))


def freeze(journal: Journal, name: str) -> None:
    journaled(journal, Change(Action.FREEZE, "mail", box(name), box(name, frozen=True)), lambda: "froze")


def unfreeze(journal: Journal, name: str) -> None:
    journaled(journal, Change(Action.UNFREEZE, "mail", box(name, frozen=True), box(name)), lambda: "unfroze")


def remove(journal: Journal, name: str) -> None:
    journaled(journal, Change(Action.REMOVE, "mail", box(name, frozen=True), None), lambda: "deleted")


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    j = Journal(tmp_path / "journal.jsonl", actor="t")
    j.prepare()
    changes = [create(f"p{i}") for i in range(10)]
    journaled_all(j, changes, lambda: ["created"] * len(changes))  # 10 intents, 10 outcomes
    freeze(j, "p1")
    freeze(j, "p2")
    return j


def read_entries(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many entries each plan folds into what it reads of the journal."""
    counts: list[int] = []
    real = journal_index.Summary.add

    def counting(self: journal_index.Summary, entries: list[Entry]) -> None:
        counts.append(len(entries))
        real(self, entries)

    monkeypatch.setattr(journal_index.Summary, "add", counting)
    return counts


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).astimezone().date()


def whole(journal: Journal) -> journal_index.Summary:
    """What the plan needs, read from every entry of the journal (as before there was an index)."""
    entries = list(journal.entries(skip_torn=True))
    return journal_index.Summary(
        frozen=retention.frozen_since(entries),
        made=gate.journaled_mailboxes(e.data for e in entries),
        limited=[
            {k: e.data.get(k) for k in ("time", "event", "provider", "kind", "action")}
            for e in entries
            if gate.limited(e.data)
        ],
        started=started_creates(entries),
        first_time=str(entries[0].data["time"]) if entries else "",
    )


def test_a_plan_reads_only_the_entries_written_since_the_last_one(
    journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = read_entries(monkeypatch)
    first = journal_index.summary(journal.path)
    assert first.frozen == {("mail", f"p1@{D}"): today(), ("mail", f"p2@{D}"): today()}
    assert first.made == {"mail": frozenset(f"p{i}@{D}" for i in range(10))}
    assert first.journal_start() == today() and len(first.limited) == 2
    assert first == whole(journal)
    assert journal_index.summary(journal.path) == first  # nothing new: nothing read
    unfreeze(journal, "p1")
    freeze(journal, "p3")
    remove(journal, "p2")
    again = journal_index.summary(journal.path)
    assert ("mail", f"p1@{D}") not in again.frozen and again.frozen[("mail", f"p3@{D}")] == today()
    assert f"p2@{D}" not in again.made["mail"] and ("mail", "mailbox", f"p2@{D}") not in again.started
    assert again == whole(journal)
    assert counts == [24, 0, 6]  # the whole journal once, then nothing, then the 3 changes' intents and outcomes
    index = journal_index.index_path(journal.path)
    assert json.loads(index.read_text())["offset"] == journal.path.stat().st_size
    assert stat.S_IMODE(index.stat().st_mode) == 0o640  # as readable as the journal, no more


def test_the_safety_window_counts_from_the_index_as_from_the_journal(journal: Journal) -> None:
    found = journal_index.summary(journal.path)
    history = gate.history(found.limited, today(), 7)
    assert history.recent == {("mail", "mailbox"): 2} and history.removed == {}


@pytest.mark.parametrize("damage", ["missing", "unreadable", "another journal"])
def test_an_index_that_does_not_fit_the_journal_is_rebuilt_from_it(
    journal: Journal, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    journal_index.summary(journal.path)
    index = journal_index.index_path(journal.path)
    if damage == "missing":
        index.unlink()
    elif damage == "unreadable":
        index.write_text("{not json", encoding="utf-8")
    else:  # the journal was replaced by another history, of the same length, in which p9 was frozen, not p2
        other = Journal(journal.path.with_name("other.jsonl"), actor="t")
        changes = [create(f"p{i}") for i in range(10)]
        journaled_all(other, changes, lambda: ["created"] * len(changes))
        freeze(other, "p1")
        freeze(other, "p9")
        other.path.replace(journal.path)
    counts = read_entries(monkeypatch)
    expected_p = "p9" if damage == "another journal" else "p2"
    expected = {("mail", f"p1@{D}"): today(), ("mail", f"{expected_p}@{D}"): today()}
    assert journal_index.summary(journal.path).frozen == expected
    assert counts == [24]  # the whole journal, once
    assert journal_index.summary(journal.path).frozen and counts == [24, 0]  # and the index fits it again


def test_a_damaged_entry_after_the_index_stops_the_plan_naming_its_line(journal: Journal) -> None:
    journal_index.summary(journal.path)
    with journal.path.open("a", encoding="utf-8") as fh:
        fh.write("{torn\n")
    with pytest.raises(Exception, match=r"line 25"):
        journal_index.summary(journal.path)


def test_a_torn_last_line_is_read_past_never_indexed_and_its_recovery_keeps_the_index(journal: Journal) -> None:
    size = journal.path.stat().st_size
    line = json.dumps({"event": "intended", "action": "freeze", "kind": "mailbox", "key": f"p5@{D}"})
    with journal.path.open("ab") as fh:
        fh.write(line.encode()[:30])  # a write cut short by a kill
    found = journal_index.summary(journal.path)
    assert found == whole(journal)
    assert json.loads(journal_index.index_path(journal.path).read_text())["offset"] == size
    journal.forget_head()
    assert len(recover(journal)) == 1  # the next apply moves it aside and records that
    assert journal_index.summary(journal.path) == whole(journal)
    assert json.loads(journal_index.index_path(journal.path).read_text())["offset"] == journal.path.stat().st_size
