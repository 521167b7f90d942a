"""What ``drift`` reports: where the live state differs from the config.

Not the same as "what apply would do": a deletion whose retention has passed waits
only for a person's ``--allow-delete`` (proposed, not drift), while a manual step on an
object the provider read and could hold, but not write (a distribution list edited by
hand in Exchange), is drift although no apply can clear it. A manual step for a feature
the API has no word for (an Exmail alias domain, a console-only setting) says nothing
about the live state: the provider cannot show it either way.
"""

from __future__ import annotations

from collections.abc import Callable

from mailplan.engine.apply import waiting_for_allow_delete
from mailplan.model.change import Action, Change
from mailplan.model.plan import Plan

Supports = Callable[[str], frozenset[str]]  # provider name -> the capability ids its API supports


def drifted(plan: Plan, supports: Supports) -> list[Change]:
    waiting = set(waiting_for_allow_delete(plan.changes))

    def seen_and_differs(change: Change) -> bool:
        if change.action is not Action.MANUAL:
            return True
        return change.before is not None and change.obj.features() <= supports(change.provider)

    return [c for c in plan.changes if c not in waiting and seen_and_differs(c)]


def in_sync(plan: Plan, supports: Supports) -> bool:
    """No drift, and nothing the safety gate refuses (a mailbox dropped from the config is a difference too)."""
    return not drifted(plan, supports) and not plan.blocked
