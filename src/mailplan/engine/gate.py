"""The safety gate: checked across every provider before anything is written.

It refuses (``Problem``) what would lose mail or accounts, and holds back
deletions unless the user asked for them. The rules:

* A mailbox or domain mailplan created and the config no longer mentions is
  never deleted: the plan is refused and says how to freeze instead.
* A mailbox is deleted only when its retention has passed *and* the user said
  ``--allow-delete``; before that date the deletion is refused.
* More freezes and removals of one kind (mailboxes, groups, aliases, domains) than
  ``policies.safety`` allows refuses the plan unless ``--force`` (a typo in an include must
  not freeze half the company). The plan's own are counted together with those the journal
  shows in the last ``window_days``, so that two plans just under the limit in a row do not
  pass; the limit is a share of what the provider holds and an absolute number, whichever
  is lower, and the plan shows how close it comes (``LimitUse``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mailplan.engine.diff import PROTECTED_KINDS
from mailplan.engine.journal import APPLIED, PARTLY_APPLIED
from mailplan.errors import Location, Problem
from mailplan.i18n import Msg, plural_msg
from mailplan.model.change import Action, Change
from mailplan.model.desired import SafetyLimits
from mailplan.model.objects import Mailbox, MailObject
from mailplan.model.plan import LimitUse
from mailplan.model.state import Ident, Observed
from mailplan.notes import note


@dataclass(frozen=True)
class History:
    """Freezes and removals the journal shows in the safety window, per (provider, kind)."""

    recent: Mapping[tuple[str, str], int] = field(default_factory=dict)  # frozen or removed
    removed: Mapping[tuple[str, str], int] = field(default_factory=dict)  # of those, removed: no longer held


@dataclass(frozen=True)
class GateSettings:
    today: dt.date
    allow_delete: bool = False
    force: bool = False
    # The clock's date when ``today`` is a rehearsed one (MAILPLAN_TODAY) and the plan is really
    # applied: a rehearsal may show a deletion, but never makes one happen before its day.
    real_today: dt.date | None = None
    limits: SafetyLimits = field(default_factory=SafetyLimits)
    history: History = field(default_factory=History)
    # provider -> the mailboxes the journal says mailplan made there and has not removed
    journaled: Mapping[str, frozenset[str]] = field(default_factory=dict)


def journaled_mailboxes(
    entries: Iterable[Mapping[str, Any]], start: Mapping[str, Iterable[str]] | None = None
) -> dict[str, frozenset[str]]:
    """Provider -> the mailboxes the journal shows made (created) there and not removed since.
    ``start``: what earlier entries gave (the journal's index, journal_index.py)."""
    made: dict[str, set[str]] = {provider: set(keys) for provider, keys in (start or {}).items()}
    for data in entries:
        if data.get("kind") != Mailbox.KIND or data.get("event") != APPLIED:
            continue
        mailboxes = made.setdefault(str(data.get("provider")), set())
        if data.get("action") == Action.CREATE.value:
            mailboxes.add(str(data.get("key")))
        elif data.get("action") == Action.REMOVE.value:
            mailboxes.discard(str(data.get("key")))
    return {provider: frozenset(keys) for provider, keys in made.items()}


def limited(data: Mapping[str, Any]) -> bool:
    """Whether a journal entry is a freeze or removal done, which the safety limits' window counts."""
    return data.get("event") in (APPLIED, PARTLY_APPLIED) and data.get("action") in (
        Action.FREEZE.value,
        Action.REMOVE.value,
    )


def history(entries: Iterable[Mapping[str, Any]], today: dt.date, window_days: int) -> History:
    """What the journal's entries show was frozen or removed within ``window_days`` before ``today``."""
    recent: Counter[tuple[str, str]] = Counter()
    removed: Counter[tuple[str, str]] = Counter()
    first_day = today - dt.timedelta(days=window_days - 1)
    for data in entries:
        if window_days <= 0 or not limited(data):
            continue
        try:
            day = dt.datetime.fromisoformat(str(data.get("time"))).astimezone().date()
        except ValueError:
            continue
        if first_day <= day <= today:
            which = (str(data.get("provider")), str(data.get("kind")))
            recent[which] += 1
            if data.get("action") == Action.REMOVE.value:
                removed[which] += 1
    return History(dict(recent), dict(removed))


def limit_uses(changes: Sequence[Change], observed: Mapping[str, Observed], settings: GateSettings) -> list[LimitUse]:
    """For each provider and limited kind the plan freezes or removes: how close it comes to its limit."""
    limits = settings.limits
    planned = Counter(
        (c.provider, c.kind)
        for c in changes
        if c.action in (Action.REMOVE, Action.FREEZE) and c.kind in limits.per_kind
    )
    uses = []
    for (provider, kind), count in sorted(planned.items()):
        limit = limits.per_kind[kind]
        # what was removed within the window was held at its start
        gone = settings.history.removed.get((provider, kind), 0)
        held = (len(observed[provider].state.of_kind(kind)) if provider in observed else 0) + gone
        uses.append(
            LimitUse(
                provider=provider,
                kind=kind,
                planned=count,
                recent=settings.history.recent.get((provider, kind), 0),
                window_days=limits.window_days,
                held=held,
                allowed=limit.allowed(held),
                max_percent=limit.max_percent,
                max_count=limit.max_count,
            )
        )
    return uses


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
                problems.append(_too_early(change, dt.date.fromisoformat(until), limit, settings.today,
                                           (origins or {}).get(change.obj.ident)))  # fmt: skip
    if not settings.force:
        problems += _threshold_problems(changes, observed, settings)
        problems += _lost_state_problems(observed, settings)
    return problems


def _too_early(change: Change, until: dt.date, limit: dt.date, today: dt.date, where: Location | None) -> Problem:
    """A deletion asked for before the retention period ends (``limit``: the real day, when ``today`` is rehearsed)."""
    kind = Msg(change.kind)
    if limit < today:  # a rehearsed day (MAILPLAN_TODAY) may show a deletion; the real one must have come too
        return Problem(
            Msg("{kind} {key} may not be deleted before {until} (retention policy); today is {today}, whatever "
                "MAILPLAN_TODAY says", kind=kind, key=change.key, until=until, today=limit),
            where, Msg("MAILPLAN_TODAY rehearses a day in `plan`; it cannot bring a deletion forward"),
        )  # fmt: skip
    return Problem(Msg("{kind} {key} may not be deleted before {until} (retention policy)", kind=kind, key=change.key,
                       until=until), where, Msg("deletion becomes allowed on {until}", until=until))  # fmt: skip


def _lost_state_problems(observed: Mapping[str, Observed], settings: GateSettings) -> list[Problem]:
    """A provider that no longer holds the mailboxes the journal says mailplan made there lost its state
    (an emptied or replaced database): refused, never taken for a fresh start. One or two gone (deleted by
    hand) are made again, with a note; more than the mailbox limit allows is refused."""
    problems = []
    limit = settings.limits.per_kind.get(Mailbox.KIND)
    for provider, made in sorted(settings.journaled.items()):
        if provider not in observed or not made:
            continue  # a provider no longer in the config: nothing to compare
        held = {obj.key for obj in observed[provider].state.of_kind(Mailbox.KIND)}
        gone = sorted(made - held)
        if not gone:
            continue
        if limit is not None and len(gone) <= limit.allowed(len(made)) and len(gone) < len(made):
            for key in gone:
                note(Msg("mailbox {key} was made by mailplan (the journal says so) and is gone from provider "
                         "{provider}: the plan makes it again, empty, with a new password", key=key,
                         provider=repr(provider)))  # fmt: skip
            continue
        first = ", ".join(gone[:5])
        shown = plural_msg("{addresses} and {count} more", "{addresses} and {count} more", len(gone) - 5,
                           addresses=first) if len(gone) > 5 else first  # fmt: skip
        problems.append(
            Problem(
                Msg("provider {provider} no longer holds {gone} of the {made} mailboxes the journal says mailplan "
                    "made there ({shown}): its state was lost or replaced (an emptied, new or other database or "
                    "tenant). Going on would make them again, empty, with new passwords",
                    provider=repr(provider), gone=len(gone), made=len(made), shown=shown),
                None,
                Msg("restore the provider's state (the database file) from a backup; if it was reset on purpose, "
                    "run again with --force"),
            )
        )  # fmt: skip
    return problems


def _orphan_problem(provider: str, obj: MailObject, retained: Mapping[str, str]) -> Problem:
    until = dt.date.fromisoformat(retained[obj.key]) if retained.get(obj.key) else None
    message = Msg("{kind} {key} on provider {provider} was created by mailplan and is no longer in the config; "
                  "mailplan never deletes a mailbox or domain implicitly", kind=Msg(obj.KIND), key=obj.key,
                  provider=repr(provider))  # fmt: skip
    if isinstance(obj, Mailbox) and obj.frozen:
        # someone who has left already: their entry (with left_on) must stay until retention ends
        if until:
            hint = Msg("put its entry back as it was (with `left_on:`); deletion becomes allowed on {until}: from "
                       "then the plan proposes the deletion and `apply --allow-delete` does it", until=until)
        else:
            hint = Msg("put its entry back as it was (with `left_on:`); the journal does not say when it was frozen: "
                       "from then the plan proposes the deletion and `apply --allow-delete` does it")
    elif until:
        hint = Msg("put it back in the config; to let a person go, set `left_on:` and `successor:` (the mailbox is "
                   "frozen, its mail kept); deletion becomes allowed on {until}, and delete it after the retention "
                   "period with `apply --allow-delete`", until=until)
    else:
        hint = Msg("put it back in the config; to let a person go, set `left_on:` and `successor:` (the mailbox is "
                   "frozen, its mail kept), and delete it after the retention period with `apply --allow-delete`")
    return Problem(message, None, hint)  # fmt: skip


def _threshold_problems(
    changes: Sequence[Change], observed: Mapping[str, Observed], settings: GateSettings
) -> list[Problem]:
    problems = []
    for use in limit_uses(changes, observed, settings):
        if not use.exceeded:
            continue
        facts = {"planned": use.planned, "held": use.held, "kind": Msg(use.kind), "provider": repr(use.provider),
                 "total": use.total, "allowed": use.allowed, "percent": f"{use.max_percent:g}%",
                 "most": use.max_count, "key": f"policies.safety.{use.kind}"}  # fmt: skip
        if use.recent:
            message = Msg("the plan freezes or removes {planned} of {held} {kind} objects on provider {provider}, and "
                          "{recent} were frozen or removed in the last {days} days: {total} is more than the safety "
                          "limit allows ({allowed}: {percent} of {held}, at most {most}; {key})",
                          recent=use.recent, days=use.window_days, **facts)  # fmt: skip
        else:
            message = Msg("the plan freezes or removes {planned} of {held} {kind} objects on provider {provider}: "
                          "{total} is more than the safety limit allows ({allowed}: {percent} of {held}, at most "
                          "{most}; {key})", **facts)  # fmt: skip
        hint = Msg("check the config for a mistake (a missing include, a wrong date); if it is intended, run again "
                   "with --force, or raise the limit in policies.safety")
        problems.append(Problem(message, None, hint))
    return problems
