"""``contacts:``: customer companies, their addresses by role, and the salesperson who owns each.

Checked like the rest of the file, every problem at its ``file:line:col``: an address must be a
valid outside address (a customer's, not one of ours), appear once in the whole section, and the
owner must be a person of the organization. A company listed twice is refused too: its addresses
would be split between two address-book entries with possibly two owners.
"""

from __future__ import annotations

from mailplan.config.addresses import AddressError, external_address, reason, to_unicode
from mailplan.config.claims import Claims
from mailplan.config.entries import CustomerEntry
from mailplan.config.source import NodePath
from mailplan.i18n import Msg


def resolve_contacts(r: Claims) -> tuple[CustomerEntry, ...]:
    out: list[CustomerEntry] = []
    companies: dict[str, NodePath] = {}
    addresses: dict[str, tuple[str, NodePath]] = {}
    for i, spec in enumerate(r.doc.contacts):
        path: NodePath = ("contacts", i)
        key = " ".join(spec.company.casefold().split())
        if key in companies:
            r.fail(Msg("customer {company} is listed twice (first at {first})", company=repr(spec.company),
                       first=str(r.where.at(companies[key]))),
                   (*path, "company"), Msg("list each company once, with all its addresses"))
        companies.setdefault(key, path)
        owner = r.person_ref(spec.owner, (*path, "owner"), "owner")
        found: list[tuple[str, str, str]] = []
        for j, entry in enumerate(spec.addresses):
            where: NodePath = (*path, "addresses", j, "address")
            address = _customer_address(r, entry.address, where)
            if address is None:
                continue
            if address in addresses:
                company, first = addresses[address]
                r.fail(Msg("customer address {address} is listed twice: also for {company} ({first})",
                           address=address, company=repr(company), first=str(r.where.at(first))),
                       where, Msg("an address belongs to one company; remove one of the two"))
                continue
            addresses[address] = (spec.company, where)
            found.append((entry.role, address, entry.name or ""))
        if owner is not None:
            out.append(CustomerEntry(spec.company, owner, tuple(found), spec.note, i, r.where.at(path)))
    return tuple(out)


def _customer_address(r: Claims, written: str, where: NodePath) -> str | None:
    try:
        address = external_address(written)
    except AddressError as exc:
        r.fail(reason(exc), where, Msg("write the customer's full address, e.g. inquiry@customer.example"))
        return None
    domain = address.rpartition("@")[2]
    if domain in r.domains:
        r.fail(Msg("{address} is an address of the organization ({domain}), not a customer's", address=written,
                   domain=to_unicode(domain)),
               where, Msg("contacts: lists customers' own addresses; staff are in people:"))
        return None
    return address
