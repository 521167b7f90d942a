"""Intents a killed run left open, settled against what the provider holds now.

An intent without an outcome means the run stopped between writing it and recording the
provider's answer: the change may have been made, in part, or not at all. The next run that writes
reads the live state and journals what it turned out to be, in the name of whoever intended it
(``actor`` and config as the intent has them; ``reconciled_by`` says who found out):

* ``applied`` — the provider holds the object as intended (removed: it is gone);
* ``not applied`` — the provider holds it as it was before (not made: absent); the plan makes it now;
* ``partly applied`` — neither; ``found`` holds what the provider has, and the plan finishes it;
* ``unknown`` — the provider is no longer in the config, so nobody can look.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mailplan.engine.journal import (
    APPLIED,
    INTENDED,
    NOT_APPLIED,
    OUTCOMES,
    PARTLY_APPLIED,
    UNKNOWN,
    Entry,
    Journal,
)
from mailplan.i18n import N_
from mailplan.model.change import Action, Change
from mailplan.model.state import Observed, State

_CARRIED = ("actor", "config_commit", "config_dirty", "config_fingerprint", "as_of")


@dataclass(frozen=True)
class Reconciled:
    change: Change
    intent: int  # the intent's entry number
    event: str  # APPLIED, NOT_APPLIED, PARTLY_APPLIED or UNKNOWN
    present: bool = False  # the provider holds the object now

    @property
    def made(self) -> bool:
        """A create found made, in full or in part: what it carried (a password) reached the provider."""
        return self.change.action is Action.CREATE and self.present and self.event in (APPLIED, PARTLY_APPLIED)


def open_intents(entries: Iterable[Entry]) -> list[Entry]:
    """The intents no outcome names, oldest first."""
    intents: dict[int, Entry] = {}
    for entry in entries:
        data = entry.data
        if data.get("event") == INTENDED and type(data.get("seq")) is int:
            intents[data["seq"]] = entry
        elif data.get("event") in OUTCOMES and type(data.get("intent")) is int:
            intents.pop(data["intent"], None)
    return list(intents.values())


Started = set[tuple[str, str, str]]  # (provider, kind, key) of creates mailplan set out to make


def started_creates(entries: Iterable[Entry], start: Started | None = None) -> Started:
    """The creates the journal shows mailplan set out to make (an intent), of objects not removed since.
    ``start``: what earlier entries gave (the journal's index, journal_index.py)."""
    started = set(start or ())
    for entry in entries:
        data = entry.data
        which = (str(data.get("provider")), str(data.get("kind")), str(data.get("key")))
        if data.get("event") == INTENDED and data.get("action") == Action.CREATE.value:
            started.add(which)
        elif data.get("event") == APPLIED and data.get("action") == Action.REMOVE.value:
            started.discard(which)
    return started


def unmarked_creates(
    started: Started,
    desired: Mapping[str, State],
    observed: Mapping[str, Observed],
    marked_apart: Mapping[str, frozenset[str]],
) -> list[Change]:
    """Creates to make again: the journal shows mailplan set out to make the object (``started_creates``),
    the provider holds it but without mailplan's mark, and marking is a call of its own there
    (``Provider.MARKED_APART``): the run was cut short (killed, or the marking failed) between the two.
    Making it again adopts and marks it."""
    again = []
    for provider, kind, key in sorted(w for w in started if w[1] in marked_apart.get(w[0], frozenset())):
        live, wanted = observed.get(provider), desired.get(provider)
        if live is None or wanted is None:
            continue
        obj = wanted.get((kind, key))
        if obj is not None and (kind, key) in live.state and (kind, key) not in live.managed:
            reason = N_("made by an interrupted run of mailplan, which did not get to mark it as its own")
            again.append(Change(Action.CREATE, provider, None, obj, reason))
    return again


def reconcile(
    journal: Journal, observed: Mapping[str, Observed], marked_apart: Mapping[str, frozenset[str]] | None = None
) -> list[Reconciled]:
    """Journal the outcome of every open intent, as the live state ``observed`` shows it. Needs the lock.
    A create the provider marks apart (``unmarked_creates``) is done only once it carries the mark."""
    settled = []
    for entry in open_intents(journal.entries()):
        change = Change.from_dict({**entry.data, "instructions": ""})
        seq = int(entry.data["seq"])
        live = observed.get(change.provider)
        event, answer, found = _judge(change, seq, live)
        marks = (marked_apart or {}).get(change.provider, frozenset())
        if event == APPLIED and change.action is Action.CREATE and change.kind in marks:
            assert live is not None
            if change.obj.ident not in live.managed:
                event, answer = PARTLY_APPLIED, answer.replace(
                    "so it was done", "but without mailplan's mark: the next plan makes it again, which marks it"
                )
        carried = {k: entry.data[k] for k in _CARRIED if k in entry.data}
        extra: dict[str, Any] = {"intent": seq, "reconciled_by": journal.actor, **carried}
        if found is not None:
            extra["found"] = found
        journal.append(change, answer, event, extra)
        present = live is not None and change.obj.ident in live.state
        settled.append(Reconciled(change, seq, event, present))
    return settled


def _judge(change: Change, seq: int, live: Observed | None) -> tuple[str, str, dict[str, Any] | None]:
    """(event, answer, what the provider holds when it is neither as before nor as intended)."""
    where = f"intended in entry {seq} by a run that stopped before recording the provider's answer; "
    if live is None:
        gone = f"provider {change.provider!r} is no longer in the config, so it cannot be checked"
        return UNKNOWN, where + gone, None
    current = live.state.get(change.obj.ident)
    now = current.to_dict() if current is not None else None
    wanted = change.after.to_dict() if change.after is not None and change.action is not Action.REMOVE else None
    was = change.before.to_dict() if change.before is not None else None
    if now == wanted:
        return APPLIED, where + "the provider holds it as intended, so it was done", None
    if now == was:
        return NOT_APPLIED, where + "the provider holds it as it was before, so it was not done", None
    return PARTLY_APPLIED, where + "the provider holds it neither as before nor as intended (see found)", now
