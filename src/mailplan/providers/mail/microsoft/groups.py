"""Microsoft 365 groups through Graph: the group, its members and owners (an outside address joins
as an invited guest). Who may post is Exchange's (``exo.py``): the group's note records what the
plan asked a person to set. Distribution lists are read-only in Graph."""

from __future__ import annotations

from typing import Any

from mailplan.model.change import Change
from mailplan.model.objects import Group, domain_of
from mailplan.providers.http import ApiError

from . import codec
from .api import exists_already, fail
from .directory import Directory


class Groups:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    def apply(self, change: Change) -> str:
        call = self.directory.call
        before = change.before if isinstance(change.before, Group) else None
        after = change.after if isinstance(change.after, Group) else None
        if after is None:
            assert before is not None
            call("DELETE", f"groups/{self.group_id(before.address)}")
            return "group deleted"
        if before is None:
            self._create(after)
        else:
            patch: dict[str, Any] = {"displayName": after.name} if before.name != after.name else {}
            if codec.group_note(before) != codec.group_note(after):
                # who may post is Exchange's; the note records what the plan asked a person to set
                patch["description"] = codec.with_note("", codec.group_note(after))
            if patch:
                call("PATCH", f"groups/{self.group_id(after.address)}", patch, fresh=after.address)
        gid = self.group_id(after.address)
        for relation, have, want in (
            ("members", before.members if before else (), after.members),
            ("owners", before.owners if before else (), after.owners),
        ):
            for address in sorted(set(have) - set(want)):
                try:
                    call("DELETE", f"groups/{gid}/{relation}/{self.directory.user_id(address)}/$ref")
                except ApiError as exc:
                    if exc.status != 404:
                        raise
            for address in sorted(set(want) - set(have)):
                self._add_ref(gid, relation, address, after.address)
        return "group created" if before is None else "group updated"

    def group_id(self, address: str) -> str:
        groups = self.directory.known().groups
        if address not in groups:
            found = self.directory.call("GET", "groups", **{"$filter": f"mail eq '{address}'", "$select": "id"})
            for group in (found or {}).get("value") or []:
                groups[address] = str(group["id"])
        if address not in groups:
            raise fail(f"group {address} not found")
        return groups[address]

    def _create(self, group: Group) -> None:
        default = self.directory.known().default_domain
        if default and domain_of(group.address) != default:
            raise fail(
                f"{group.address}: Graph gives a new Microsoft 365 group an address in the default domain "
                f"({default}); create it in Exchange instead: New-UnifiedGroup -DisplayName '{group.name}' "
                f"-PrimarySmtpAddress '{group.address}', then plan again"
            )
        body = {
            "displayName": group.name,
            "mailNickname": group.address.split("@")[0],
            "mailEnabled": True,
            "securityEnabled": False,
            "groupTypes": ["Unified"],
            "description": codec.with_note("", codec.group_note(group)),
        }
        try:
            created = self.directory.call("POST", "groups", body)
        except ApiError as exc:
            if not exists_already(exc):
                raise
            patch = {"description": body["description"]}
            self.directory.call("PATCH", f"groups/{self.group_id(group.address)}", patch)
            return
        self.directory.known().groups[group.address] = str(created["id"])
        self.directory.created(f"groups/{created['id']}", group.address)

    def _add_ref(self, gid: str, relation: str, address: str, group: str) -> None:
        try:
            member = self.directory.user_id(address)
        except ApiError as exc:
            if exc.status != 404:
                raise
            if domain_of(address) in self.directory.known().domains:
                raise fail(
                    f"{group}: {address} is not a user of this tenant (a shared mailbox is created by the "
                    "manual New-Mailbox -Shared step first; apply again once it exists)"
                ) from None
            member = self._invite(address)
        try:
            # a member created moments ago may not be replicated yet (404): waited for
            fresh = group if group in self.directory.fresh else address
            self.directory.call("POST", f"groups/{gid}/{relation}/$ref", self.directory.api.ref(member), fresh=fresh)
        except ApiError as exc:
            if not exists_already(exc):
                raise

    def _invite(self, address: str) -> str:
        """An outside address joins a Microsoft 365 group as a guest user (B2B), invited without a mail."""
        body = {
            "invitedUserEmailAddress": address,
            "inviteRedirectUrl": "https://myapps.microsoft.com",
            "sendInvitationMessage": False,
        }
        invited = self.directory.call("POST", "invitations", body)
        guest = str(invited["invitedUser"]["id"])
        self.directory.known().users[address] = guest
        self.directory.fresh.add(address)
        return guest
