"""Diff desired against observed, per provider, into changes in plan order (``engine/order.py``).

Each step of a departure is its own change, so a run that fails part-way leaves a plan that
finishes the rest.
"""

from __future__ import annotations

from collections.abc import Mapping

from mailplan import notes
from mailplan.dns.equality import only_form_differs
from mailplan.engine.order import leavers, order_key, phase_of, plan_order
from mailplan.i18n import N_, Msg
from mailplan.model.change import Action, Change
from mailplan.model.objects import Delegation, Domain, Hold, Mailbox, MailObject, Record
from mailplan.model.plan import Unmanaged
from mailplan.model.state import Observed, State

# The tag DNS providers give TXT values mailplan does not own (site verification...).
OTHER_TAG = "other"
# Kinds whose loss would lose mail or accounts: never removed by a plain diff.
PROTECTED_KINDS = frozenset({Mailbox.KIND, Domain.KIND})

__all__ = ["OTHER_TAG", "PROTECTED_KINDS", "diff_all", "diff_provider", "mailbox_of", "order_key", "phase_of"]


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
            changes.append(Change(Action.CREATE, provider, None, obj, N_("in the config, not yet on the provider")))
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
            changes.append(Change(Action.REMOVE, provider, obj, None, N_("its retention period has ended")))
        elif obj.KIND in PROTECTED_KINDS:
            orphans.append(obj)
        elif mailbox_of(obj) in deletions:
            changes.append(Change(Action.REMOVE, provider, obj, None, N_("goes with its mailbox (retention ended)")))
        else:
            changes.append(Change(Action.REMOVE, provider, obj, None, N_("no longer in the config")))
    return changes, unmanaged, orphans


def _same_meaning(live: MailObject, wanted: MailObject) -> bool:
    """A record whose live values say what the config's say, written another way: no change, a note."""
    if not (isinstance(live, Record) and isinstance(wanted, Record)) or live.ttl != wanted.ttl:
        return False
    if not only_form_differs(wanted.rtype, live.values, wanted.values):
        return False
    shown_live, shown_wanted = repr(" | ".join(live.values)), repr(" | ".join(wanted.values))
    notes.note(Msg(
        "{name} {rtype}: the live value {live} means what the config's {wanted} means (only tag order, case, "
        "spacing or separators differ); it is left as it is",
        name=wanted.fqdn, rtype=wanted.rtype, live=shown_live, wanted=shown_wanted,
    ))  # fmt: skip
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
        return N_("left the organization") if after.frozen else N_("back in the organization")
    return N_("differs from the config")


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
    return plan_order(changes, leavers(desired)), unmanaged, orphans
