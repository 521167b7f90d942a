"""Delegations and admin roles back into the language: tiers and mailbox owners.

The compiler grants rights two ways: owners of a functional mailbox read and
send as it; a tier lets a person read and/or send as every functional mailbox
of their department (sub-departments included) and may make them an admin.
A successor also reads the mailbox of the person they took over from.

Here the observed grants are split back into those: a department's manager, or
anyone holding rights on *all* of several department mailboxes, gets a tier for
what they hold on all of them; beyond that, read-and-send makes an owner (so
two colleagues sharing their department's one mailbox stay its owners rather
than becoming "managers"). Grants none of these can produce are reported, not
guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from mailplan.i18n import Msg
from mailplan.model.objects import AdminLevel, AdminRole, Delegation, Mailbox


@dataclass(frozen=True)
class TierFlags:
    admin: AdminLevel | None = None
    read: bool = False
    send: bool = False

    def __bool__(self) -> bool:
        return bool(self.admin or self.read or self.send)


@dataclass
class Grants:
    tiers: dict[str, TierFlags] = field(default_factory=dict)  # person address -> their tier
    owners: dict[str, list[str]] = field(default_factory=dict)  # functional mailbox -> owner addresses
    skipped: list[str] = field(default_factory=list)


def subtree(parents: Mapping[str, str | None], key: str) -> set[str]:
    """``key`` and every department below it."""
    out = {key}
    changed = True
    while changed:
        changed = False
        for name, parent in parents.items():
            if parent in out and name not in out:
                out.add(name)
                changed = True
    return out


def split_grants(
    people: Iterable[Mailbox],
    functional: Iterable[Mailbox],
    parents: Mapping[str, str | None],
    delegations: Iterable[Delegation],
    admins: Iterable[AdminRole],
    successors: Mapping[str, str],
    managers: Iterable[str],
) -> Grants:
    """``successors``: departed person -> who took over; ``managers``: the departments' managers."""
    grants = Grants()
    persons = {p.address: p for p in people}
    boxes = {b.address: b for b in functional}
    managing = set(managers)
    held: dict[str, dict[str, tuple[bool, bool]]] = {}
    for d in delegations:
        if successors.get(d.mailbox) == d.grantee and (d.read, d.send) == (True, False):
            continue  # the successor reads the old mail: follows from `successor:`
        if d.mailbox not in boxes:
            grants.skipped.append(Msg(
                "delegation: {grantee} may {rights} {mailbox}, a person's mailbox (the language grants rights on "
                "functional mailboxes only)", grantee=d.grantee, rights=_rights(d.read, d.send), mailbox=d.mailbox,
            ))
        elif d.grantee not in persons or persons[d.grantee].frozen:
            grants.skipped.append(Msg(
                "delegation: {grantee} may {rights} {mailbox}, but {grantee} is not a current person of this import",
                grantee=d.grantee, rights=_rights(d.read, d.send), mailbox=d.mailbox,
            ))
        elif d.read or d.send:
            held.setdefault(d.grantee, {})[d.mailbox] = (d.read, d.send)
    roles = {a.address: a for a in admins}
    for address in sorted(set(held) | set(roles)):
        person = persons.get(address)
        if person is None or person.frozen:  # only admin roles get here: delegations were checked above
            grants.skipped.append(Msg("admin role: {address} ({level}) is not a current person", address=address,
                                      level=roles[address].level))
            continue
        mine = held.get(address, {})
        dept_boxes = _department_boxes(person, boxes.values(), parents)
        if len(dept_boxes) < 2 and address not in managing:
            dept_boxes = set()  # one shared mailbox: its users are its owners
        read = bool(dept_boxes) and all(mine.get(b, (False, False))[0] for b in dept_boxes)
        send = bool(dept_boxes) and all(mine.get(b, (False, False))[1] for b in dept_boxes)
        admin = _admin_level(roles.get(address), person, parents, grants.skipped)
        flags = TierFlags(admin, read, send)
        if flags:
            grants.tiers[address] = flags
        for box, (r, s) in sorted(mine.items()):
            by_tier = (read, send) if box in dept_boxes else (False, False)
            if (r, s) == by_tier:
                continue  # the tier gives exactly this
            if r and s:
                grants.owners.setdefault(box, []).append(address)
            else:
                grants.skipped.append(Msg(
                    "delegation: {address} may only {rights} {mailbox} (owners both read and send; a tier grants it "
                    "on all of the department's mailboxes)", address=address, rights=_rights(r, s), mailbox=box,
                ))
    return grants


def _department_boxes(person: Mailbox, boxes: Iterable[Mailbox], parents: Mapping[str, str | None]) -> set[str]:
    if person.department is None:
        return set()
    tree = subtree(parents, person.department)
    return {b.address for b in boxes if b.department in tree}


def _admin_level(
    role: AdminRole | None, person: Mailbox, parents: Mapping[str, str | None], skipped: list[str]
) -> AdminLevel | None:
    if role is None:
        return None
    if role.level == "super":
        return "super"
    if person.department is None:
        skipped.append(Msg("admin role: {address} is a department admin but has no department", address=role.address))
        return None
    expected = tuple(sorted(subtree(parents, person.department)))
    if role.departments != expected:
        held = ", ".join(role.departments) or Msg("(none)")
        skipped.append(Msg(
            "admin role: {address} administers departments {held}; the language makes a department admin administer "
            "their own department and those below it ({expected})", address=role.address, held=held,
            expected=", ".join(expected),
        ))
        return None
    return "department"


def _rights(read: bool, send: bool) -> str:
    # Translators: what a delegate may do with a mailbox, inside "{grantee} may {rights} {mailbox}"
    return Msg("read and send as") if read and send else Msg("read") if read else Msg("send as")
