"""Writing aliases. One target that is an account of the organization: one of its email aliases
(``mode: addEmailAlias`` / ``deleteEmailAlias`` on ``…/accounts/{zuid}``). Several targets, or a
target that is a group: a group anyone may write to, with ``[mailplan alias=1]`` in its description
so that it reads back as an alias. Targets outside the organization are refused by validate."""

from __future__ import annotations

from mailplan.model.change import Change
from mailplan.model.objects import Alias, Group
from mailplan.providers.mail.marks import with_note
from mailplan.providers.mail.zoho import accounts as acc
from mailplan.providers.mail.zoho import groupdata as gd
from mailplan.providers.mail.zoho.directory import Directory
from mailplan.providers.mail.zoho.groups import Groups


class Aliases:
    def __init__(self, directory: Directory, groups: Groups) -> None:
        self.directory = directory
        self.client = directory.client
        self.groups = groups

    def apply(self, change: Change) -> str:
        before = change.before if isinstance(change.before, Alias) else None
        after = change.after if isinstance(change.after, Alias) else None
        was_group = before is not None and before.address in self.directory.groups
        if before is not None and after is not None and was_group and not self._of_one_account(after):
            self.groups.set_members(after.address, before.targets, after.targets)
            return "updated"
        if before is not None:
            if was_group:
                self.groups.delete(before.address)
            else:
                self._edit(before.targets[0], "deleteEmailAlias", before.address)
        if after is not None:
            if self._of_one_account(after):
                self._edit(after.targets[0], "addEmailAlias", after.address)
            else:
                group = Group(address=after.address, name=f"{after.address} [alias]", members=after.targets)
                self.groups.create(group, with_note("", gd.ALIAS_NOTE))
        return change.action.value + "d"

    def _of_one_account(self, alias: Alias) -> bool:
        return len(alias.targets) == 1 and alias.targets[0] not in self.directory.groups

    def _edit(self, owner: str, mode: str, alias: str) -> None:
        account = self.directory.account(owner)
        zuid = acc.ident(account.get("zuid"))
        body = {"mode": mode, "zuid": account["zuid"], "emailAlias": [alias]}
        self.client.call("PUT", f"{self.client.org}/accounts/{zuid}", body=body)
        present = mode == "addEmailAlias"
        self.directory.refreshed(owner, lambda a: (alias in acc.aliases(a)) == present, f"the alias {alias}")
