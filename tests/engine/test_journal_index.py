"""A plan takes freeze dates from the index beside the journal and the entries written since, and
rebuilds the index from the whole journal when it is missing, damaged or no longer matches it."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest

from mailplan.engine import journal_index, retention
from mailplan.engine.journal import Journal
from mailplan.model.change import Action, Change
from mailplan.model.objects import Mailbox

D = "example.com"


def box(name: str, frozen: bool = False) -> Mailbox:
    return Mailbox(f"{name}@{D}", name.title(), frozen=frozen)


def freeze(journal: Journal, name: str) -> None:
    journal.append(Change(Action.FREEZE, "mail", box(name), box(name, frozen=True)), "froze")


def unfreeze(journal: Journal, name: str) -> None:
    journal.append(Change(Action.UNFREEZE, "mail", box(name, frozen=True), box(name)), "unfroze")


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    j = Journal(tmp_path / "journal.jsonl", actor="t")
    j.prepare()
    for i in range(20):
        j.append(Change(Action.CREATE, "mail", None, box(f"p{i}")), "created")
    freeze(j, "p1")
    freeze(j, "p2")
    return j


def read_entries(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many entries each plan hands to the freeze-date reader."""
    counts: list[int] = []
    real = retention.frozen_since

    def counting(entries, start=None):  # type: ignore[no-untyped-def]
        entries = list(entries)
        counts.append(len(entries))
        return real(entries, start)

    monkeypatch.setattr(retention, "frozen_since", counting)
    return counts


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).astimezone().date()


def test_a_plan_reads_only_the_entries_written_since_the_last_one(
    journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = read_entries(monkeypatch)
    first = journal_index.frozen_on(journal.path)
    assert first == {("mail", f"p1@{D}"): today(), ("mail", f"p2@{D}"): today()}
    assert journal_index.frozen_on(journal.path) == first  # nothing new: nothing read
    unfreeze(journal, "p1")
    freeze(journal, "p3")
    assert journal_index.frozen_on(journal.path) == {("mail", f"p2@{D}"): today(), ("mail", f"p3@{D}"): today()}
    assert counts == [22, 2]
    index = journal_index.index_path(journal.path)
    assert json.loads(index.read_text())["offset"] == journal.path.stat().st_size
    assert stat.S_IMODE(index.stat().st_mode) == 0o640  # as readable as the journal, no more


@pytest.mark.parametrize("damage", ["missing", "unreadable", "another journal"])
def test_an_index_that_does_not_fit_the_journal_is_rebuilt_from_it(
    journal: Journal, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    journal_index.frozen_on(journal.path)
    index = journal_index.index_path(journal.path)
    if damage == "missing":
        index.unlink()
    elif damage == "unreadable":
        index.write_text("{not json", encoding="utf-8")
    else:  # the journal was replaced by another history, of the same length, in which p9 was frozen, not p2
        other = Journal(journal.path.with_name("other.jsonl"), actor="t")
        for i in range(20):
            other.append(Change(Action.CREATE, "mail", None, box(f"p{i}")), "created")
        freeze(other, "p1")
        freeze(other, "p9")
        other.path.replace(journal.path)
    counts = read_entries(monkeypatch)
    expected_p = "p9" if damage == "another journal" else "p2"
    expected = {("mail", f"p1@{D}"): today(), ("mail", f"{expected_p}@{D}"): today()}
    assert journal_index.frozen_on(journal.path) == expected
    assert counts == [22]  # the whole journal, once
    assert journal_index.frozen_on(journal.path) and counts == [22]  # and the index fits it again


def test_a_damaged_entry_after_the_index_stops_the_plan_naming_its_line(journal: Journal) -> None:
    journal_index.frozen_on(journal.path)
    with journal.path.open("a", encoding="utf-8") as fh:
        fh.write("{torn\n")
    with pytest.raises(Exception, match=r"line 23"):
        journal_index.frozen_on(journal.path)
