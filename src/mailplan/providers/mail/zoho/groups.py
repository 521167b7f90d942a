"""Writing Zoho groups: create (or adopt), members added and removed, who may post, delete.

Create is ``POST …/groups`` (``emailId``, ``name``, ``groupDescription`` with mailplan's note,
``accessType``, ``mailGroupMemberList``); members change with ``mode: addMailGroupMember`` /
``deleteMailGroupMember``; who may post with ``mode: updateMailGroupAdvOptions`` (``accessType`` and
``groupAdminSettings.holdOrBounce``). The API documents no rename: a new name is a console step.
Members are the organization's accounts and groups; an outside member needs an invitation the
API does not document, so validate refuses it."""

from __future__ import annotations

from typing import Any

from mailplan.model.change import Action, Change
from mailplan.model.objects import Group, PostPolicy
from mailplan.providers.base import NotSupported, ProviderError
from mailplan.providers.mail.marks import with_note
from mailplan.providers.mail.zoho import groupdata as gd
from mailplan.providers.mail.zoho.client import ZohoError
from mailplan.providers.mail.zoho.directory import Directory


class Groups:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.client = directory.client

    def apply(self, change: Change) -> str:
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Group)
            return self.delete(change.before.address)
        group = change.after
        assert isinstance(group, Group)
        self._check(group)
        if change.action is Action.CREATE:
            return self.create(group, with_note(""))
        before = change.before
        assert isinstance(before, Group)
        done = self.set_members(group.address, before.members, group.members)
        if before.post_policy != group.post_policy:
            self._set_policy(group.address, group.post_policy)
            done += f", post: {group.post_policy}"
        return done

    def _check(self, group: Group) -> None:
        if group.owners:
            raise NotSupported(f"group {group.address}: Zoho groups have moderators, not owners; remove `owners`")
        if group.post_policy not in gd.ACCESS_TYPE:
            raise NotSupported(f"group {group.address}: no Zoho access type lets only listed senders post")
        if not group.members:
            raise ProviderError(f"group {group.address}: Zoho needs at least one member")

    # the group's own calls

    def path(self, address: str) -> str:
        return f"{self.client.org}/groups/{gd.zgid(self.details(address))}"

    def details(self, address: str) -> dict[str, Any]:
        """The group of ``address`` as the read found it, or listed again (one created a moment ago)."""
        if address not in self.directory.groups:
            self.directory.eventually(lambda: self._listed(address), f"the group {address}")
        return self.directory.groups[address]

    def _listed(self, address: str) -> dict[str, Any]:
        listing = self.client.call("GET", f"{self.client.org}/groups") or {}
        for entry in listing.get("groups") or [] if isinstance(listing, dict) else []:
            if isinstance(entry, dict) and gd.address(entry) == address:
                self.directory.groups[address] = entry
                return entry
        raise ZohoError(f"no group {address} listed (yet)", status=404)

    def create(self, group: Group, description: str) -> str:
        body = {
            "emailId": group.address,
            "name": group.name,
            "groupDescription": description,
            "accessType": gd.ACCESS_TYPE[group.post_policy],
            "mailGroupMemberList": [{"memberEmailId": m, "role": "member"} for m in group.members],
        }
        try:
            created = self.directory.eventually(
                lambda: self.client.call("POST", f"{self.client.org}/groups", body=body),
                f"the members of {group.address}",
            )
        except ZohoError:
            try:
                existing = self._listed(group.address)
            except ZohoError:
                existing = None
            if existing is None:
                raise
            # there already: adopt it as the config describes it (its description stays as it was)
            have = gd.members({**existing, **(self.client.call("GET", self.path(group.address)) or {})})
            self.set_members(group.address, have, group.members)
            self._set_policy(group.address, group.post_policy)
            return "adopted existing group"
        if isinstance(created, dict) and gd.zgid(created):
            self.directory.groups[group.address] = created
        if group.post_policy == "members":
            self._set_policy(group.address, "members")  # bounce, not hold, what others send
        return "created"

    def set_members(self, address: str, have: tuple[str, ...], want: tuple[str, ...]) -> str:
        added = sorted(set(want) - set(have))
        removed = sorted(set(have) - set(want))
        if added:
            body = {
                "mode": "addMailGroupMember",
                "mailGroupMemberList": [{"memberEmailId": m, "role": "member"} for m in added],
            }
            self.directory.eventually(lambda: self.client.call("PUT", self.path(address), body=body),
                                      f"the new members of {address}")  # fmt: skip
        if removed:
            body = {"mode": "deleteMailGroupMember", "mailGroupMemberList": [{"memberEmailId": m} for m in removed]}
            self.client.call("PUT", self.path(address), body=body)
        return f"members +{len(added)} -{len(removed)}"

    def _set_policy(self, address: str, policy: PostPolicy) -> None:
        body = {
            "mode": "updateMailGroupAdvOptions",
            "accessType": gd.ACCESS_TYPE[policy],
            "groupAdminSettings": {"holdOrBounce": "reject"},
        }
        self.directory.eventually(lambda: self.client.call("PUT", self.path(address), body=body), f"group {address}")

    def delete(self, address: str) -> str:
        try:
            path = self.path(address)
        except ZohoError:
            return "already deleted"
        self.client.call("DELETE", path)
        self.directory.groups.pop(address, None)
        return "deleted"
