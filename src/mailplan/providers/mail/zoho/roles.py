"""Admin roles. Zoho has three roles: member, admin and super_admin (one per organization, its owner,
given and taken only by itself in the console). mailplan's ``super`` (administers everything) is
Zoho's Administrator, which "can manage all aspects of the organization except for the exclusive
privileges of the super administrator" (Zoho Mail help, roles and privileges); both Zoho roles read
as ``super``. ``mode: changeRole`` (``PUT …/accounts``, ``userList`` of zuids) sets only member or
admin.

Zoho has no administrator limited to departments. mailplan never grants the organization-wide role
in its place: a department admin is a console step, and one who is an Administrator now is made a
User (the narrower right) with the step saying so."""

from __future__ import annotations

from mailplan.model.change import Change
from mailplan.model.objects import AdminRole
from mailplan.providers.mail.zoho import accounts as acc
from mailplan.providers.mail.zoho.directory import Directory


class AdminRoles:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.client = directory.client

    def live_role(self, address: str) -> str:
        account = self.directory.find(address)
        return acc.role(account) if account is not None else "member"

    def wholly_manual(self, change: Change) -> bool:
        """Nothing the API can do: a department admin who holds no Zoho role to take away, or a change
        of the super administrator."""
        after = change.after if isinstance(change.after, AdminRole) else None
        live = self.live_role(change.key)
        if live == "super_admin":
            return after is None or after.level != "super"
        return after is not None and after.level == "department" and live == "member"

    def apply(self, change: Change) -> str:
        after = change.after if isinstance(change.after, AdminRole) else None
        want = "admin" if after is not None and after.level == "super" else "member"
        live = self.live_role(change.key)
        if live == want or live == "super_admin":
            return f"already {live}"
        account = self.directory.account(change.key)
        body = {"mode": "changeRole", "role": want, "userList": [account["zuid"]]}
        self.client.call("PUT", f"{self.client.org}/accounts", body=body)
        self.directory.refreshed(change.key, lambda a: acc.role(a) == want, f"{change.key} as {want}")
        return f"role {want}"
