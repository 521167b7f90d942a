"""Which change needs which: so that a failed change skips only what depends on it.

Objects name each other by address, department and domain (``names_needed``). A
change depends on an earlier change of the same plan when:

1. it newly refers to a name the earlier one creates (a group member created in
   this run, an alias's new target, a mailbox's new department);
2. it removes an object that the earlier change stops referring to (a mailbox
   goes only once the aliases, forwardings and grants on it are gone; a domain
   only once everything in it is);
3. it removes an object referring to one the earlier change removes (a hold is
   released only once its mailbox went: while the mailbox stays, so does the hold).

The freeze is the exception that matters (docs/reliability.md): cutting access
waits for nothing a departure adds for convenience — not the hold, not the
auto-reply, not the successor's read access or send-as, not the forwarding —
because mailplan's freeze deletes nothing and, on every provider that does not
say otherwise, the frozen mailbox keeps receiving. It waits only where freezing
first would lose mail: on a provider whose frozen mailbox refuses new mail
(``Provider.FREEZE_STOPS_DELIVERY``), the freeze waits for the forwarding to the
successor, and a rehired mailbox's forwarding is removed only once it is unfrozen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from mailplan.model.change import Action, Change
from mailplan.model.objects import (
    AdminRole,
    Alias,
    ArchiveRule,
    AutoReply,
    Delegation,
    Department,
    Domain,
    Forwarding,
    Group,
    Hold,
    Mailbox,
    MailObject,
    Record,
)

Name = tuple[str, str]  # ("address" | "department" | "domain", value)


def names_needed(obj: MailObject | None) -> frozenset[Name]:
    """The names ``obj`` refers to, which must exist for it to be written."""
    if obj is None or isinstance(obj, Record):
        return frozenset()  # DNS records name no mail object
    addresses: list[str] = []
    departments: list[str] = []
    if isinstance(obj, Mailbox):
        departments += [obj.department] if obj.department else []
    elif isinstance(obj, Alias):
        addresses += obj.targets
    elif isinstance(obj, Group):
        addresses += [*obj.members, *obj.owners, *(s for s in obj.senders if not s.startswith("@"))]
    elif isinstance(obj, Forwarding):
        addresses += [obj.address, *obj.targets]
    elif isinstance(obj, (AutoReply, Hold)):
        addresses.append(obj.address)
    elif isinstance(obj, Delegation):
        addresses += [obj.mailbox, obj.grantee]
    elif isinstance(obj, AdminRole):
        addresses.append(obj.address)
        departments += obj.departments
    elif isinstance(obj, Department):
        addresses += [obj.manager] if obj.manager else []
        departments += [obj.parent] if obj.parent else []
    elif isinstance(obj, ArchiveRule):
        addresses.append(obj.copy_to)
    found = {("address", a) for a in addresses} | {("department", d) for d in departments}
    if not isinstance(obj, Domain):
        found.add(("domain", obj.domain))
    elif obj.alias_of:
        found.add(("domain", obj.alias_of))
    return frozenset(found)


def names_of(obj: MailObject | None) -> frozenset[Name]:
    """The names ``obj`` makes exist (what other objects refer to it by)."""
    if isinstance(obj, (Mailbox, Group, Alias)):
        return frozenset({("address", obj.address)})
    if isinstance(obj, Department):
        return frozenset({("department", obj.name)})
    if isinstance(obj, Domain):
        return frozenset({("domain", obj.name)})
    return frozenset()


def dependencies(
    changes: Sequence[Change], stops_delivery: Callable[[str], bool] = lambda provider: False
) -> list[list[int]]:
    """For each change (by index), the indexes of the earlier changes it needs.

    ``stops_delivery(provider)`` says whether that provider's frozen mailbox refuses new mail.
    Earlier changes are indexed by the names they create, let go of and remove, so a plan of
    thousands of changes is looked through once.
    """
    creates: dict[Name, list[int]] = defaultdict(list)  # rule 1
    lets_go: dict[Name, list[int]] = defaultdict(list)  # rule 2
    removes: dict[Name, list[int]] = defaultdict(list)  # rule 3
    delivery: dict[tuple[str, str], list[int]] = defaultdict(list)  # (provider, address): forwarding / unfreeze
    needed: list[list[int]] = []
    for i, change in enumerate(changes):
        found: set[int] = set()
        if change.action is Action.REMOVE:
            for name in names_of(change.before):
                found.update(lets_go[name])
            for name in names_needed(change.before):
                found.update(removes[name])
        elif change.action is not Action.MANUAL:
            for name in names_needed(change.after) - names_needed(change.before):
                found.update(creates[name])
        if stops_delivery(change.provider):
            found.update(_delivery_waits(change, delivery))
        needed.append(sorted(found))
        _index(i, change, creates, lets_go, removes, delivery)
    return needed


def _delivery_waits(change: Change, delivery: dict[tuple[str, str], list[int]]) -> list[int]:
    """On a provider whose frozen mailbox refuses new mail: a freeze waits for its forwarding, and a
    forwarding is removed only after its mailbox was unfrozen."""
    if change.action is Action.FREEZE or (change.action is Action.REMOVE and isinstance(change.before, Forwarding)):
        return delivery[(change.provider, change.key)]
    return []


def _index(
    i: int,
    change: Change,
    creates: dict[Name, list[int]],
    lets_go: dict[Name, list[int]],
    removes: dict[Name, list[int]],
    delivery: dict[tuple[str, str], list[int]],
) -> None:
    if change.action is Action.MANUAL:
        return  # a person makes it; the API call of what follows decides for itself
    if change.action is Action.CREATE:
        for name in names_of(change.after):
            creates[name].append(i)
    for name in names_needed(change.before) - names_needed(change.after):
        lets_go[name].append(i)
    if change.action is Action.REMOVE:
        for name in names_of(change.before):
            removes[name].append(i)
    if isinstance(change.after, Forwarding) or change.action is Action.UNFREEZE:
        delivery[(change.provider, change.key)].append(i)
