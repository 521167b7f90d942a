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
from mailplan.model.change import Action, Change
from mailplan.model.state import Observed

_CARRIED = ("actor", "config_commit", "config_dirty", "config_fingerprint", "as_of")


@dataclass(frozen=True)
class Reconciled:
    change: Change
    intent: int  # the intent's entry number
    event: str  # APPLIED, NOT_APPLIED, PARTLY_APPLIED or UNKNOWN


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


def reconcile(journal: Journal, observed: Mapping[str, Observed]) -> list[Reconciled]:
    """Journal the outcome of every open intent, as the live state ``observed`` shows it. Needs the lock."""
    settled = []
    for entry in open_intents(journal.entries()):
        change = Change.from_dict({**entry.data, "instructions": ""})
        seq = int(entry.data["seq"])
        live = observed.get(change.provider)
        event, answer, found = _judge(change, seq, live)
        carried = {k: entry.data[k] for k in _CARRIED if k in entry.data}
        extra: dict[str, Any] = {"intent": seq, "reconciled_by": journal.actor, **carried}
        if found is not None:
            extra["found"] = found
        journal.append(change, answer, event, extra)
        settled.append(Reconciled(change, seq, event))
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
