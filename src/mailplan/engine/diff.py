"""Diff desired against observed, per provider, into ordered changes.

The order follows the handover a departing person needs (design notes):
structure → preserve → addressing → hand over → cut access → clean up. The
structure (domains, mailboxes) comes first so that what preserves a mailbox
(a hold, the archive copy) has its mailbox, even one created already departed.
Each step is its own change, so a run that fails part-way leaves a plan that
finishes the rest.
"""

from __future__ import annotations

from collections.abc import Mapping

from mailplan import notes
from mailplan.dns.equality import only_form_differs
from mailplan.model.change import Action, Change
from mailplan.model.objects import Delegation, Domain, Group, Hold, Mailbox, MailObject, Record
from mailplan.model.plan import Unmanaged
from mailplan.model.state import Observed, State

# Phases, in the order they run.
STRUCTURE, PRESERVE, ADDRESSING, HANDOVER, CUT_ACCESS, CLEANUP = range(6)

# The tag DNS providers give TXT values mailplan does not own (site verification...).
OTHER_TAG = "other"
PRESERVE_KINDS = frozenset({"archive", "hold"})  # before the handover and the freeze
HANDOVER_KINDS = frozenset({"forwarding", "autoreply", "delegation"})
# Kinds whose loss would lose mail or accounts: never removed by a plain diff.
PROTECTED_KINDS = frozenset({Mailbox.KIND, Domain.KIND})


def phase_of(change: Change) -> int:
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


def order_key(change: Change) -> tuple[int, int, str, str]:
    obj = change.obj
    # removals undo dependencies: forwarding before alias before mailbox
    within = -obj.ORDER if change.action is Action.REMOVE else obj.ORDER
    return (phase_of(change), within, obj.KIND, obj.key)


def diff_provider(
    provider: str, desired: State, observed: Observed, deletions: frozenset[str] = frozenset()
) -> tuple[list[Change], list[Unmanaged], list[MailObject]]:
    """Changes for one provider, the unmanaged objects, and managed protected objects the config dropped.

    ``deletions`` are mailbox addresses whose retention has passed: their
    removal is proposed (the gate and ``--allow-delete`` decide if it runs).
    """
    changes: list[Change] = []
    unmanaged: list[Unmanaged] = []
    orphans: list[MailObject] = []
    have = observed.state
    for obj in desired:
        current = have.get(obj.ident)
        if current is None:
            changes.append(Change(Action.CREATE, provider, None, obj, "in the config, not yet on the provider"))
        elif _same_meaning(current, obj):
            continue
        elif current != obj:
            changes.append(Change(_update_action(current, obj), provider, current, obj, _reason(current, obj)))
    for obj in have:
        if obj.ident in desired:
            continue
        if obj.ident not in observed.managed:
            if _worth_reporting(obj, desired):
                unmanaged.append(Unmanaged(provider, obj))
        elif isinstance(obj, Mailbox) and obj.address in deletions:
            changes.append(Change(Action.REMOVE, provider, obj, None, "its retention period has ended"))
        elif obj.KIND in PROTECTED_KINDS:
            orphans.append(obj)
        elif mailbox_of(obj) in deletions:
            changes.append(Change(Action.REMOVE, provider, obj, None, "goes with its mailbox (retention ended)"))
        else:
            changes.append(Change(Action.REMOVE, provider, obj, None, "no longer in the config"))
    return changes, unmanaged, orphans


def _same_meaning(live: MailObject, wanted: MailObject) -> bool:
    """A record whose live values say what the config's say, written another way: no change, a note."""
    if not (isinstance(live, Record) and isinstance(wanted, Record)) or live.ttl != wanted.ttl:
        return False
    if not only_form_differs(wanted.rtype, live.values, wanted.values):
        return False
    notes.note(
        f"{wanted.fqdn} {wanted.rtype}: the live value {' | '.join(live.values)!r} means what the config's "
        f"{' | '.join(wanted.values)!r} means (only tag order, case, spacing or separators differ); it is left as it is"
    )
    return True


def mailbox_of(obj: MailObject | None) -> str | None:
    """The mailbox a right on it or its hold belongs to: they go when it goes, and stay while it stays."""
    if isinstance(obj, Delegation):
        return obj.mailbox
    return obj.address if isinstance(obj, Hold) else None


def _worth_reporting(obj: MailObject, desired: State) -> bool:
    """Every unmanaged mail object is reported; of a zone, only rrsets of the kind mailplan manages there.

    A zone holds SOA, NS, web records and verification TXT values that are
    simply not mail's business; listing them would bury what matters.
    """
    if not isinstance(obj, Record):
        return True
    if obj.tag == OTHER_TAG:
        return False
    return any(
        isinstance(d, Record) and (d.zone, d.name, d.rtype) == (obj.zone, obj.name, obj.rtype) for d in desired
    )


def _update_action(before: MailObject, after: MailObject) -> Action:
    if isinstance(before, Mailbox) and isinstance(after, Mailbox) and before.frozen != after.frozen:
        return Action.FREEZE if after.frozen else Action.UNFREEZE
    return Action.UPDATE


def _reason(before: MailObject, after: MailObject) -> str:
    if isinstance(after, Mailbox) and isinstance(before, Mailbox) and before.frozen != after.frozen:
        return "left the organization" if after.frozen else "back in the organization"
    return "differs from the config"


def diff_all(
    desired: Mapping[str, State],
    observed: Mapping[str, Observed],
    deletions: Mapping[str, tuple[str, ...]] | None = None,
) -> tuple[list[Change], list[Unmanaged], dict[str, list[MailObject]]]:
    changes: list[Change] = []
    unmanaged: list[Unmanaged] = []
    orphans: dict[str, list[MailObject]] = {}
    for provider in sorted(desired):
        found = observed.get(provider, Observed(State()))
        c, u, o = diff_provider(provider, desired[provider], found, frozenset((deletions or {}).get(provider, ())))
        changes += c
        unmanaged += u
        if o:
            orphans[provider] = o
    changes.sort(key=order_key)
    return changes, unmanaged, orphans
