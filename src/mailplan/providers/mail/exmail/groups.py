"""Writing Exmail aliases and mail groups. An alias with one target that is a user is one of
its ``slaves`` (at most 5 per user); any other alias is a group anyone may write to, named
``<local> [alias]`` so that it reads back as an alias. A group's post policy is ``allow_type``
(with ``allow_userlist`` for "senders")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mailplan.model.change import Action, Change
from mailplan.model.objects import Alias, Group
from mailplan.providers.base import NotSupported, ProviderError
from mailplan.providers.mail.exmail import mapping as m
from mailplan.providers.mail.exmail.client import ExmailError
from mailplan.providers.mail.exmail.directory import (
    ACCOUNT_ALIAS,
    ACCOUNT_GROUP,
    ACCOUNT_INVALID,
    ACCOUNT_USER,
    Directory,
)

MAX_SLAVES = 5  # aliases per user


class Groups:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.client = directory.client

    # aliases

    def alias(self, change: Change) -> str:
        """One target that is a user: one of its ``slaves``. Several targets: a group
        anyone may write to, named ``<local> [alias]`` so that it reads back as an alias."""
        before, after = change.before, change.after
        if isinstance(before, Alias) and change.action in (Action.UPDATE, Action.REMOVE):
            if self.directory.account_types([before.address]).get(before.address) == ACCOUNT_GROUP:
                if isinstance(after, Alias) and len(after.targets) > 1:
                    self.directory.eventually(lambda: self.client.post("group/update", self._alias_group_body(after)))
                    return "updated"
                self.client.get("group/delete", groupid=before.address)
            else:
                self._edit_slaves(before.targets[0], remove=before.address)
        if isinstance(after, Alias) and change.action in (Action.CREATE, Action.UPDATE):
            kinds = self.directory.eventually(lambda: self._require_accounts(after.targets))
            if len(after.targets) == 1 and kinds[after.targets[0]] == ACCOUNT_USER:
                self._edit_slaves(after.targets[0], add=after.address)
            else:
                self._create_group(self._alias_group_body(after))
        return change.action.value + "d"

    def _alias_group_body(self, alias: Alias) -> dict[str, Any]:
        group = Group(address=alias.address, name=m.alias_group_name(alias.address), members=alias.targets)
        return self._group_body(group)

    def _edit_slaves(self, owner: str, add: str = "", remove: str = "") -> None:
        user = self.directory.eventually(lambda: self.client.get("user/get", userid=owner))
        slaves = list(m.addresses(user.get("slaves")))
        wanted = [s for s in slaves if s != remove]
        if add and add not in wanted:
            wanted.append(add)
        if len(wanted) > MAX_SLAVES:
            raise ProviderError(f"{owner} would have {len(wanted)} aliases; Exmail allows {MAX_SLAVES} per user")
        if sorted(wanted) != slaves:
            self.client.post("user/update", {"userid": owner, "slaves": sorted(wanted)})

    # groups

    def group(self, change: Change) -> str:
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Group)
            self.client.get("group/delete", groupid=change.before.address)
            return "deleted"
        group = change.after
        assert isinstance(group, Group)
        if m.is_alias_group(group.name):
            raise ProviderError(f"group {group.address}: names ending in {m.ALIAS_MARK!r} are kept for aliases")
        body = self._group_body(group)
        if change.action is Action.CREATE:
            return self._create_group(body)
        self.directory.eventually(lambda: self.client.post("group/update", body))
        return "updated"

    def _create_group(self, body: dict[str, Any]) -> str:
        try:
            self.client.post("group/create", body)
        except ExmailError:
            address = str(body["groupid"])
            if self.directory.account_types([address]).get(address) != ACCOUNT_GROUP:
                raise
            self.directory.eventually(lambda: self.client.post("group/update", body))
            return "adopted existing group"
        return "created"

    def _group_body(self, group: Group) -> dict[str, Any]:
        if group.owners:
            raise NotSupported(f"group {group.address}: Exmail groups have no owners; remove `owners`")
        if not group.members:
            raise ProviderError(f"group {group.address}: Exmail needs at least one member")
        outside = [s for s in group.senders if s.startswith("@")]
        if outside:
            raise NotSupported(f"group {group.address}: Exmail allows listed accounts only, not {outside[0]}")
        kinds = self.directory.eventually(lambda: self._require_accounts(group.members))
        body: dict[str, Any] = {
            "groupid": group.address,
            "groupname": group.name,
            "userlist": [a for a in group.members if kinds[a] != ACCOUNT_GROUP],
            "grouplist": [a for a in group.members if kinds[a] == ACCOUNT_GROUP],
            "allow_type": m.ALLOW_TYPE[group.post_policy],
        }
        if group.post_policy == "senders":
            body["allow_userlist"] = list(group.senders)
        return body

    def _require_accounts(self, addresses: Sequence[str]) -> dict[str, int]:
        """The account type of each address; refused when one is outside the company."""
        kinds = self.directory.account_types(addresses)
        outside = [a for a in addresses if kinds.get(a, ACCOUNT_INVALID) == ACCOUNT_INVALID]
        if outside:
            raise NotSupported(
                f"Exmail groups and aliases deliver to accounts of this company only, not {', '.join(outside)}"
            )
        missing = [a for a in addresses if kinds.get(a) not in (ACCOUNT_USER, ACCOUNT_ALIAS, ACCOUNT_GROUP)]
        if missing:
            # Shaped as "not found" so that a member created a moment ago gets time to appear.
            raise ExmailError(
                f"Exmail groups hold accounts of this company only; not one: {', '.join(missing)}", code="60111"
            )
        return kinds
