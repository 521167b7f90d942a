"""Google groups and aliases. A Google alias belongs to exactly one user or group of the tenant,
so an alias with several targets, or one outside the tenant, is held by a group marked as an
alias's (``codec.ALIAS_NOTE``). Who may post is the Groups Settings API's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailplan.model.change import Change
from mailplan.model.objects import Alias, Group, domain_of
from mailplan.providers.http import ApiError

from . import codec
from .api import exists_already, fail, not_found
from .directory import DirectoryApi
from .reader import Reader


class Groups:
    def __init__(self, directory: DirectoryApi, reader: Reader) -> None:
        self.directory = directory
        self.reader = reader
        self.domains: set[str] | None = None  # every domain and domain alias of the tenant, as last read

    # aliases

    def _alias_call(self, method: str, target: str, suffix: str, body: Any = None) -> None:
        """An alias call on the user ``target``, or on the group when no such user exists."""
        try:
            self.directory.call(method, f"users/{target}/aliases{suffix}", body, fresh=target)
        except ApiError as exc:
            if not not_found(exc):
                raise
            try:
                self.directory.call(method, f"groups/{target}/aliases{suffix}", body, fresh=target)
            except ApiError as exc2:
                if not_found(exc2) and method != "DELETE":
                    raise fail(f"alias target {target} is neither a user nor a group of this Google tenant") from None
                if not not_found(exc2):
                    raise

    def tenant_domains(self) -> set[str]:
        if self.domains is None:
            self.domains = self.reader.tenant_domains()
        return self.domains

    def as_group(self, alias: Alias | None) -> Group | None:
        """The group that holds ``alias`` when a Google alias cannot: several targets, or one outside
        the tenant (a Google alias belongs to exactly one user or group of the tenant)."""
        if alias is None:
            return None
        if len(alias.targets) == 1 and domain_of(alias.targets[0]) in self.tenant_domains():
            return None
        return codec.alias_group(alias)

    def alias(self, change: Change) -> str:
        before = change.before if isinstance(change.before, Alias) else None
        after = change.after if isinstance(change.after, Alias) else None
        group_before, group_after = self.as_group(before), self.as_group(after)
        if group_before or group_after:
            if before is not None and group_before is None:
                self._alias_call("DELETE", before.targets[0], f"/{before.address}")
            self._write_group(group_before, group_after, codec.ALIAS_NOTE)
            if after is None or group_after is not None:
                return "alias removed" if after is None else "alias set (as a group)"
            before = None  # the group is gone; the plain alias is added below
        if before is not None and (after is None or before.targets != after.targets):
            self._alias_call("DELETE", before.targets[0], f"/{before.address}")
        if after is not None and (before is None or before.targets != after.targets):
            try:
                self._alias_call("POST", after.targets[0], "", {"alias": after.address})
            except ApiError as exc:
                if not exists_already(exc):
                    raise
                return "alias already there (adopted)"
        return "alias removed" if after is None else "alias set"

    # groups

    def group(self, change: Change) -> str:
        before = change.before if isinstance(change.before, Group) else None
        after = change.after if isinstance(change.after, Group) else None
        return self._write_group(before, after, codec.group_note(after) if after else {})

    def _write_group(self, before: Group | None, group: Group | None, note: Mapping[str, str]) -> str:
        call = self.directory.call
        if group is None:
            assert before is not None
            call("DELETE", f"groups/{before.address}")
            return "group deleted"
        if group.post_policy not in codec.POST_TO_GOOGLE:
            raise fail(
                f"group {group.address}: Google cannot let only the listed senders post (every member may post, "
                "or only the group's managers, who also manage it); use post: members, or post: organization"
            )
        wanted = codec.member_entries(group)
        if before is None:
            body = {"email": group.address, "name": group.name, "description": codec.with_note("", note)}
            try:
                call("POST", "groups", body)
                self.directory.created("groups", group.address)
            except ApiError as exc:
                if not exists_already(exc):
                    raise
                call("PATCH", f"groups/{group.address}", {"name": group.name, "description": body["description"]})
        elif before.name != group.name or codec.group_note(before) != note:
            patch = {"name": group.name, "description": codec.with_note("", note)}
            call("PATCH", f"groups/{group.address}", patch, fresh=group.address)
        if before is None or before.post_policy != group.post_policy:
            settings = {"whoCanPostMessage": codec.POST_TO_GOOGLE[group.post_policy]}
            fresh = group.address in self.directory.fresh
            api = self.directory.api
            api.call("groupssettings", "PATCH", group.address, params={"alt": "json"}, body=settings, fresh=fresh)
        have = codec.member_entries(before) if before else {}
        self._sync_members(group.address, have, wanted)
        return "group created" if before is None else "group updated"

    def _sync_members(
        self, group: str, have: Mapping[str, tuple[str, str]], wanted: Mapping[str, tuple[str, str]]
    ) -> None:
        call = self.directory.call
        base = f"groups/{group}/members"
        for email in sorted(set(have) - set(wanted)):
            try:
                call("DELETE", f"{base}/{email}")
            except ApiError as exc:
                if not not_found(exc):
                    raise
        for email, (role, delivery) in sorted(wanted.items()):
            if have.get(email) == (role, delivery):
                continue
            body = {"email": email, "role": role, "delivery_settings": delivery}
            if email in have:
                call("PATCH", f"{base}/{email}", body)
                continue
            try:  # a member created moments ago may not be visible yet (404 memberKey): waited for
                call("POST", base, body, fresh=group if group in self.directory.fresh else email)
            except ApiError as exc:
                if not exists_already(exc):
                    raise
                call("PATCH", f"{base}/{email}", body)
