"""Dates that make a mailbox exist only frozen, or never: said in the plan, not left for a reviewer to guess.

A new person whose ``left_on`` has passed, or a new order mailbox whose ``expires_on``
has, is created frozen: it holds mail but nobody can log in. One whose retention has
ended too is not created at all (there is nothing to keep). Both are legitimate (a
leaver entered for the record), and both are easy to get wrong by a typo in a year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from mailplan.errors import Problem
from mailplan.i18n import Msg
from mailplan.model.change import Action, Change
from mailplan.model.desired import Desired
from mailplan.model.objects import Mailbox
from mailplan.model.state import Observed

FrozenOn = Mapping[tuple[str, str], object]  # (provider, mailbox) -> when the journal saw it frozen


def date_warnings(
    changes: list[Change], desired: Desired, observed: Mapping[str, Observed], frozen_on: FrozenOn
) -> list[Problem]:
    out: list[Problem] = []
    for change in changes:
        box = change.after
        if change.action is Action.CREATE and isinstance(box, Mailbox) and box.frozen:
            date = "left_on" if box.kind == "person" else "expires_on"
            out.append(Problem(
                Msg("mailbox {address} is new and is created frozen: its {date} date has passed, so it will hold "
                    "mail but nobody can log in to it", address=box.address, date=date),
                desired.origins.get(box.ident),
                Msg("if that is not what you meant, correct {date}", date=date),
            ))  # fmt: skip
    for provider, boxes in desired.deletions.items():
        live = observed[provider].state if provider in observed else None
        for box in boxes:
            if live is not None and box.ident not in live and (provider, box.key) not in frozen_on:
                until = desired.retention.get(provider, {}).get(box.key, "")
                date = "left_on" if box.kind == "person" else "expires_on"
                ended = (Msg("mailbox {address} is not created: by its {date} date its retention has ended (on "
                             "{until}), so there is nothing to keep", address=box.address, date=date,
                             until=dt.date.fromisoformat(until)) if until else
                         Msg("mailbox {address} is not created: by its {date} date its retention has ended, so "
                             "there is nothing to keep", address=box.address, date=date))
                out.append(Problem(
                    ended, desired.origins.get(box.ident),
                    Msg("if it should exist, correct {date}; if it is only kept for the record, remove it", date=date),
                ))  # fmt: skip
    return out
