"""Plan order: the structure first, then each departure as its own unit, then the rest.

A departure is one person's recipe, in its order (docs/reliability.md):
preserve (the hold) → hand over (forwarding, auto-reply, the successor's access)
→ cut access (the freeze) → clean up (out of groups and aliases, rights and roles
gone). Each step is its own change, and all of one person's steps sit together in
the plan, so a run that is stopped part-way has finished whole people, and a
reader sees each departure as one block.

The departures come after the structure they need (the successor's mailbox, a
group's new address) and before everything else that is no one's departure.
Which change waits for which is not the order's business: ``engine/depends.py``
decides that, so a failure skips only what needs the failed change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mailplan.model.change import Action, Change
from mailplan.model.objects import AdminRole, Alias, AutoReply, Delegation, Forwarding, Group, Hold, Mailbox
from mailplan.model.state import State

# Phases of the changes that are no one's departure, in the order they run.
STRUCTURE, PRESERVE, ADDRESSING, DEPARTURES, HANDOVER, CUT_ACCESS, CLEANUP = range(7)
# The steps of one departure, in the order they run.
STEP_PRESERVE, STEP_HANDOVER, STEP_CUT_ACCESS, STEP_CLEANUP = range(4)

PRESERVE_KINDS = frozenset({"archive", "hold"})  # before the handover and the freeze
HANDOVER_KINDS = frozenset({"forwarding", "autoreply", "delegation"})


def phase_of(change: Change) -> int:
    """The phase of a change that belongs to no departure unit."""
    kind = change.kind
    if change.action is Action.FREEZE:
        return CUT_ACCESS
    if change.action is Action.REMOVE:
        return CLEANUP
    if kind in PRESERVE_KINDS:
        return PRESERVE
    if kind in HANDOVER_KINDS:
        return HANDOVER
    if kind in ("domain", "policy", "department", "mailbox"):
        return STRUCTURE
    if kind == "group" and _only_drops_members(change):
        return CLEANUP
    return ADDRESSING


def _only_drops_members(change: Change) -> bool:
    before, after = change.before, change.after
    if not isinstance(before, Group) or not isinstance(after, Group):
        return False
    changed = {name for name, _, _ in change.attr_changes()}
    return changed == {"members"} and set(after.members) < set(before.members)


def leavers(desired: Mapping[str, State]) -> frozenset[str]:
    """Every address the config has frozen: whose changes make up a departure unit."""
    return frozenset(o.address for state in desired.values() for o in state if isinstance(o, Mailbox) and o.frozen)


def departure_step(change: Change, gone: frozenset[str]) -> tuple[str, int] | None:
    """``(address, step)`` when ``change`` is a step of the departure of ``address``, else None.

    ``gone`` are the addresses the config has frozen; a freeze is a departure step even
    without them (a mailbox that expired).
    """
    obj = change.obj
    if isinstance(obj, Mailbox):
        return (obj.address, STEP_CUT_ACCESS) if change.action is Action.FREEZE else None
    if change.action is Action.REMOVE and not isinstance(obj, (Delegation, AdminRole)):
        return None  # the end of a retention period, not a departure
    if isinstance(obj, (Hold, Forwarding, AutoReply)):
        if obj.address in gone:
            return (obj.address, STEP_PRESERVE if isinstance(obj, Hold) else STEP_HANDOVER)
        return None
    if isinstance(obj, Delegation):
        if obj.grantee in gone and change.action is Action.REMOVE:
            return (obj.grantee, STEP_CLEANUP)  # the leaver's own access to a colleague's mailbox
        if obj.mailbox in gone:
            return (obj.mailbox, STEP_CLEANUP if change.action is Action.REMOVE else STEP_HANDOVER)
        return None
    if isinstance(obj, AdminRole):
        return (obj.address, STEP_CLEANUP) if obj.address in gone else None
    dropped = sorted(_dropped_addresses(change) & gone)
    return (dropped[0], STEP_CLEANUP) if dropped else None


def _dropped_addresses(change: Change) -> set[str]:
    """Addresses a group or alias update takes out (members, owners, senders, targets)."""
    before, after = change.before, change.after
    if isinstance(before, Group) and isinstance(after, Group):
        return {*before.members, *before.owners, *before.senders} - {*after.members, *after.owners, *after.senders}
    if isinstance(before, Alias) and isinstance(after, Alias):
        return set(before.targets) - set(after.targets)
    return set()


def order_key(change: Change, gone: frozenset[str] = frozenset()) -> tuple[int, str, int, int, str, str]:
    obj = change.obj
    # removals undo dependencies: forwarding before alias before mailbox
    within = -obj.ORDER if change.action is Action.REMOVE else obj.ORDER
    unit = departure_step(change, gone)
    if unit is not None:
        return (DEPARTURES, unit[0], unit[1], within, obj.KIND, obj.key)
    return (phase_of(change), "", 0, within, obj.KIND, obj.key)


def plan_order(changes: Iterable[Change], gone: frozenset[str] = frozenset()) -> list[Change]:
    """``changes`` in the order a plan shows and an apply runs them."""
    return sorted(changes, key=lambda c: order_key(c, gone))
