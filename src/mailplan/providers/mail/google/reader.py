"""Reading a Google Workspace tenant into neutral objects, in as few calls as the APIs allow.

Calls: 1 domain list + 1 domain-alias list + ⌈users/500⌉ user pages + 1 org-unit list
+ ⌈groups/200⌉ group pages + per group (⌈members/200⌉ member pages + 1 settings read)
+ 1 role list + the department-admin assignments + mailplan's Vault hold (1 matter list, and
the holds of its matter once it exists). Gmail settings have no list across users, so they are
read (4 calls) only for mailboxes mailplan froze, marked, or runs as functional.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mailplan.model.objects import (
    AdminRole,
    Alias,
    AutoReply,
    Delegation,
    Department,
    Domain,
    Forwarding,
    Hold,
    Mailbox,
    domain_of,
)
from mailplan.model.state import Findings, Observed
from mailplan.providers.http import ApiError

from . import codec
from .api import GoogleApi


@dataclass
class Directory:
    """The raw listings a read and the writes that follow it both need."""

    users: list[dict[str, Any]] = field(default_factory=list)
    orgunits: list[dict[str, Any]] = field(default_factory=list)
    domains: set[str] = field(default_factory=set)  # every domain and domain alias of the tenant

    def ou_by_id(self) -> dict[str, dict[str, Any]]:
        """Org units by id, without the ``id:`` prefix (role assignments name them without it)."""
        return {str(ou.get("orgUnitId", "")).removeprefix("id:"): ou for ou in self.orgunits}


def department_of(org_unit_path: str | None) -> str | None:
    path = (org_unit_path or "/").rstrip("/")
    return path.rpartition("/")[2] or None


class Reader:
    def __init__(self, api: GoogleApi, customer: str, department_role: str) -> None:
        self.api = api
        self.customer = customer
        self.department_role = department_role

    def list_orgunits(self) -> list[dict[str, Any]]:
        page = self.api.call("directory", "GET", f"customer/{self.customer}/orgunits", params={"type": "all"}) or {}
        return list(page.get("organizationUnits") or [])

    def list_users(self) -> list[dict[str, Any]]:
        params = {"customer": self.customer, "maxResults": 500, "projection": "full"}
        return list(self.api.pages("directory", "users", "users", params))

    def role_id(self) -> str | None:
        for role in self.api.pages("directory", f"customer/{self.customer}/roles", "items", {"maxResults": 100}):
            if role.get("roleName") == self.department_role:
                return str(role["roleId"])
        return None

    def read(
        self, domains: Sequence[str], held: Callable[[], list[str]] | None = None
    ) -> tuple[Observed, Directory]:
        """``held`` lists the addresses in mailplan's Vault hold (None: Vault is not used)."""
        scope = {codec.address(d) for d in domains}
        found = Findings()
        add = found.add

        directory = Directory(users=self.list_users(), orgunits=self.list_orgunits())
        org_domain = self._domains(scope, add, domains, directory)
        self._departments(directory, org_domain, add)
        users_in_scope = [u for u in directory.users if domain_of(codec.address(u["primaryEmail"])) in scope]
        by_id = {str(u.get("id")): codec.address(u["primaryEmail"]) for u in directory.users}
        grants: dict[tuple[str, str], list[bool]] = {}  # (mailbox, grantee) -> [read, send, mailplan's]
        mailboxes = {codec.address(u["primaryEmail"]) for u in users_in_scope}
        for user in users_in_scope:
            self._user(user, scope, grants, add)
        found.frozen_on.update(codec.frozen_dates(u for u in users_in_scope if "frozen" in codec.user_tokens(u)))
        for (mailbox, grantee), (read, send, mine) in sorted(grants.items()):
            if mailbox in mailboxes:  # send-as of an address that is not another mailbox is no delegation
                add(Delegation(mailbox=mailbox, grantee=grantee, read=read, send=send), mine)
        group_markers = self._groups(scope, add)
        for obj in found.objects:
            if isinstance(obj, Alias) and obj.targets[0] in group_markers:
                found.managed.add(obj.ident)
        self._admins(users_in_scope, by_id, directory, add)
        for address in held() if held else []:
            if domain_of(address) in scope:
                add(Hold(address=address), True)  # every account in mailplan's own hold is mailplan's
        return found.observed(), directory

    def list_domains(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """``(domains, domain aliases)`` of the tenant."""
        listing = self.api.call("directory", "GET", f"customer/{self.customer}/domains") or {}
        aliases = self.api.call("directory", "GET", f"customer/{self.customer}/domainaliases") or {}
        return list(listing.get("domains") or []), list(aliases.get("domainAliases") or [])

    def tenant_domains(self) -> set[str]:
        doms, aliases = self.list_domains()
        return {codec.address(str(d["domainName"])) for d in doms} | {
            codec.address(str(d["domainAliasName"])) for d in aliases
        }

    def _domains(self, scope: set[str], add: Any, order: Sequence[str], directory: Directory) -> str:
        doms, aliases = self.list_domains()
        primary = ""
        for dom in doms:
            name = codec.address(str(dom["domainName"]))
            directory.domains.add(name)
            if dom.get("isPrimary"):
                primary = name
            if name in scope:
                add(Domain(name=name), False)
        for dom in aliases:
            name = codec.address(str(dom["domainAliasName"]))
            directory.domains.add(name)
            if name in scope:
                add(Domain(name=name, alias_of=codec.address(str(dom["parentDomainName"]))), False)
        # Departments belong to the organization: its primary domain when this provider holds it.
        return primary if primary in scope else codec.address(order[0]) if order else primary

    def _departments(self, directory: Directory, org_domain: str, add: Any) -> None:
        by_path = {str(ou.get("orgUnitPath")): ou for ou in directory.orgunits}
        seen: set[str] = set()
        for ou in sorted(directory.orgunits, key=lambda o: len(str(o.get("orgUnitPath", "")))):
            name = str(ou.get("name"))
            if name in seen:
                continue  # the same name deeper in the tree: departments are known by name
            seen.add(name)
            text, note = codec.read_note(ou.get("description"))
            parent_path = str(ou.get("parentOrgUnitPath") or "/")
            parent = by_path.get(parent_path, {}).get("name") if parent_path != "/" else None
            dept = Department(
                name=name,
                org_domain=org_domain,
                title=text,
                manager=(note or {}).get("manager"),
                parent=str(parent) if parent else None,
            )
            add(dept, note is not None)

    def _user(self, user: dict[str, Any], scope: set[str], grants: dict[tuple[str, str], list[bool]], add: Any) -> None:
        primary = codec.address(user["primaryEmail"])
        tokens = codec.user_tokens(user)
        kind = codec.kind_token(user)
        mine = kind is not None
        frozen = bool(user.get("suspended")) or "frozen" in tokens
        add(
            Mailbox(
                address=primary,
                name=codec.display_name(user),
                kind="functional" if kind == "functional" else "person",
                department=department_of(user.get("orgUnitPath")),
                frozen=frozen,
            ),
            mine,
        )
        for alias in user.get("aliases") or []:
            alias = codec.address(alias)
            if domain_of(alias) in scope:
                add(Alias(address=alias, targets=(primary,)), mine)
        wants_gmail = tokens & {"gmail", "frozen", "functional"}
        if wants_gmail and not user.get("suspended") and user.get("isMailboxSetup", True):
            self._gmail(primary, "gmail" in tokens, grants, add)

    def _gmail(self, owner: str, mine: bool, grants: dict[tuple[str, str], list[bool]], add: Any) -> None:
        """Auto-reply, forwarding, delegates and send-as of one account (4 calls, as the owner)."""
        base = f"users/{owner}/settings"
        try:
            vacation = self.api.call("gmail", "GET", f"{base}/vacation", subject=owner) or {}
            forwarding = self.api.call("gmail", "GET", f"{base}/autoForwarding", subject=owner) or {}
            delegates = self.api.call("gmail", "GET", f"{base}/delegates", subject=owner) or {}
            send_as = self.api.call("gmail", "GET", f"{base}/sendAs", subject=owner) or {}
        except ApiError as exc:
            if exc.status == 400:  # "Mail service not enabled": nothing to read
                return
            raise
        if vacation.get("enableAutoReply"):
            subject = str(vacation.get("responseSubject") or "")
            body = str(vacation.get("responseBodyPlainText") or vacation.get("responseBodyHtml") or "")
            add(AutoReply(address=owner, subject=subject, body=body), mine)
        if forwarding.get("enabled") and forwarding.get("emailAddress"):
            add(Forwarding(address=owner, targets=(codec.address(forwarding["emailAddress"]),)), mine)
        for delegate in delegates.get("delegates") or []:
            if delegate.get("verificationStatus") in (None, "accepted"):
                grant = grants.setdefault((owner, codec.address(str(delegate["delegateEmail"]))), [False, False, False])
                grant[0], grant[2] = True, grant[2] or mine
        for entry in send_as.get("sendAs") or []:
            email = codec.address(str(entry.get("sendAsEmail", "")))
            if not entry.get("isPrimary") and entry.get("verificationStatus") in (None, "accepted"):
                grant = grants.setdefault((email, owner), [False, False, False])
                grant[1], grant[2] = True, grant[2] or mine

    def _groups(self, scope: set[str], add: Any) -> set[str]:
        """Reads the groups in scope; returns the addresses of those mailplan created."""
        marked: set[str] = set()
        params = {"customer": self.customer, "maxResults": 200}
        for resource in self.api.pages("directory", "groups", "groups", params):
            email = codec.address(str(resource["email"]))
            if domain_of(email) not in scope:
                continue
            _, note = codec.read_note(resource.get("description"))
            members = self.api.pages("directory", f"groups/{email}/members", "members", {"maxResults": 200})
            if note == codec.ALIAS_NOTE:  # mailplan's group standing for an alias: no settings to read
                targets = tuple(sorted(codec.address(str(m.get("email", ""))) for m in members))
                add(Alias(address=email, targets=targets), True)
                continue
            settings = self.api.call("groupssettings", "GET", email, params={"alt": "json"}) or {}
            who = str(settings.get("whoCanPostMessage", ""))
            group = codec.group_from_google(resource, members, who, note or {})
            add(group, note is not None)
            if note is not None:
                marked.add(email)
            for alias in resource.get("aliases") or []:
                alias = codec.address(alias)
                if domain_of(alias) in scope:
                    add(Alias(address=alias, targets=(email,)), note is not None)
        return marked

    def _admins(self, users: list[dict[str, Any]], by_id: dict[str, str], directory: Directory, add: Any) -> None:
        departments: dict[str, set[str]] = {}
        role_id = self.role_id()
        if role_id:
            ous = directory.ou_by_id()
            path = f"customer/{self.customer}/roleassignments"
            for item in self.api.pages("directory", path, "items", {"maxResults": 200, "roleId": role_id}):
                ou = ous.get(str(item.get("orgUnitId", "")).removeprefix("id:"))
                who = by_id.get(str(item.get("assignedTo")))
                if item.get("scopeType") == "ORG_UNIT" and ou and who:
                    departments.setdefault(who, set()).add(str(ou.get("name")))
        for user in users:
            primary = codec.address(user["primaryEmail"])
            mine = "admin" in codec.user_tokens(user)
            if user.get("isAdmin"):
                add(AdminRole(address=primary, level="super"), mine)
            elif primary in departments:
                add(
                    AdminRole(address=primary, level="department", departments=tuple(sorted(departments[primary]))),
                    mine,
                )
