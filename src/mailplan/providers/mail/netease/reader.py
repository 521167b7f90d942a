"""Reading a NetEase enterprise into neutral objects: the domain, its units (departments), its accounts
(mailboxes) with their aliases, and the archive account. Managed is what carries mailplan's note.

Calls: ``domain/getDomain``, ``unit/getUnitList`` (every unit at once), ``unit/getAccountList`` over the
whole domain page by page (2000 to a page), and one ``account/getAccountAliasList`` per account: no list
answer carries aliases, so that is the fewest the API allows. An account whose list item lacks a field
the read needs (status, unit) is looked up once with ``account/getAccount``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from mailplan.model.objects import Alias, ArchiveRule, Department, Domain, Mailbox, MailObject
from mailplan.model.state import Ident, Observed, State
from mailplan.providers.mail.exmail.mapping import a_label_domain, department_key
from mailplan.providers.mail.netease import mapping as m
from mailplan.providers.mail.netease.directory import Directory


class Reader:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.client = directory.client

    def read(self, domains: Sequence[str]) -> Observed:
        domain = self.directory.domain
        if domain not in {a_label_domain(d) for d in domains}:
            return Observed(State())
        self.client.call("domain/getDomain")  # the enterprise answers for its domain: credentials and domain agree
        objects: list[MailObject] = [Domain(name=domain)]
        managed: set[Ident] = set()
        units = self.directory.units(refresh=True)
        for unit in units.values():
            dept, marked = self._department(unit, units)
            objects.append(dept)
            if marked:
                managed.add(dept.ident)
        self.directory.accounts = set()
        archives: dict[str, ArchiveRule] = {}  # scope -> rule: one archive account per domain
        for account in self._accounts():
            box, note = self._mailbox(account)
            self.directory.accounts.add(box.address)
            owner = str(account.get("account_name"))
            aliases = [Alias(address=a, targets=(box.address,)) for a in self.directory.aliases_of(owner)]
            objects += [box, *aliases]
            if note is not None:
                managed.update(o.ident for o in (box, *aliases))
                archive = self._archive(note, box.address)
                if archive is not None:
                    archives.setdefault(archive.scope, archive)
        objects += archives.values()
        managed.update(a.ident for a in archives.values())
        return Observed(State(objects), frozenset(managed))

    def _accounts(self) -> Iterator[dict[str, Any]]:
        """Every account not deleted, over the whole domain, with the fields the read needs. Pages are
        followed until ``count`` items came (NetEase's page is 2000 by a client's account; not assumed)."""
        page, seen = 1, 0
        while True:
            answer = self.client.call("unit/getAccountList", page_num=page, recuion=True) or {}
            items = [i for i in answer.get("list") or [] if isinstance(i, dict)]
            for item in items:
                if not item.get("account_name"):
                    continue
                if any(key not in item for key in m.LISTED):
                    item = self.directory.account(str(item["account_name"])) or item
                if m.as_int(item.get("status")) != m.DELETED:
                    yield item
            seen += len(items)
            if not items or seen >= m.as_int(answer.get("count")):
                return
            page += 1

    def _mailbox(self, account: dict[str, Any]) -> tuple[Mailbox, dict[str, str] | None]:
        """The account as a mailbox, and its mailplan note (None when it carries none)."""
        _, note = m.note_of(account.get("remark"))
        unit_id = str(account.get("unit_id") or "")
        box = Mailbox(
            address=self.directory.address(str(account.get("account_name"))),
            name=str(account.get("nickname") or ""),
            kind="functional" if (note or {}).get("kind") == "functional" else "person",
            department=None if m.is_default_unit(unit_id) else self.directory.key_of(unit_id),
            frozen=m.as_int(account.get("status")) == m.SUSPENDED,
        )
        return box, note

    def _department(self, unit: dict[str, Any], units: dict[str, dict[str, Any]]) -> tuple[Department, bool]:
        key, title = department_key(str(unit.get("unit_name", "")))
        parent = units.get(str(unit.get("parent_id") or ""))
        _, note = m.note_of(unit.get("unit_desc"))
        dept = Department(
            name=key,
            org_domain=self.directory.domain,
            title=title,
            manager=(note or {}).get("manager") or None,
            parent=department_key(str(parent.get("unit_name", "")))[0] if parent else None,
        )
        return dept, note is not None

    def _archive(self, note: dict[str, str], address: str) -> ArchiveRule | None:
        scope = note.get("archive")
        if not scope:
            return None
        return ArchiveRule(scope=scope, copy_to=address, retention_days=m.as_int(note.get("retention")))
