"""Reading a Zoho Mail organization into neutral objects, in as few calls as the API allows:

- every account in pages of ``page_size`` (``GET …/accounts?start=&limit=``): mailboxes, their
  aliases (``emailAddress[]``) and admin roles (``role``), with no call per account;
- forwarding only of disabled accounts and of those the config forwards (a leaver whose freeze is not
  done yet), one call each (``GET /api/accounts/{accountId}``), unless the list shows it: the handover
  of a leaver is the only forwarding the config language has;
- ``GET …/groups``, and ``GET …/groups/{zgid}`` for the members and description of each group in
  scope the list does not show them of;
- ``GET …/domains/{name}`` for each domain in scope.

Zoho documents no largest page and no order. A page shorter than asked for may be the server's
own cap, so paging goes on until a page is shorter than the longest seen (or adds no account
already read); accounts are keyed by ``zuid``, so an overlap costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mailplan.model.objects import AdminRole, Alias, Domain, Forwarding, Mailbox, domain_of
from mailplan.model.state import Findings, Observed
from mailplan.providers.base import ProviderError
from mailplan.providers.mail.marks import address as normal_address
from mailplan.providers.mail.zoho import accounts as acc
from mailplan.providers.mail.zoho import groupdata as gd
from mailplan.providers.mail.zoho.client import ZohoError
from mailplan.providers.mail.zoho.directory import Directory
from mailplan.providers.mail.zoho.settings import PAGE_MAX


class Reader:
    def __init__(self, directory: Directory, page_size: int, manage_all_accounts: bool) -> None:
        self.directory = directory
        self.client = directory.client
        self.page_size = page_size
        self.manage_all_accounts = manage_all_accounts
        self.forwarded: set[str] = set()  # addresses the config forwards (``Provider.read_wanted``)

    def read(self, domains: Sequence[str]) -> Observed:
        scope = {normal_address(d) for d in domains}
        found = Findings()
        self.directory.accounts.clear()
        self.directory.groups.clear()
        for account in self.list_accounts():
            self.directory.remember(account)
            if domain_of(acc.primary(account)) in scope:
                self._account(account, scope, found)
        self._groups(scope, found)
        self._domains(sorted(scope), found)
        return found.observed()

    def list_accounts(self) -> list[dict[str, Any]]:
        by_zuid: dict[str, dict[str, Any]] = {}
        start, longest = 0, 0
        while True:
            page = self.client.call("GET", f"{self.client.org}/accounts", {"start": start, "limit": self.page_size})
            batch = [a for a in page or [] if isinstance(a, dict)] if isinstance(page, list) else []
            new = [a for a in batch if acc.ident(a.get("zuid")) not in by_zuid]
            by_zuid.update((acc.ident(a.get("zuid")), a) for a in new)
            longest = max(longest, len(batch))
            if batch and not new:
                raise ProviderError(
                    f"Zoho answered accounts already read for start={start}: it does not page past them, so "
                    f"mailplan cannot see the whole organization (set page_size to {PAGE_MAX})"
                )
            if not new or len(batch) < longest:
                return list(by_zuid.values())
            start += len(batch)

    def _account(self, account: dict[str, Any], scope: set[str], found: Findings) -> None:
        address = acc.primary(account)
        role = acc.role(account)
        # the organization's super administrator is never mailplan's: only it can change itself
        mine = self.manage_all_accounts and role != "super_admin"
        frozen = acc.disabled(account)
        found.add(Mailbox(address=address, name=acc.name(account), frozen=frozen), mine)
        for alias in acc.aliases(account):
            if domain_of(alias) in scope:
                found.add(Alias(address=alias, targets=(address,)), mine)
        if role != "member":
            found.add(AdminRole(address=address, level="super"), mine)
        if frozen or address in self.forwarded:
            self._forwarding(account, found, mine)

    def _forwarding(self, account: dict[str, Any], found: Findings, mine: bool) -> None:
        # the account's own path (``/api/accounts/{accountId}``) is where Zoho shows its forwarding,
        # unless the list already did
        details = account
        if "mailForward" not in account:
            details = self.client.call("GET", f"/api/accounts/{acc.ident(account.get('accountId'))}") or {}
        targets = sorted(t for t, (on, _) in acc.forwards(details if isinstance(details, dict) else {}).items() if on)
        if targets:
            found.add(Forwarding(address=acc.primary(account), targets=tuple(targets)), mine)

    def _groups(self, scope: set[str], found: Findings) -> None:
        listing = self.client.call("GET", f"{self.client.org}/groups") or {}
        groups = [g for g in listing.get("groups") or [] if isinstance(g, dict)] if isinstance(listing, dict) else []
        counted = listing.get("count") if isinstance(listing, dict) else None
        if isinstance(counted, int) and counted > len(groups):
            raise ProviderError(
                f"Zoho listed {len(groups)} of the {counted} groups it counts; mailplan does not plan groups "
                "it cannot see"
            )
        for entry in groups:
            if not gd.address(entry) or domain_of(gd.address(entry)) not in scope:
                continue  # a Zoho Directory group without an address, or another domain's
            group = entry
            if "mailGroupMemberList" not in entry or gd.note_key(entry) is None:  # the list did not say it all
                details = self.client.call("GET", f"{self.client.org}/groups/{gd.zgid(entry)}") or {}
                group = {**entry, **details} if isinstance(details, dict) else entry
            self.directory.groups[gd.address(group)] = group
            note = gd.note(group)
            if note == gd.ALIAS_NOTE:
                found.add(Alias(address=gd.address(group), targets=gd.members(group)), True)
            else:
                found.add(gd.as_group(group), note is not None)

    def _domains(self, scope: list[str], found: Findings) -> None:
        details: dict[str, dict[str, Any]] = {}
        for name in scope:
            try:
                answer = self.client.call("GET", f"{self.client.org}/domains/{name}")
            except ZohoError as exc:
                if exc.status in (400, 404):
                    continue  # not a domain of this organization
                raise
            if isinstance(answer, dict):
                details[name] = answer
        self.directory.domains = {name: name in details for name in scope}
        primary = next((n for n, d in details.items() if d.get("primary") and not d.get("isDomainAlias")), None)
        for name, domain in details.items():
            # A domain alias's answer does not name its target: the organization's primary domain (unverified).
            alias_of = (primary if primary != name else None) if domain.get("isDomainAlias") else None
            found.add(Domain(name=name, alias_of=alias_of), False)
