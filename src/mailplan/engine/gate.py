"""The safety gate: checked across every provider before anything is written.

It refuses (``Problem``) what would lose mail or accounts, and holds back
deletions unless the user asked for them. The rules:

* A mailbox or domain mailplan created and the config no longer mentions is
  never deleted: the plan is refused and says how to freeze instead.
* A mailbox is deleted only when its retention has passed *and* the user said
  ``--allow-delete``; before that date the deletion is refused.
* More freezes and removals than ``max_destructive_percent`` of the objects
  of one kind a provider holds (mailboxes frozen against mailboxes held)
  refuses the plan unless ``--force`` (a typo in an include must not freeze
  half the company).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mailplan.engine.diff import PROTECTED_KINDS
from mailplan.errors import Location, Problem
from mailplan.model.change import Action, Change
from mailplan.model.objects import Mailbox, MailObject
from mailplan.model.state import Ident, Observed

# Kinds whose freeze or removal makes addresses stop working; losing a delegation or an
# auto-reply is ordinary handover churn and does not count toward the threshold.
ADDRESS_KINDS = frozenset({"domain", "mailbox", "alias", "group", "forwarding"})


@dataclass(frozen=True)
class GateSettings:
    today: dt.date
    allow_delete: bool = False
    force: bool = False
    max_destructive_percent: float = 30.0
    min_objects_for_threshold: int = 10
    # The clock's date when ``today`` is a rehearsed one (MAILPLAN_TODAY) and the plan is really
    # applied: a rehearsal may show a deletion, but never makes one happen before its day.
    real_today: dt.date | None = None


def needs_allow_delete(change: Change) -> bool:
    return change.action is Action.REMOVE and change.kind in PROTECTED_KINDS


def check(
    changes: Sequence[Change],
    orphans: Mapping[str, Sequence[MailObject]],
    observed: Mapping[str, Observed],
    retention: Mapping[str, Mapping[str, str]],
    settings: GateSettings,
    origins: Mapping[Ident, Location] | None = None,
) -> list[Problem]:
    problems: list[Problem] = []
    for provider, objs in sorted(orphans.items()):
        for obj in objs:
            problems.append(_orphan_problem(provider, obj, retention.get(provider, {})))
    for change in changes:
        if needs_allow_delete(change):
            until = retention.get(change.provider, {}).get(change.key)
            # a rehearsed day (MAILPLAN_TODAY) may show a deletion; the real one must have come too
            limit = min(settings.today, settings.real_today or settings.today)
            if until and dt.date.fromisoformat(until) > limit:
                rehearsed = limit < settings.today
                problems.append(
                    Problem(
                        f"{change.kind} {change.key} may not be deleted before {until} (retention policy)"
                        + (f"; today is {limit}, whatever MAILPLAN_TODAY says" if rehearsed else ""),
                        (origins or {}).get(change.obj.ident),
                        "MAILPLAN_TODAY rehearses a day in `plan`; it cannot bring a deletion forward"
                        if rehearsed
                        else f"deletion becomes allowed on {until}",
                    )
                )
    if not settings.force:
        problems += _threshold_problems(changes, observed, settings)
    return problems


def _orphan_problem(provider: str, obj: MailObject, retained: Mapping[str, str]) -> Problem:
    until = retained.get(obj.key)
    message = (
        f"{obj.KIND} {obj.key} on provider {provider!r} was created by mailplan and is no longer in the config; "
        "mailplan never deletes a mailbox or domain implicitly"
    )
    if isinstance(obj, Mailbox) and obj.frozen:
        # someone who has left already: their entry (with left_on) must stay until retention ends
        when = f"deletion becomes allowed on {until}" if until else "the journal does not say when it was frozen"
        hint = (
            f"put its entry back as it was (with `left_on:`); {when}: from then the plan proposes the deletion "
            "and `apply --allow-delete` does it"
        )
    else:
        when = f"; deletion becomes allowed on {until}" if until else ""
        hint = (
            "put it back in the config; to let a person go, set `left_on:` and `successor:` (the mailbox is "
            f"frozen, its mail kept){when}, and delete it after the retention period with `apply --allow-delete`"
        )
    return Problem(message, None, hint)


def _threshold_problems(
    changes: Sequence[Change], observed: Mapping[str, Observed], settings: GateSettings
) -> list[Problem]:
    destructive = Counter(
        (c.provider, c.kind)
        for c in changes
        if c.action in (Action.REMOVE, Action.FREEZE) and c.kind in ADDRESS_KINDS
    )
    problems = []
    for (provider, kind), count in sorted(destructive.items()):
        held = len(observed[provider].state.of_kind(kind)) if provider in observed else 0
        if held < settings.min_objects_for_threshold:
            continue
        percent = 100.0 * count / held
        if percent > settings.max_destructive_percent:
            problems.append(
                Problem(
                    f"the plan freezes or removes {count} of {held} {kind} objects on provider {provider!r} "
                    f"({percent:.0f}% > {settings.max_destructive_percent:.0f}%)",
                    None,
                    "check the config for a mistake (a missing include, a wrong date); "
                    "if it is intended, run again with --force",
                )
            )
    return problems
