"""The ``google-workspace`` mail provider.

Directory API (users, aliases, groups, members, org units, roles), Groups Settings API
(who may post), Gmail settings API (auto-reply, forwarding, delegates) and Vault (the hold that
preserves a departed person's mail). Reference: https://developers.google.com/admin-sdk/directory/reference/rest
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from mailplan.model.change import Action, Change
from mailplan.model.objects import Delegation, Domain, Hold
from mailplan.model.state import Observed
from mailplan.providers import endpoints
from mailplan.providers.base import NotSupported, Provider, ProviderContext
from mailplan.providers.endpoints import GOOGLE_TOKEN_HOSTS
from mailplan.providers.http import GOOGLE_POLICY, ApiError, HttpClient
from mailplan.providers.mail.contacts_manual import WHY, contact_steps

from . import console
from .api import GoogleApi, exists_already, fail
from .auth import ServiceAccountKey, TokenSource
from .directory import DirectoryApi
from .groups import Groups
from .handover import Handover
from .orgunits import OrgUnits
from .reader import Reader
from .roles import AdminRoles
from .users import Users

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

    service_account_key: str = Field(description="The service account's JSON key, with domain-wide delegation")
    admin_email: str = Field(description="A super administrator the Directory, Groups Settings and Vault calls act as")
    customer: str = Field("my_customer", description="The Workspace customer; my_customer: that of admin_email")
    vault_hold: bool = Field(
        True, description="A departed person's mailbox goes on mailplan's Vault hold; false: a manual step instead"
    )
    vault_matter: str = Field("mailplan: departed staff", description="The Vault matter mailplan keeps its hold in")
    department_admin_role: str = Field(
        "_USER_MANAGEMENT_ADMIN_ROLE", description="The role a department admin gets, per org unit"
    )
    base_url: str | None = Field(None, description="Replaces every googleapis.com host")
    # Inputs of the DNS records mailplan derives for Google domains (see docs/dns.md).
    mx_form: Literal["smtp", "legacy"] = Field("smtp", description="MX: smtp.google.com, or the legacy aspmx set")
    dkim_selector: str | None = Field(None, description="DKIM selector of every domain here; default google")
    dkim_public_key: str | None = Field(None, description="DKIM public key, for a provider with one sending domain")


class GoogleWorkspaceProvider(Provider):
    TYPE: ClassVar[str] = "google-workspace"
    ROLE: ClassVar[str] = "mail"
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = GoogleSettings
    ENDPOINTS: ClassVar[Mapping[str, tuple[str, ...]]] = {"base_url": ("*.googleapis.com",)}
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
            # Not "group.post.senders": Google has no rule letting only listed senders post to a group whose
            # other members receive its mail (every member may post, or only its managers, who also manage
            # it). A config asking for it is refused at validate, never applied as a wider permission.
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
        "contact": WHY["google-workspace"],
    }

    def __init__(self, name: str, settings: Mapping[str, Any], context: ProviderContext) -> None:
        super().__init__(name, settings, context)
        cfg = GoogleSettings.model_validate(dict(settings))
        self.cfg = cfg
        self.http = HttpClient(cfg.base_url or "https://admin.googleapis.com", GOOGLE_POLICY, label=self.TYPE)
        key = ServiceAccountKey.from_json(cfg.service_account_key)
        refused = endpoints.problem("token_uri (in the service account key)", key.token_uri, GOOGLE_TOKEN_HOSTS)
        if refused:
            raise fail(refused)
        self.api = GoogleApi(
            self.http,
            TokenSource(key, ADMIN_SCOPES, self.http),
            TokenSource(key, GMAIL_SCOPES, self.http),
            cfg.admin_email,
            cfg.base_url,
        )
        self.reader = Reader(self.api, cfg.customer, cfg.department_admin_role)
        self.directory = DirectoryApi(self.api)
        self.handover = Handover(self.api, self.directory.fresh, cfg.vault_matter)
        self.orgunits = OrgUnits(self.directory, self.reader, cfg.customer)
        self.users = Users(self.directory, self.orgunits, context.credentials)
        self.groups = Groups(self.directory, self.reader)
        self.admin_roles = AdminRoles(
            self.directory, self.orgunits, self.reader, cfg.customer, cfg.department_admin_role
        )

    # -- reading ---------------------------------------------------------------------------

    def read(self, domains: Sequence[str]) -> Observed:
        # Every credential is checked at plan time, not first on a departure day: the Gmail scopes are
        # granted apart from the admin ones (domain-wide delegation), and only a handover uses them.
        self.api.gmail_tokens.token(self.cfg.admin_email)
        observed, listings = self.reader.read(domains, self.handover.held if self.cfg.vault_hold else None)
        self.orgunits.listed = listings.orgunits
        self.groups.domains = listings.domains
        return observed

    # -- applying --------------------------------------------------------------------------

    def apply(self, change: Change) -> str:
        handler: Callable[[Change], str] | None = {
            "domain": self._domain,
            "department": self.orgunits.apply,
            "mailbox": self.users.apply,
            "alias": self.groups.alias,
            "group": self.groups.group,
            "forwarding": self._gmail_setting(self.handover.forwarding),
            "autoreply": self._gmail_setting(self.handover.autoreply),
            "delegation": self._gmail_setting(self.handover.delegation),
            "admin_role": self.admin_roles.apply,
            "hold": self._hold,
        }.get(change.kind)
        if handler is None or change.action is Action.MANUAL or self.wholly_manual(change):
            raise NotSupported(f"google-workspace cannot {change.describe()}: {self.manual_instructions(change)}")
        try:
            return str(handler(change))
        except ValueError as exc:
            raise fail(str(exc)) from None

    # Domains ------------------------------------------------------------------------------

    def _domain(self, change: Change) -> str:
        customer = f"customer/{self.cfg.customer}"
        if change.action is Action.REMOVE:
            dom = change.before
            assert isinstance(dom, Domain)
            self.directory.call("DELETE", f"{customer}/{'domainaliases' if dom.alias_of else 'domains'}/{dom.name}")
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
            self.directory.call("POST", path, body)
        except ApiError as exc:
            if not exists_already(exc):
                raise
            return "domain already there (adopted)"
        return "domain added; Google verifies it once the DNS records are in place"

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

    # Gmail settings ---------------------------------------------------------------------------

    def _gmail_setting(self, write: Callable[[Change], str]) -> Callable[[Change], str]:
        def apply(change: Change) -> str:
            obj = change.obj
            # Every account whose Gmail settings change is marked, so that the next read looks at them.
            owners = [obj.mailbox, obj.grantee] if isinstance(obj, Delegation) else [str(getattr(obj, "address"))]  # noqa: B009
            answer = write(change)
            if change.action is not Action.REMOVE:
                for owner in owners:
                    self.directory.mark(owner, add=["gmail"])
            return answer

        return apply

    # Manual steps -----------------------------------------------------------------------------

    def manual_instructions(self, change: Change) -> str:
        if change.kind == "contact":
            return contact_steps(change, self.TYPE)
        return console.instructions(change, self.cfg.vault_matter)

    def finish(self) -> None:
        self.directory.settle()

    def close(self) -> None:
        self.http.session.close()
