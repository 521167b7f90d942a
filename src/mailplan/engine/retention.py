"""Retention: when a frozen mailbox may be deleted, decided against what is live and what the journal saw.

The config says when someone left (``left_on``); the journal says when mailplan
really froze the mailbox, and so does the provider where it keeps a mark of the
day (the local database; Google's user mark). Retention counts from the latest of
them, so a departure typed with a wrong date in the past cannot shorten it, a
journal that lost the freeze (moved aside) cannot either, and a mailbox that was
never frozen is frozen first (its retention starts that day) rather than deleted.
When no record says when a frozen mailbox was frozen, retention counts from the
journal's first entry: the earliest day mailplan can vouch for. Only a mailbox
that is frozen on the provider is ever proposed for deletion.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mailplan.engine.diff import mailbox_of
from mailplan.engine.journal import Entry, is_done
from mailplan.i18n import Msg
from mailplan.model.change import Action, Change
from mailplan.model.desired import Desired
from mailplan.model.objects import Mailbox, MailObject
from mailplan.model.periods import retained_until
from mailplan.model.state import Observed, State
from mailplan.notes import note

FrozenOn = Mapping[tuple[str, str], dt.date]  # (provider, mailbox) -> the day it was frozen


@dataclass
class Settled:
    """The desired objects after retention, and what each frozen mailbox is kept until."""

    objects: dict[str, State]
    deletions: dict[str, tuple[str, ...]]  # provider -> mailboxes whose removal is proposed
    retention: dict[str, dict[str, str]]  # provider -> mailbox -> ISO date before which it may not go


def frozen_since(
    entries: Iterable[Entry], start: dict[tuple[str, str], dt.date] | None = None
) -> dict[tuple[str, str], dt.date]:
    """(provider, mailbox) -> the day the journal last saw it become frozen (and not unfrozen since).

    A mailbox becomes frozen by a ``freeze``, or by being created already frozen
    (someone who left before mailplan first ran). ``start``: what earlier entries gave.
    """
    out: dict[tuple[str, str], dt.date] = dict(start or {})
    for entry in entries:
        data = entry.data
        if data.get("kind") != Mailbox.KIND or not is_done(data):
            continue
        action, after = data.get("action"), data.get("after") or {}
        ident = (str(data.get("provider")), str(data.get("key")))
        if action == "unfreeze":
            out.pop(ident, None)
        elif action == "freeze" or (action == "create" and after.get("frozen")):
            try:
                # the journal keeps UTC; retention is counted in the days of this machine's clock
                out[ident] = dt.datetime.fromisoformat(str(data.get("time"))).astimezone().date()
            except ValueError:
                continue
    return out


def freeze_dates(journal: FrozenOn, observed: Mapping[str, Observed]) -> dict[tuple[str, str], dt.date]:
    """(provider, mailbox) -> the day it was frozen, the later where the journal and the provider's mark
    both know one: deletion waits until both agree its retention has passed."""
    dates = dict(journal)
    for provider, obs in observed.items():
        for key, day in obs.frozen_on.items():
            try:
                marked = dt.date.fromisoformat(day)
            except ValueError:
                continue
            known = dates.get((provider, key))
            dates[(provider, key)] = marked if known is None else max(known, marked)
    return dates


def settle(
    desired: Desired,
    observed: Mapping[str, Observed],
    frozen_on: FrozenOn,
    today: dt.date,
    unrecorded_since: dt.date | None = None,
) -> Settled:
    """Decide each mailbox the config says is past retention: proposed for deletion only when it is
    frozen on the provider and its retention, counted from the latest of ``left_on`` and the days the
    journal and the provider's mark froze it, has ended; otherwise it stays (frozen) in the desired
    objects. A frozen mailbox no record dates counts from ``unrecorded_since`` (the journal's start)."""
    objects = dict(desired.objects)
    retention = {provider: dict(dates) for provider, dates in desired.retention.items()}
    deletions: dict[str, tuple[str, ...]] = {}
    period = desired.retention_period
    for provider, boxes in desired.deletions.items():
        live = observed[provider].state if provider in observed else State()
        going: list[Mailbox] = []
        kept: list[Mailbox] = []
        gone: set[str] = set()  # deleted already, or about to be: the rights on them go too
        for box in boxes:
            current = live.get(box.ident)
            if not isinstance(current, Mailbox):
                gone.add(box.address)  # deleted already: nothing left to do
                continue
            # Frozen since the journal and the provider say, or from today if it is frozen only now.
            since = frozen_on.get((provider, box.key)) if current.frozen else today
            if since is None and unrecorded_since is not None:
                since = min(unrecorded_since, today)
                if period and retained_until(since, period) > today:
                    note(
                        f"neither the journal nor the provider records when {box.key} was frozen (a new journal, "
                        f"or the provider was renamed): its retention counts from {since}, the journal's start"
                    )
            until = dt.date.fromisoformat(retention.setdefault(provider, {}).get(box.key, today.isoformat()))
            if since is not None and period:
                until = max(until, retained_until(since, period))
            elif until <= today:
                note(
                    f"the retention of {box.key} is counted from its left_on date only: the journal holds no "
                    "record of when it was frozen (a new journal, or the provider was renamed); check the date"
                )
            retention[provider][box.key] = until.isoformat()
            (going if current.frozen and until <= today else kept).append(box)
        if going:
            deletions[provider] = tuple(b.address for b in going)
        gone |= {b.address for b in going}
        # rights and holds on a mailbox that goes, go with it; a kept one is back among the objects (frozen)
        remaining: list[MailObject] = [o for o in objects.get(provider, State()) if mailbox_of(o) not in gone]
        objects[provider] = State(remaining + list(kept))
    return Settled(objects, deletions, retention)


def expire_orphans(
    orphans: dict[str, list[MailObject]],
    retention: dict[str, dict[str, str]],
    frozen_on: FrozenOn,
    period: str,
    today: dt.date,
) -> list[Change]:
    """Frozen mailboxes someone took out of the config (``orphans``, pruned in place): retention dates
    from when the journal froze them, written into ``retention``.

    Those whose retention has ended become proposed deletions (and leave ``orphans``);
    the others stay refused, and the refusal says from which day deletion is allowed.
    """
    if not period:
        return []
    expired: list[Change] = []
    for provider, objs in orphans.items():
        for obj in list(objs):
            since = frozen_on.get((provider, obj.key)) if isinstance(obj, Mailbox) and obj.frozen else None
            if since is None:
                continue
            until = retained_until(since, period)
            retention.setdefault(provider, {})[obj.key] = until.isoformat()
            if until <= today:
                objs.remove(obj)
                reason = Msg("no longer in the config; frozen on {since}, its retention ended on {until}",
                             since=since, until=until)
                expired.append(Change(Action.REMOVE, provider, obj, None, reason))
    for provider in [p for p, objs in orphans.items() if not objs]:
        del orphans[provider]
    return expired
