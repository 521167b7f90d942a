"""An intent a killed run left open is journaled, by the next run, as what the live state shows it became."""

from __future__ import annotations

from pathlib import Path

from engine.memory import MemoryProvider
from mailplan.engine.journal import Journal
from mailplan.engine.journal_check import verify
from mailplan.engine.journal_reconcile import open_intents, reconcile
from mailplan.model.change import Action, Change
from mailplan.model.objects import Group, Mailbox

D = "example.com"
ZHANG = Mailbox(f"zhangsan@{D}", "张三")
SALES = Group(f"sales@{D}", "销售", (f"zhangsan@{D}",))


def test_open_intents_are_settled_by_what_the_provider_holds(tmp_path: Path) -> None:
    mem = MemoryProvider([ZHANG, SALES])
    crashed = Journal(tmp_path / "journal.jsonl", actor="ci-nightly", commit="abc123")
    frozen = Change(Action.FREEZE, "mem", ZHANG, Mailbox(ZHANG.address, ZHANG.name, frozen=True), "left")
    bigger = Change(Action.UPDATE, "mem", SALES, Group(SALES.address, "销售", (f"lisi@{D}", f"zhangsan@{D}")))
    new = Change(Action.CREATE, "mem", None, Mailbox(f"wangwu@{D}", "王五"))
    for change in (frozen, bigger, new):
        crashed.intend(change)
    # the run died: the freeze had reached the provider, the group change half of it, the create nothing
    mem.apply(frozen)
    mem.objects[SALES.ident] = Group(SALES.address, "销售", (f"lisi@{D}",))

    later = Journal(tmp_path / "journal.jsonl", actor="admin", commit="def456")
    settled = reconcile(later, {"mem": mem.read([D])})
    assert [(s.change.key, s.event) for s in settled] == [
        (ZHANG.address, "applied"), (SALES.address, "partly applied"), (f"wangwu@{D}", "not applied")
    ]
    entries = [e.data for e in later.entries()]
    outcome = entries[3]
    # who did it and from which config: the intent's; who found out: this run
    assert (outcome["intent"], outcome["actor"], outcome["config_commit"], outcome["reconciled_by"]) == (
        1, "ci-nightly", "abc123", "admin"
    )
    assert entries[4]["found"]["members"] == [f"lisi@{D}"]
    assert open_intents(later.entries()) == [] and verify(later) == []
    assert reconcile(later, {"mem": mem.read([D])}) == []  # nothing left open: nothing written twice


def test_an_intent_whose_provider_left_the_config_is_unknown(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl", actor="t")
    journal.intend(Change(Action.CREATE, "old-mail", None, ZHANG))
    [settled] = reconcile(journal, {})
    assert settled.event == "unknown"
