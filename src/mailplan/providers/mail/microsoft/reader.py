"""Reading a Microsoft 365 tenant through Graph, in as few calls as it allows.

Calls: 1 token + 1 domain list + ⌈users/999⌉ user pages + 1 administrative-unit list
+ ⌈groups/999⌉ group pages + per mail-enabled group in scope (members + owners) + 2 role
assignment lists. Automatic replies have no list across mailboxes: they are read (1 call each)
only for mailboxes mailplan wrote one to, or runs as functional or disabled. A user without a
licence, or disabled, that is not a person mailplan made may be a shared mailbox (which usually has
no licence): its ``mailboxSettings/userPurpose`` is read (1 call each;
https://learn.microsoft.com/graph/api/resources/mailboxsettings).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mailplan.model.objects import (
    AdminRole,
    Alias,
    AutoReply,
    Department,
    Domain,
    Group,
    Mailbox,
    MailObject,
    domain_of,
)
from mailplan.model.state import Findings, Observed
from mailplan.providers.http import ApiError

from . import codec
from .api import GraphApi

GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"  # "Global Administrator" role template id
# userType only comes back when selected: without it guests would pass for mailboxes.
USER_FIELDS = (
    "id,userPrincipalName,mail,displayName,accountEnabled,proxyAddresses,department,"
    "onPremisesExtensionAttributes,userType,assignedLicenses"
)
GROUP_FIELDS = "id,displayName,mail,mailEnabled,securityEnabled,groupTypes,proxyAddresses,description"
MEMBER_FIELDS = "id,mail,userPrincipalName"


@dataclass
class Tenant:
    """Ids the writes need: address -> object id, department -> administrative unit id."""

    users: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    domains: set[str] = field(default_factory=set)
    default_domain: str = ""
    # mail-enabled groups that are not Microsoft 365 groups: read-only in Graph, changed in Exchange
    distribution_lists: set[str] = field(default_factory=set)
    shared: set[str] = field(default_factory=set)  # shared mailboxes (Exchange's, used through FullAccess)


Add = Callable[[MailObject, bool], None]


class Reader:
    def __init__(self, api: GraphApi, department_role: str) -> None:
        self.api = api
        self.department_role = department_role

    def list_units(self) -> list[dict[str, Any]]:
        params = {"$select": "id,displayName,description", "$top": 999}
        return list(self.api.pages("directory/administrativeUnits", params))

    def list_domains(self) -> list[dict[str, Any]]:
        return list((self.api.call("GET", "domains") or {}).get("value") or [])

    def read(self, domains: Sequence[str]) -> tuple[Observed, Tenant]:
        scope = {codec.address(d) for d in domains}
        found = Findings()
        add = found.add

        tenant = Tenant()
        org_domain = self._domains(scope, domains, tenant, add)
        self._units(org_domain, tenant, add)
        users = list(self.api.pages("users", {"$select": USER_FIELDS, "$top": 999}))
        for user in users:
            tenant.users[codec.user_address(user)] = str(user["id"])
        for user in users:
            # Guests (outside people in groups) are no mailboxes of this tenant.
            if domain_of(codec.user_address(user)) in scope and user.get("userType") != "Guest":
                self._user(user, scope, tenant, add)
        self._groups(scope, tenant, add)
        self._admins(users, scope, tenant, add)
        return found.observed(), tenant

    def _domains(self, scope: set[str], order: Sequence[str], tenant: Tenant, add: Add) -> str:
        for dom in self.list_domains():
            name = codec.address(str(dom["id"]))
            tenant.domains.add(name)
            if dom.get("isDefault"):
                tenant.default_domain = name
            if name in scope:
                add(Domain(name=name), False)
        if tenant.default_domain in scope or not order:
            return tenant.default_domain
        return codec.address(order[0])

    def _units(self, org_domain: str, tenant: Tenant, add: Add) -> None:
        for unit in self.list_units():
            name = str(unit.get("displayName") or "")
            if not name or name in tenant.units:
                continue
            tenant.units[name] = str(unit["id"])
            title, note = codec.read_note(unit.get("description"))
            fields = note or {}
            dept = Department(
                name=name,
                org_domain=org_domain,
                title=title,
                manager=fields.get("manager"),
                parent=fields.get("parent"),
            )
            add(dept, note is not None)

    def _user(self, user: dict[str, Any], scope: set[str], tenant: Tenant, add: Add) -> None:
        primary = codec.user_address(user)
        tokens = codec.user_tokens(user)
        kind = codec.kind_of(user)
        enabled = user.get("accountEnabled") is not False
        # A shared mailbox is used through FullAccess, whether or not its sign-in is blocked (it should
        # be): only mailplan's mark says it is frozen. It usually has no licence, a person always has.
        maybe_shared = kind != "person" and (not enabled or not user.get("assignedLicenses"))
        shared = maybe_shared and self._purpose(str(user["id"])) == "shared"
        if shared:
            tenant.shared.add(primary)
        add(
            Mailbox(
                address=primary,
                name=str(user.get("displayName") or ""),
                kind="functional" if kind == "functional" or shared else "person",
                department=user.get("department") or None,
                # a freeze that stopped part-way (its mark still on) is not frozen: the next plan finishes it
                frozen=("frozen" in tokens if shared else not enabled) and codec.FREEZING not in tokens,
            ),
            kind is not None,
        )
        for alias in codec.secondary_addresses(user):
            if domain_of(alias) in scope and alias != primary:
                add(Alias(address=alias, targets=(primary,)), False)  # Exchange holds it; never mailplan's
        if tokens & {"autoreply", "functional"} or (kind and not enabled):
            self._reply(str(user["id"]), primary, "autoreply" in tokens, add)

    def _purpose(self, user_id: str) -> str:
        try:
            found = self.api.call("GET", f"users/{user_id}/mailboxSettings/userPurpose") or {}
        except ApiError as exc:
            if exc.status == 404:  # no mailbox at all: a disabled account, nothing shared
                return ""
            raise
        return str(found.get("value") or "")

    def _reply(self, user_id: str, owner: str, mine: bool, add: Add) -> None:
        try:
            setting = self.api.call("GET", f"users/{user_id}/mailboxSettings/automaticRepliesSetting") or {}
        except ApiError as exc:
            if exc.status == 404:  # no mailbox (yet): nothing to read
                return
            raise
        if setting.get("status") in ("alwaysEnabled", "scheduled"):
            subject, body = codec.reply_text(str(setting.get("externalReplyMessage") or ""))
            add(AutoReply(address=owner, subject=subject, body=body), mine)

    def _groups(self, scope: set[str], tenant: Tenant, add: Add) -> None:
        for group in self.api.pages("groups", {"$select": GROUP_FIELDS, "$top": 999}):
            if not group.get("mailEnabled") or not group.get("mail"):
                continue
            email = codec.address(str(group["mail"]))
            tenant.groups[email] = str(group["id"])
            if "Unified" not in (group.get("groupTypes") or []):
                tenant.distribution_lists.add(email)
            if domain_of(email) not in scope:
                continue
            _, note = codec.read_note(group.get("description"))
            members = self._addresses(f"groups/{group['id']}/members")
            owners = self._addresses(f"groups/{group['id']}/owners")
            # Who may post is not readable with application permissions: the note says what mailplan
            # asked a person to set in Exchange; a group without one shows as "anyone".
            post, senders = codec.posting_of(note)
            group_obj = Group(
                address=email,
                name=str(group.get("displayName") or ""),
                members=members,
                post_policy=post,
                senders=senders,
                owners=owners,
            )
            add(group_obj, note is not None)
            for alias in codec.secondary_addresses(group):
                if domain_of(alias) in scope and alias != email:
                    add(Alias(address=alias, targets=(email,)), False)

    def _addresses(self, path: str) -> tuple[str, ...]:
        found = self.api.pages(path, {"$select": MEMBER_FIELDS, "$top": 999})
        return tuple(sorted(codec.user_address(m) for m in found if m.get("mail") or m.get("userPrincipalName")))

    def assignments(self, role: str, principal: str | None = None) -> list[dict[str, Any]]:
        query = f"roleDefinitionId eq '{role}'" + (f" and principalId eq '{principal}'" if principal else "")
        return list(self.api.pages("roleManagement/directory/roleAssignments", {"$filter": query}))

    def _admins(self, users: list[dict[str, Any]], scope: set[str], tenant: Tenant, add: Add) -> None:
        by_id = {v: k for k, v in tenant.users.items()}
        unit_names = {v: k for k, v in tenant.units.items()}
        supers = {by_id.get(str(a.get("principalId"))) for a in self.assignments(GLOBAL_ADMIN)}
        departments: dict[str, set[str]] = {}
        for a in self.assignments(self.department_role):
            who = by_id.get(str(a.get("principalId")))
            unit = unit_names.get(str(a.get("directoryScopeId", "")).removeprefix("/administrativeUnits/"))
            if who and unit:
                departments.setdefault(who, set()).add(unit)
        for user in users:
            primary = codec.user_address(user)
            if domain_of(primary) not in scope:
                continue
            mine = "admin" in codec.user_tokens(user)
            if primary in supers:
                add(AdminRole(address=primary, level="super"), mine)
            elif primary in departments:
                add(
                    AdminRole(address=primary, level="department", departments=tuple(sorted(departments[primary]))),
                    mine,
                )
