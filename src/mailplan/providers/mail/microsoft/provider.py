"""The ``microsoft-365`` mail provider: Microsoft Graph v1.0 (https://learn.microsoft.com/graph/api/overview).

Graph writes users, Microsoft 365 groups and their members, administrative units (departments),
directory roles and automatic replies. Everything Exchange-only is ``MANUAL``: the plan carries the
exact Exchange Online PowerShell commands (see ``exo.py``), and ``read`` still reports what Graph
shows of it (proxy addresses as aliases, distribution lists and shared mailboxes) so drift stays
visible. A group is applied in part (``APPLIES_PARTLY``): Graph creates it and its members, Exchange
sets who may post. Functional mailboxes are Exchange shared mailboxes, which Graph cannot create.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

from mailplan.engine.change import Action, Change
from mailplan.model.objects import AdminRole, AutoReply, Department, Domain, Group, Mailbox, domain_of
from mailplan.model.state import Observed
from mailplan.providers.base import NotSupported, Provider, ProviderContext
from mailplan.providers.http import ApiError, HttpClient

from . import codec, exo
from .api import GRAPH, LOGIN, ClientCredentials, GraphApi, exists_already, fail
from .reader import GLOBAL_ADMIN, Reader, Tenant

USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1"  # role template id


class MicrosoftSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant_id: str
    client_id: str
    client_secret: str | None = None  # a secret (``env:``/``file:``) ...
    federated_token: str | None = None  # ... or a federated credential (GitHub Actions OIDC token): no secret at all
    usage_location: str | None = None  # ISO country, needed before a licence can be assigned ("CN")
    license_sku_id: str | None = None  # the licence (with Exchange Online) new mailboxes get
    department_admin_role: str = USER_ADMINISTRATOR  # role template id given per administrative unit
    base_url: str = GRAPH
    login_url: str = LOGIN
    # Inputs of the DNS records mailplan derives for Microsoft 365 domains (see docs/dns.md).
    tenant: str | None = None  # <tenant>.onmicrosoft.com, for the DKIM CNAME targets
    mx_host: str | None = None  # as the admin centre shows it, when it cannot be derived
    dkim_selector1_target: str | None = None
    dkim_selector2_target: str | None = None

    @model_validator(mode="after")
    def one_credential(self) -> MicrosoftSettings:
        if bool(self.client_secret) == bool(self.federated_token):
            raise ValueError("give exactly one of client_secret and federated_token")
        return self


def new_password() -> str:
    # Entra ID wants 3 of 4 character classes; token_urlsafe may lack some, so add one of each.
    return secrets.token_urlsafe(15) + "aA1!"


class Microsoft365Provider(Provider):
    TYPE: ClassVar[str] = "microsoft-365"
    ROLE: ClassVar[str] = "mail"
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = MicrosoftSettings
    SUPPORTS: ClassVar[frozenset[str]] = frozenset(
        {"domain", "department", "mailbox", "group", "group.external", "autoreply", "admin_role"}
    )
    MANUAL: ClassVar[Mapping[str, str]] = {
        "domain.alias": "Exchange Online has no alias domains: each mailbox needs the address (Set-Mailbox)",
        "policy": "password expiry is Update-MgDomain; length and MFA are Entra settings/Conditional Access",
        "policy.2fa": "MFA is enforced by Conditional Access or Security defaults, not by a Graph call here",
        "alias": "proxyAddresses are read-only in Graph: Set-Mailbox -EmailAddresses (Exchange Online PowerShell)",
        "alias.multi": "an address with several targets is a distribution group in Exchange Online (PowerShell)",
        "alias.external": "an address forwarding outside is a mail contact in Exchange Online (PowerShell)",
        "group.post.organization": "posting restrictions need Exchange: Set-UnifiedGroup",
        "group.post.members": "posting restrictions need Exchange: Set-UnifiedGroup",
        "group.post.senders": "posting restrictions need Exchange: Set-UnifiedGroup",
        "forwarding": "mailbox forwarding is Exchange-only: Set-Mailbox -ForwardingSmtpAddress",
        "delegation": "mailbox permissions are Exchange-only: Add-MailboxPermission / Add-RecipientPermission",
        "delegation.read": "FullAccess is Exchange-only: Add-MailboxPermission",
        "delegation.send": "SendAs is Exchange-only: Add-RecipientPermission",
        "archive": "journaling and retention are Exchange / Purview: New-JournalRule, New-RetentionCompliancePolicy",
        "hold": "litigation hold is Exchange-only: Set-Mailbox -LitigationHoldEnabled $true",
    }
    # Graph creates the group and its members; who may post is an Exchange step on the same change.
    APPLIES_PARTLY: ClassVar[frozenset[str]] = frozenset({"group"})

    def __init__(self, name: str, settings: Mapping[str, Any], context: ProviderContext) -> None:
        super().__init__(name, settings, context)
        cfg = MicrosoftSettings.model_validate(dict(settings))
        self.cfg = cfg
        self.http = HttpClient(base_url=cfg.base_url)
        credentials = ClientCredentials(
            self.http,
            f"{cfg.login_url.rstrip('/')}/{cfg.tenant_id}/oauth2/v2.0/token",
            cfg.client_id,
            client_secret=cfg.client_secret,
            client_assertion=cfg.federated_token,
        )
        self.api = GraphApi(self.http, cfg.base_url, credentials)
        self.reader = Reader(self.api, cfg.department_admin_role)
        self.tenant: Tenant | None = None
        self.fresh: set[str] = set()  # created in this run: a 404 on them means "not replicated yet"
        self.left_to_exchange: set[str] = set()  # shared mailboxes the plan leaves to a person

    def read(self, domains: Sequence[str]) -> Observed:
        observed, self.tenant = self.reader.read(domains)
        self.left_to_exchange = set()
        return observed

    def known(self) -> Tenant:
        if self.tenant is None:
            self.tenant = Tenant()
            units = self.reader.list_units()
            self.tenant.units = {str(u["displayName"]): str(u["id"]) for u in units}
            domains = self.reader.list_domains()
            self.tenant.domains = {codec.address(str(d["id"])) for d in domains}
            self.tenant.default_domain = next((codec.address(str(d["id"])) for d in domains if d.get("isDefault")), "")
        return self.tenant

    def call(self, method: str, path: str, body: Any = None, *, fresh: str = "", **params: Any) -> Any:
        return self.api.call(method, path, body=body, params=params or None, fresh=fresh in self.fresh)

    # -- applying ---------------------------------------------------------------------------

    def apply(self, change: Change) -> str:
        handler: Callable[[Change], str] | None = {
            "domain": self._domain,
            "department": self._department,
            "mailbox": self._mailbox,
            "group": self._group,
            "autoreply": self._autoreply,
            "admin_role": self._admin_role,
        }.get(change.kind)
        needs = change.obj.features() - self.SUPPORTS
        partly = not needs or change.kind in self.APPLIES_PARTLY
        if handler is None or change.action is Action.MANUAL or self.wholly_manual(change) or not partly:
            raise NotSupported(
                f"microsoft-365 cannot {change.describe()} through Graph; run:\n{self.manual_instructions(change)}"
            )
        return handler(change)

    def manual_instructions(self, change: Change) -> str:
        tenant = self.tenant or Tenant()
        return exo.instructions(change, distribution_lists=tenant.distribution_lists)

    def wholly_manual(self, change: Change) -> bool:
        """What Graph cannot write although the kind is supported: a distribution list (read-only in
        Graph), a shared mailbox (Graph can neither create one nor turn a mailbox into one), and the
        automatic reply of a shared mailbox a person has yet to create (the plan asks about the
        mailboxes first, in plan order)."""
        tenant = self.tenant or Tenant()
        obj = change.obj
        if isinstance(obj, Group):
            return obj.address in tenant.distribution_lists
        if isinstance(obj, Mailbox) and change.action is not Action.REMOVE:
            before = change.before if isinstance(change.before, Mailbox) else None
            if before is None and obj.kind == "functional":
                self.left_to_exchange.add(obj.address)
                return True
            return before is not None and before.kind != obj.kind
        if isinstance(change.after, AutoReply):
            return change.after.address in self.left_to_exchange and change.after.address not in tenant.users
        return False

    # Domains ----------------------------------------------------------------------------------

    def _domain(self, change: Change) -> str:
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Domain)
            self.call("DELETE", f"domains/{change.before.name}")
            return "domain removed"
        assert isinstance(change.after, Domain)
        try:
            self.call("POST", "domains", {"id": change.after.name})
        except ApiError as exc:
            if not exists_already(exc):
                raise
            return "domain already there (adopted)"
        return "domain added; Microsoft verifies it once the DNS records are in place"

    # Departments = administrative units -----------------------------------------------------------

    def unit_id(self, name: str) -> str:
        units = self.known().units
        if name not in units:
            units.update({str(u["displayName"]): str(u["id"]) for u in self.reader.list_units()})
        if name not in units:
            raise fail(f"department {name!r} has no administrative unit")
        return units[name]

    def _department(self, change: Change) -> str:
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Department)
            self.call("DELETE", f"directory/administrativeUnits/{self.unit_id(change.before.name)}")
            self.known().units.pop(change.before.name, None)
            return "administrative unit removed"
        dept = change.after
        assert isinstance(dept, Department)
        body = {
            "displayName": dept.name,
            "description": codec.with_note(dept.title, {"manager": dept.manager, "parent": dept.parent}),
        }
        if change.action is Action.CREATE and dept.name not in self.known().units:
            created = self.call("POST", "directory/administrativeUnits", body)
            self.known().units[dept.name] = str(created["id"])
            self.fresh.add(dept.name)
            return "administrative unit created"
        self.call("PATCH", f"directory/administrativeUnits/{self.unit_id(dept.name)}", body, fresh=dept.name)
        return "administrative unit updated"

    # Mailboxes = users ------------------------------------------------------------------------------

    def user_id(self, address: str) -> str:
        ids = self.known().users
        if address not in ids:
            found = self.call("GET", f"users/{address}", fresh=address, **{"$select": "id"})
            ids[address] = str(found["id"])
        return ids[address]

    def user_tokens(self, address: str) -> set[str]:
        found = self.call("GET", f"users/{address}", fresh=address, **{"$select": "id,onPremisesExtensionAttributes"})
        return codec.user_tokens(found)

    def mark(self, address: str, add: Sequence[str] = (), drop: Sequence[str] = ()) -> None:
        have = self.user_tokens(address)
        want = (have - set(drop)) | set(add)
        if want != have:
            body = {"onPremisesExtensionAttributes": codec.mark(want)}
            self.call("PATCH", f"users/{address}", body, fresh=address)

    def _mailbox(self, change: Change) -> str:
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Mailbox)
            self.call("DELETE", f"users/{change.before.address}")
            return "user deleted (restorable for 30 days)"
        box = change.after
        assert isinstance(box, Mailbox)
        if box.quota_mb:
            raise fail(
                f"{box.address}: mailbox quotas are Exchange settings; run Set-Mailbox -Identity '{box.address}' "
                f"-ProhibitSendReceiveQuota {box.quota_mb}MB, and leave quota_mb out for this provider"
            )
        before = change.before if isinstance(change.before, Mailbox) else None
        done = [self._create_user(box) if before is None else self._update_user(before, box)]
        was_frozen = before is not None and before.frozen
        if box.frozen and not was_frozen:
            done.append(self._freeze(box.address))
        elif was_frozen and not box.frozen:
            done.append(self._unfreeze(box.address))
        return "; ".join(d for d in done if d)

    def _create_user(self, box: Mailbox) -> str:
        password = new_password()
        body: dict[str, Any] = {
            "accountEnabled": True,
            "displayName": box.name,
            "mailNickname": box.address.split("@")[0],
            "userPrincipalName": box.address,
            "passwordProfile": {"forceChangePasswordNextSignIn": True, "password": password},
            "onPremisesExtensionAttributes": codec.mark([box.kind]),
        }
        if box.department:
            body["department"] = box.department
        if self.cfg.usage_location:
            body["usageLocation"] = self.cfg.usage_location
        sent = self.api.attempts("POST", "users")
        try:
            created = self.call("POST", "users", body)
        except ApiError as exc:
            if not exists_already(exc):
                raise
            # The shared client resends a POST after a timeout or a 5xx. If an earlier attempt went
            # through, the "already exists" is our own user, carrying our mark and our password.
            retried = self.api.attempts("POST", "users") - sent > 1
            found = self.call("GET", f"users/{box.address}", **{"$select": "id,onPremisesExtensionAttributes"})
            if not (retried and box.kind in codec.user_tokens(found)):
                return self._adopt_user(box, codec.user_tokens(found))
            created = found
            self.context.credentials.put(box.address, password, "sent again after no answer; the account took it")
        else:
            self.context.credentials.put(box.address, password)
        self.known().users[box.address] = str(created["id"])
        self.fresh.add(box.address)
        if self.cfg.license_sku_id:
            licence = {"addLicenses": [{"skuId": self.cfg.license_sku_id, "disabledPlans": []}], "removeLicenses": []}
            self.call("POST", f"users/{created['id']}/assignLicense", licence, fresh=box.address)
        self._join_unit(box.address, None, box.department)
        return "user created (initial password in the credentials file)"

    def _adopt_user(self, box: Mailbox, have: set[str]) -> str:
        tokens = (have - set(codec.KIND_TOKENS)) | {box.kind}
        patch = {
            "displayName": box.name,
            "department": box.department,
            "onPremisesExtensionAttributes": codec.mark(tokens),
        }
        self.call("PATCH", f"users/{box.address}", patch)
        self._join_unit(box.address, None, box.department)
        return "user already there (adopted)"

    def _update_user(self, before: Mailbox, after: Mailbox) -> str:
        if (before.name, before.department, before.kind) == (after.name, after.department, after.kind):
            return ""
        tokens = (self.user_tokens(after.address) - set(codec.KIND_TOKENS)) | {after.kind}
        body = {
            "displayName": after.name,
            "department": after.department,
            "onPremisesExtensionAttributes": codec.mark(tokens),
        }
        self.call("PATCH", f"users/{after.address}", body, fresh=after.address)
        self._join_unit(after.address, before.department, after.department)
        return "user updated"

    def _join_unit(self, address: str, old: str | None, new: str | None) -> None:
        """Department admins act on the members of an administrative unit: keep membership in step."""
        if old == new:
            return
        user = self.user_id(address)
        if old and old in self.known().units:
            try:
                self.call("DELETE", f"directory/administrativeUnits/{self.unit_id(old)}/members/{user}/$ref")
            except ApiError as exc:
                if exc.status != 404:
                    raise
        if new:
            try:
                self.call("POST", f"directory/administrativeUnits/{self.unit_id(new)}/members/$ref", self.api.ref(user))
            except ApiError as exc:
                if not exists_already(exc):
                    raise

    def _freeze(self, address: str) -> str:
        """Cut access in the research's order: sign-in blocked, every session revoked, then the password
        replaced by a random one nobody sees. The mailbox, its licence and its mail stay."""
        self.call("PATCH", f"users/{address}", {"accountEnabled": False}, fresh=address)
        self.call("POST", f"users/{address}/revokeSignInSessions", fresh=address)
        scrambled = {"passwordProfile": {"forceChangePasswordNextSignIn": False, "password": new_password()}}
        self.call("PATCH", f"users/{address}", scrambled, fresh=address)  # never written anywhere
        if address in self.known().shared:
            # A shared mailbox never signs in: the mark says it is frozen (and that mailplan runs it).
            self.mark(address, add=["frozen", "functional"])
        return "sign-in blocked, sessions revoked, password replaced by one nobody knows"

    def _unfreeze(self, address: str) -> str:
        if address in self.known().shared:
            # A shared mailbox is used through FullAccess, never by signing in: it stays without one.
            self.mark(address, drop=["frozen"])
            return "shared mailbox back in use (sign-in stays blocked, as for every shared mailbox)"
        password = new_password()
        body = {
            "accountEnabled": True,
            "passwordProfile": {"forceChangePasswordNextSignIn": True, "password": password},
        }
        self.call("PATCH", f"users/{address}", body, fresh=address)
        self.context.credentials.put(address, password)
        return "sign-in allowed again (new password in the credentials file)"

    # Microsoft 365 groups ------------------------------------------------------------------------------

    def _group(self, change: Change) -> str:
        before = change.before if isinstance(change.before, Group) else None
        after = change.after if isinstance(change.after, Group) else None
        if after is None:
            assert before is not None
            self.call("DELETE", f"groups/{self.group_id(before.address)}")
            return "group deleted"
        if before is None:
            self._create_group(after)
        else:
            patch: dict[str, Any] = {"displayName": after.name} if before.name != after.name else {}
            if codec.group_note(before) != codec.group_note(after):
                # who may post is Exchange's; the note records what the plan asked a person to set
                patch["description"] = codec.with_note("", codec.group_note(after))
            if patch:
                self.call("PATCH", f"groups/{self.group_id(after.address)}", patch, fresh=after.address)
        gid = self.group_id(after.address)
        for relation, have, want in (
            ("members", before.members if before else (), after.members),
            ("owners", before.owners if before else (), after.owners),
        ):
            for address in sorted(set(have) - set(want)):
                try:
                    self.call("DELETE", f"groups/{gid}/{relation}/{self.user_id(address)}/$ref")
                except ApiError as exc:
                    if exc.status != 404:
                        raise
            for address in sorted(set(want) - set(have)):
                self._add_ref(gid, relation, address, after.address)
        return "group created" if before is None else "group updated"

    def group_id(self, address: str) -> str:
        groups = self.known().groups
        if address not in groups:
            found = self.call("GET", "groups", **{"$filter": f"mail eq '{address}'", "$select": "id"})
            for group in (found or {}).get("value") or []:
                groups[address] = str(group["id"])
        if address not in groups:
            raise fail(f"group {address} not found")
        return groups[address]

    def _create_group(self, group: Group) -> None:
        default = self.known().default_domain
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
            created = self.call("POST", "groups", body)
        except ApiError as exc:
            if not exists_already(exc):
                raise
            self.call("PATCH", f"groups/{self.group_id(group.address)}", {"description": body["description"]})
            return
        self.known().groups[group.address] = str(created["id"])
        self.fresh.add(group.address)

    def _add_ref(self, gid: str, relation: str, address: str, group: str) -> None:
        try:
            member = self.user_id(address)
        except ApiError as exc:
            if exc.status != 404:
                raise
            if domain_of(address) in self.known().domains:
                raise fail(
                    f"{group}: {address} is not a user of this tenant (a shared mailbox is created by the "
                    "manual New-Mailbox -Shared step first; apply again once it exists)"
                ) from None
            member = self._invite(address)
        try:
            self.call("POST", f"groups/{gid}/{relation}/$ref", self.api.ref(member), fresh=group)
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
        invited = self.call("POST", "invitations", body)
        guest = str(invited["invitedUser"]["id"])
        self.known().users[address] = guest
        self.fresh.add(address)
        return guest

    # Automatic replies --------------------------------------------------------------------------------

    def _autoreply(self, change: Change) -> str:
        reply = change.after if isinstance(change.after, AutoReply) else None
        owner = (reply or change.before).address  # type: ignore[union-attr]
        if reply is None:
            setting: dict[str, Any] = {"status": "disabled"}
        else:
            message = codec.reply_html(reply.subject, reply.body)
            setting = {
                "status": "alwaysEnabled",
                "externalAudience": "all",
                "internalReplyMessage": message,
                "externalReplyMessage": message,
            }
        try:
            self.call("PATCH", f"users/{owner}/mailboxSettings", {"automaticRepliesSetting": setting}, fresh=owner)
        except ApiError as exc:
            if exc.status == 404:
                raise fail(
                    f"{owner} has no Exchange mailbox yet (is a licence assigned? a new mailbox can take "
                    "up to 24 hours); apply again later"
                ) from None
            raise
        if reply is not None:
            self.mark(owner, add=["autoreply"])
            return "automatic reply on"
        return "automatic reply off"

    # Directory roles ----------------------------------------------------------------------------------

    def _admin_role(self, change: Change) -> str:
        before = change.before if isinstance(change.before, AdminRole) else None
        after = change.after if isinstance(change.after, AdminRole) else None
        address = (after or before).address  # type: ignore[union-attr]
        principal = self.user_id(address)
        scopes = {"/"} if after and after.level == "super" else set()
        role_of = {"/": GLOBAL_ADMIN}
        if after and after.level == "department":
            for name in after.departments:
                scope = f"/administrativeUnits/{self.unit_id(name)}"
                scopes.add(scope)
                role_of[scope] = self.cfg.department_admin_role
        have: dict[str, str] = {}  # scope -> assignment id
        for role in (GLOBAL_ADMIN, self.cfg.department_admin_role):
            for item in self.reader.assignments(role, principal):
                scope = str(item.get("directoryScopeId"))
                if role == GLOBAL_ADMIN or scope != "/":
                    have[scope] = str(item["id"])
        for scope in sorted(set(have) - scopes):
            self.call("DELETE", f"roleManagement/directory/roleAssignments/{have[scope]}")
        for scope in sorted(scopes - set(have)):
            body = {"roleDefinitionId": role_of[scope], "principalId": principal, "directoryScopeId": scope}
            try:
                self.call("POST", "roleManagement/directory/roleAssignments", body)
            except ApiError as exc:
                if not exists_already(exc):
                    raise
        if after is None:
            self.mark(address, drop=["admin"])
            return "directory roles removed"
        self.mark(address, add=["admin"])
        return (
            "Global Administrator"
            if after.level == "super"
            else f"User Administrator of {', '.join(after.departments)}"
        )

    def close(self) -> None:
        self.http.session.close()
