"""The ``google-workspace`` mail provider.

Directory API (users, aliases, groups, members, org units, roles), Groups Settings API
(who may post), Gmail settings API (auto-reply, forwarding, delegates) and Vault (the hold that
preserves a departed person's mail). Reference: https://developers.google.com/admin-sdk/directory/reference/rest
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from mailplan.engine.change import Action, Change
from mailplan.model.objects import AdminRole, Alias, Delegation, Department, Domain, Group, Hold, Mailbox, domain_of
from mailplan.model.state import Observed
from mailplan.providers.base import NotSupported, Provider, ProviderContext
from mailplan.providers.http import ApiError, HttpClient

from . import codec, console
from .api import GoogleApi, exists_already, fail, not_found
from .auth import ServiceAccountKey, TokenSource
from .handover import Handover
from .reader import Reader

_AUTH = "https://www.googleapis.com/auth/"
ADMIN_SCOPES = tuple(
    _AUTH + s
    for s in (
        "admin.directory.domain",
        "admin.directory.user",
        "admin.directory.user.security",
        "admin.directory.group",
        "admin.directory.group.member",
        "admin.directory.orgunit",
        "admin.directory.rolemanagement",
        "apps.groups.settings",
        "ediscovery",
    )
)
GMAIL_SCOPES = (_AUTH + "gmail.settings.basic", _AUTH + "gmail.settings.sharing")


class GoogleSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_account_key: str  # the service account's JSON key (a secret: ``file:`` or ``env:``)
    admin_email: str  # the administrator Directory, Groups Settings and Vault calls act as
    customer: str = "my_customer"
    vault_hold: bool = True  # a departed person's mailbox goes on mailplan's Vault hold (else: a manual step)
    vault_matter: str = "mailplan: departed staff"
    department_admin_role: str = "_USER_MANAGEMENT_ADMIN_ROLE"  # the role a department admin gets, per org unit
    base_url: str | None = None  # replaces every googleapis.com host (tests)
    # Inputs of the DNS records mailplan derives for Google domains (see docs/dns.md).
    mx_form: Literal["smtp", "legacy"] = "smtp"
    dkim_selector: str | None = None
    dkim_public_key: str | None = None


def new_password() -> str:
    return secrets.token_urlsafe(18)


class GoogleWorkspaceProvider(Provider):
    TYPE: ClassVar[str] = "google-workspace"
    ROLE: ClassVar[str] = "mail"
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = GoogleSettings
    SUPPORTS: ClassVar[frozenset[str]] = frozenset(
        {
            "domain",
            "domain.alias",
            "department",
            "mailbox",
            "alias",
            "alias.multi",  # held by a marked group
            "alias.external",
            "group",
            "group.external",
            "group.post.organization",
            "group.post.members",
            "group.post.senders",
            "forwarding",
            "autoreply",
            "delegation",
            "delegation.read",
            "delegation.send",
            "admin_role",
            "hold",
        }
    )
    MANUAL: ClassVar[Mapping[str, str]] = {
        "policy": "the Admin SDK has no API for password policy: set it in the Admin console",
        "policy.2fa": "2-Step Verification enforcement has no Admin SDK API: turn it on in the Admin console",
        "archive": "Gmail compliance routing and Vault retention rules have no API: set them in the Admin console",
    }

    def __init__(self, name: str, settings: Mapping[str, Any], context: ProviderContext) -> None:
        super().__init__(name, settings, context)
        cfg = GoogleSettings.model_validate(dict(settings))
        self.cfg = cfg
        self.http = HttpClient(base_url=cfg.base_url or "https://admin.googleapis.com")
        key = ServiceAccountKey.from_json(cfg.service_account_key)
        self.api = GoogleApi(
            self.http,
            TokenSource(key, ADMIN_SCOPES, self.http),
            TokenSource(key, GMAIL_SCOPES, self.http),
            cfg.admin_email,
            cfg.base_url,
        )
        self.reader = Reader(self.api, cfg.customer, cfg.department_admin_role)
        self.fresh: set[str] = set()  # created in this run: a 404 on them means "not visible yet"
        self.handover = Handover(self.api, self.fresh, cfg.vault_matter)
        self._orgunits: list[dict[str, Any]] | None = None
        self._domains: set[str] | None = None  # every domain and domain alias of the tenant

    # -- reading ---------------------------------------------------------------------------

    def read(self, domains: Sequence[str]) -> Observed:
        observed, directory = self.reader.read(domains, self.handover.held if self.cfg.vault_hold else None)
        self._orgunits = directory.orgunits
        self._domains = directory.domains
        return observed

    # -- applying --------------------------------------------------------------------------

    def apply(self, change: Change) -> str:
        handler: Callable[[Change], str] | None = {
            "domain": self._domain,
            "department": self._department,
            "mailbox": self._mailbox,
            "alias": self._alias,
            "group": self._group,
            "forwarding": self._gmail_setting(self.handover.forwarding),
            "autoreply": self._gmail_setting(self.handover.autoreply),
            "delegation": self._gmail_setting(self.handover.delegation),
            "admin_role": self._admin_role,
            "hold": self._hold,
        }.get(change.kind)
        if handler is None or change.action is Action.MANUAL or self.wholly_manual(change):
            raise NotSupported(f"google-workspace cannot {change.describe()}: {self.manual_instructions(change)}")
        try:
            return str(handler(change))
        except ValueError as exc:
            raise fail(str(exc)) from None

    def dir(self, method: str, path: str, body: Any = None, *, fresh: str = "", **params: Any) -> Any:
        return self.api.call("directory", method, path, body=body, params=params or None, fresh=fresh in self.fresh)

    # Domains ------------------------------------------------------------------------------

    def _domain(self, change: Change) -> str:
        customer = f"customer/{self.cfg.customer}"
        if change.action is Action.REMOVE:
            dom = change.before
            assert isinstance(dom, Domain)
            self.dir("DELETE", f"{customer}/{'domainaliases' if dom.alias_of else 'domains'}/{dom.name}")
            return "domain removed"
        dom = change.after
        assert isinstance(dom, Domain)
        if change.action is not Action.CREATE:
            raise fail(f"{dom.name}: a domain cannot become (or stop being) an alias domain in place; remove it first")
        if dom.alias_of:
            path, body = f"{customer}/domainaliases", {"domainAliasName": dom.name, "parentDomainName": dom.alias_of}
        else:
            path, body = f"{customer}/domains", {"domainName": dom.name}
        try:
            self.dir("POST", path, body)
        except ApiError as exc:
            if not exists_already(exc):
                raise
            return "domain already there (adopted)"
        return "domain added; Google verifies it once the DNS records are in place"

    # Departments = org units ------------------------------------------------------------------

    def orgunits(self, refresh: bool = False) -> list[dict[str, Any]]:
        if self._orgunits is None or refresh:
            self._orgunits = self.reader.list_orgunits()
        return self._orgunits

    def find_ou(self, name: str) -> str | None:
        """The path of the org unit called ``name`` (the shallowest), or None."""
        for refresh in (False, True):
            ous = sorted(self.orgunits(refresh), key=lambda o: len(str(o.get("orgUnitPath"))))
            for ou in ous:
                if ou.get("name") == name:
                    return str(ou["orgUnitPath"])
        return None

    def ou_path(self, name: str | None) -> str:
        if not name:
            return "/"
        path = self.find_ou(name)
        if path is None:
            raise fail(f"department {name!r} has no org unit on Google")
        return path

    def _department(self, change: Change) -> str:
        customer = f"customer/{self.cfg.customer}/orgunits"
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Department)
            self.dir("DELETE", f"{customer}/{self.ou_path(change.before.name).lstrip('/')}")
            self._orgunits = None
            return "org unit removed"
        dept = change.after
        assert isinstance(dept, Department)
        parent = "/"
        if dept.parent:
            parent = self.find_ou(dept.parent) or self._create_ou(dept.parent, {"parentOrgUnitPath": "/"})
        body = {"description": codec.with_note(dept.title, {"manager": dept.manager}), "parentOrgUnitPath": parent}
        path = self.find_ou(dept.name)
        if path is None:
            self._create_ou(dept.name, body)
            return "org unit created"
        self.dir("PATCH", f"{customer}/{path.lstrip('/')}", body)
        self._orgunits = None
        return "org unit updated" if change.before else "org unit already there (adopted)"

    def _create_ou(self, name: str, body: Mapping[str, str]) -> str:
        """Create an org unit; a parent is created ahead of its own change, which later completes it."""
        created = self.dir("POST", f"customer/{self.cfg.customer}/orgunits", {"name": name, **body})
        self._orgunits = None
        return str(created["orgUnitPath"])

    # Mailboxes = users ------------------------------------------------------------------------

    def user(self, address: str) -> dict[str, Any]:
        found: dict[str, Any] = self.dir("GET", f"users/{address}", fresh=address)
        return found

    def mark(self, address: str, add: Sequence[str] = (), drop: Sequence[str] = ()) -> None:
        """Add/drop mailplan tokens on a user (kept in ``externalIds``)."""
        user = self.user(address)
        if (codec.user_tokens(user) - set(drop)) | set(add) != codec.user_tokens(user):
            body = {"externalIds": codec.with_tokens(user, add, drop)}
            self.dir("PATCH", f"users/{address}", body, fresh=address)

    def _mailbox(self, change: Change) -> str:
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Mailbox)
            self.dir("DELETE", f"users/{change.before.address}")
            return "user deleted"
        box = change.after
        assert isinstance(box, Mailbox)
        if box.quota_mb:
            raise fail(f"{box.address}: Google Workspace storage is pooled; there is no per-mailbox quota to set")
        if change.action is Action.CREATE:
            done = [self._create_user(box)]
            was_frozen = False
        else:
            assert isinstance(change.before, Mailbox)
            done = [self._update_user(change.before, box)]
            was_frozen = change.before.frozen
        if box.frozen and not was_frozen:
            done.append(self._freeze(box.address))
        elif was_frozen and not box.frozen:
            done.append(self._unfreeze(box.address))
        return "; ".join(d for d in done if d)

    def _user_body(self, box: Mailbox) -> dict[str, Any]:
        return {"name": codec.split_name(box.name), "orgUnitPath": self.ou_path(box.department)}

    def _create_user(self, box: Mailbox) -> str:
        password = new_password()
        body = {
            "primaryEmail": box.address,
            **self._user_body(box),
            "password": password,
            "changePasswordAtNextLogin": True,
            "externalIds": codec.with_tokens({}, add=[box.kind]),
        }
        sent = self.api.attempts("directory", "POST", "users")
        try:
            self.dir("POST", "users", body)
        except ApiError as exc:
            if not exists_already(exc):
                raise
            # The shared client resends a POST after a timeout or a 5xx. If an earlier attempt went
            # through, the "duplicate" is our own user, carrying our mark and our password.
            retried = self.api.attempts("directory", "POST", "users") - sent > 1
            user = self.user(box.address)
            if not (retried and box.kind in codec.user_tokens(user)):
                patch = {**self._user_body(box), "externalIds": codec.with_tokens(user, [box.kind], codec.KIND_TOKENS)}
                self.dir("PATCH", f"users/{box.address}", patch)
                return "user already there (adopted)"
            self.context.credentials.put(box.address, password, "sent again after no answer; the account took it")
        else:
            self.context.credentials.put(box.address, password)
        self.fresh.add(box.address)
        return "user created (initial password in the credentials file)"

    def _update_user(self, before: Mailbox, after: Mailbox) -> str:
        if (before.name, before.department, before.kind) == (after.name, after.department, after.kind):
            return ""
        user = self.user(after.address)
        body = {**self._user_body(after), "externalIds": codec.with_tokens(user, [after.kind], codec.KIND_TOKENS)}
        self.dir("PATCH", f"users/{after.address}", body, fresh=after.address)
        return "user updated"

    def _freeze(self, address: str) -> str:
        """Lock: scrambled password; sessions, app passwords, tokens and backup codes revoked. The
        Vault hold came before, as its own change. The account stays active so forwarding and the
        auto-reply keep working (a suspended Google account receives no mail)."""
        done: list[str] = []
        user = self.user(address)
        body = {
            "password": new_password(),  # nobody learns it: the login is blocked
            "changePasswordAtNextLogin": False,
            "externalIds": codec.with_tokens(user, ["frozen"]),
        }
        self.dir("PATCH", f"users/{address}", body, fresh=address)
        self.dir("POST", f"users/{address}/signOut", fresh=address)
        asps = (self.dir("GET", f"users/{address}/asps") or {}).get("items") or []
        for asp in asps:
            self.dir("DELETE", f"users/{address}/asps/{asp['codeId']}")
        tokens = (self.dir("GET", f"users/{address}/tokens") or {}).get("items") or []
        for token in tokens:
            self.dir("DELETE", f"users/{address}/tokens/{token['clientId']}")
        self.dir("POST", f"users/{address}/verificationCodes/invalidate")
        done.append(f"login blocked, signed out, {len(asps)} app passwords and {len(tokens)} tokens revoked")
        return "; ".join(done)

    def _unfreeze(self, address: str) -> str:
        user = self.user(address)
        password = new_password()
        body = {
            "suspended": False,
            "password": password,
            "changePasswordAtNextLogin": True,
            "externalIds": codec.with_tokens(user, drop=["frozen"]),
        }
        self.dir("PATCH", f"users/{address}", body, fresh=address)
        self.context.credentials.put(address, password)
        return "login allowed again (new password in the credentials file)"

    # Vault hold ---------------------------------------------------------------------------------

    def _hold(self, change: Change) -> str:
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Hold)
            return self.handover.release(change.before.address)
        assert isinstance(change.after, Hold)
        return self.handover.hold(change.after.address)

    def wholly_manual(self, change: Change) -> bool:
        # With vault_hold off (no Vault licence, or holds kept by hand) the hold is a person's step.
        return change.kind == Hold.KIND and not self.cfg.vault_hold

    # Aliases ----------------------------------------------------------------------------------

    def _alias_call(self, method: str, target: str, suffix: str, body: Any = None) -> None:
        """An alias call on the user ``target``, or on the group when no such user exists."""
        try:
            self.dir(method, f"users/{target}/aliases{suffix}", body, fresh=target)
        except ApiError as exc:
            if not not_found(exc):
                raise
            try:
                self.dir(method, f"groups/{target}/aliases{suffix}", body, fresh=target)
            except ApiError as exc2:
                if not_found(exc2) and method != "DELETE":
                    raise fail(f"alias target {target} is neither a user nor a group of this Google tenant") from None
                if not not_found(exc2):
                    raise

    def tenant_domains(self) -> set[str]:
        if self._domains is None:
            self._domains = self.reader.tenant_domains()
        return self._domains

    def as_group(self, alias: Alias | None) -> Group | None:
        """The group that holds ``alias`` when a Google alias cannot: several targets, or one outside
        the tenant (a Google alias belongs to exactly one user or group of the tenant)."""
        if alias is None:
            return None
        if len(alias.targets) == 1 and domain_of(alias.targets[0]) in self.tenant_domains():
            return None
        return codec.alias_group(alias)

    def _alias(self, change: Change) -> str:
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

    # Groups -----------------------------------------------------------------------------------

    def _group(self, change: Change) -> str:
        before = change.before if isinstance(change.before, Group) else None
        after = change.after if isinstance(change.after, Group) else None
        return self._write_group(before, after, codec.group_note(after) if after else {})

    def _write_group(self, before: Group | None, group: Group | None, note: Mapping[str, str]) -> str:
        if group is None:
            assert before is not None
            self.dir("DELETE", f"groups/{before.address}")
            return "group deleted"
        wanted = codec.member_entries(group)
        if before is None:
            body = {"email": group.address, "name": group.name, "description": codec.with_note("", note)}
            try:
                self.dir("POST", "groups", body)
                self.fresh.add(group.address)
            except ApiError as exc:
                if not exists_already(exc):
                    raise
                self.dir("PATCH", f"groups/{group.address}", {"name": group.name, "description": body["description"]})
        elif before.name != group.name or codec.group_note(before) != note:
            patch = {"name": group.name, "description": codec.with_note("", note)}
            self.dir("PATCH", f"groups/{group.address}", patch, fresh=group.address)
        if before is None or before.post_policy != group.post_policy:
            settings = {"whoCanPostMessage": codec.POST_TO_GOOGLE[group.post_policy]}
            fresh = group.address in self.fresh
            self.api.call("groupssettings", "PATCH", group.address, params={"alt": "json"}, body=settings, fresh=fresh)
        have = codec.member_entries(before) if before else {}
        self._sync_members(group.address, have, wanted)
        return "group created" if before is None else "group updated"

    def _sync_members(
        self, group: str, have: Mapping[str, tuple[str, str]], wanted: Mapping[str, tuple[str, str]]
    ) -> None:
        base = f"groups/{group}/members"
        for email in sorted(set(have) - set(wanted)):
            try:
                self.dir("DELETE", f"{base}/{email}")
            except ApiError as exc:
                if not not_found(exc):
                    raise
        for email, (role, delivery) in sorted(wanted.items()):
            if have.get(email) == (role, delivery):
                continue
            body = {"email": email, "role": role, "delivery_settings": delivery}
            if email in have:
                self.dir("PATCH", f"{base}/{email}", body)
                continue
            try:
                self.dir("POST", base, body, fresh=group)
            except ApiError as exc:
                if not exists_already(exc):
                    raise
                self.dir("PATCH", f"{base}/{email}", body)

    # Gmail settings ---------------------------------------------------------------------------

    def _gmail_setting(self, write: Callable[[Change], str]) -> Callable[[Change], str]:
        def apply(change: Change) -> str:
            obj = change.obj
            # Every account whose Gmail settings change is marked, so that the next read looks at them.
            owners = [obj.mailbox, obj.grantee] if isinstance(obj, Delegation) else [str(getattr(obj, "address"))]  # noqa: B009
            answer = write(change)
            if change.action is not Action.REMOVE:
                for owner in owners:
                    self.mark(owner, add=["gmail"])
            return answer

        return apply

    # Admin roles ------------------------------------------------------------------------------

    def _admin_role(self, change: Change) -> str:
        before = change.before if isinstance(change.before, AdminRole) else None
        after = change.after if isinstance(change.after, AdminRole) else None
        address = (after or before).address  # type: ignore[union-attr]
        was_super = before is not None and before.level == "super"
        is_super = after is not None and after.level == "super"
        if is_super != was_super:
            self.dir("POST", f"users/{address}/makeAdmin", {"status": is_super}, fresh=address)
        wanted = set(after.departments) if after and after.level == "department" else set()
        self._sync_department_admin(address, wanted)
        if after is None:
            self.mark(address, drop=["admin"])
            return "admin rights removed"
        self.mark(address, add=["admin"])
        return "super admin" if is_super else f"admin of {', '.join(sorted(wanted))}"

    def _sync_department_admin(self, address: str, wanted: set[str]) -> None:
        role_id = self.reader.role_id()
        if role_id is None:
            if wanted:
                raise fail(f"no admin role named {self.cfg.department_admin_role!r} in this tenant")
            return
        customer = f"customer/{self.cfg.customer}/roleassignments"
        ous = {str(ou.get("orgUnitId", "")).removeprefix("id:"): ou for ou in self.orgunits()}
        have: dict[str, str] = {}  # department -> assignment id
        params = {"maxResults": 200, "roleId": role_id, "userKey": address}
        for item in self.api.pages("directory", customer, "items", params):
            ou = ous.get(str(item.get("orgUnitId", "")).removeprefix("id:"))
            if item.get("scopeType") == "ORG_UNIT" and ou:
                have[str(ou.get("name"))] = str(item["roleAssignmentId"])
        for name in sorted(set(have) - wanted):
            self.dir("DELETE", f"{customer}/{have[name]}")
        missing = sorted(wanted - set(have))
        if not missing:
            return
        user_id = self.user(address)["id"]
        by_name = {str(ou.get("name")): ou for ou in self.orgunits()}
        for name in missing:
            if name not in by_name:
                raise fail(f"department {name!r} has no org unit on Google")
            body = {
                "roleId": role_id,
                "assignedTo": user_id,
                "scopeType": "ORG_UNIT",
                "orgUnitId": str(by_name[name]["orgUnitId"]).removeprefix("id:"),
            }
            self.dir("POST", customer, body)

    # Manual steps -----------------------------------------------------------------------------

    def manual_instructions(self, change: Change) -> str:
        return console.instructions(change, self.cfg.vault_matter)

    def close(self) -> None:
        self.http.session.close()
