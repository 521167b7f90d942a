"""The ``microsoft-365`` mail provider: Microsoft Graph v1.0 (https://learn.microsoft.com/graph/api/overview).

Graph writes users, Microsoft 365 groups and their members, administrative units (departments),
directory roles and automatic replies. Everything Exchange-only is ``MANUAL``: the plan carries the
exact Exchange Online PowerShell commands (see ``exo.py``), and ``read`` still reports what Graph
shows of it (proxy addresses as aliases, distribution lists and shared mailboxes) so drift stays
visible. A group is applied in part (``APPLIES_PARTLY``): Graph creates it and its members, Exchange
sets who may post. Functional mailboxes are Exchange shared mailboxes, which Graph cannot create.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mailplan.model.change import Action, Change
from mailplan.model.objects import AutoReply, Domain, Group, Mailbox
from mailplan.model.state import Observed
from mailplan.providers.base import NotSupported, Provider, ProviderContext
from mailplan.providers.http import MICROSOFT_POLICY, ApiError, HttpClient
from mailplan.providers.mail.contacts_manual import WHY, contact_steps

from . import exo
from .api import GRAPH, LOGIN, ClientCredentials, GraphApi, exists_already
from .autoreply import write_autoreply
from .directory import Directory
from .groups import Groups
from .reader import Reader, Tenant
from .roles import DirectoryRoles
from .units import AdministrativeUnits
from .users import Users

USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1"  # role template id


class MicrosoftSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant_id: str = Field(description="The directory (tenant) ID")
    client_id: str = Field(description="The app registration's application (client) ID")
    client_secret: str | None = Field(None, description="A client secret; or, instead, federated_token")
    federated_token: str | None = Field(
        None, description="A federated credential (a GitHub Actions OIDC token): no secret at all"
    )
    usage_location: str | None = Field(None, description="ISO country, needed before a licence is assigned (CN)")
    license_sku_id: str | None = Field(None, description="The licence (with Exchange Online) new mailboxes get")
    department_admin_role: str = Field(
        USER_ADMINISTRATOR, description="Role template ID given per administrative unit (User Administrator)"
    )
    base_url: str = Field(GRAPH, description="Microsoft Graph (another one for a national cloud)")
    login_url: str = Field(LOGIN, description="Entra's token endpoint host (another one for a national cloud)")
    # Inputs of the DNS records mailplan derives for Microsoft 365 domains (see docs/dns.md).
    tenant: str | None = Field(None, description="<tenant>.onmicrosoft.com, for the DKIM CNAME targets")
    mx_host: str | None = Field(None, description="The MX host as the admin centre shows it, when it differs")
    dkim_selector1_target: str | None = Field(None, description="The selector1 CNAME target, when it differs")
    dkim_selector2_target: str | None = Field(None, description="The selector2 CNAME target, when it differs")

    @model_validator(mode="after")
    def one_credential(self) -> MicrosoftSettings:
        if bool(self.client_secret) == bool(self.federated_token):
            raise ValueError("give exactly one of client_secret and federated_token")
        return self


class Microsoft365Provider(Provider):
    TYPE: ClassVar[str] = "microsoft-365"
    ROLE: ClassVar[str] = "mail"
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = MicrosoftSettings
    # The global service and the national clouds (US Government, 21Vianet in China).
    ENDPOINTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "base_url": ("graph.microsoft.com", "graph.microsoft.us", "dod-graph.microsoft.us",
                     "microsoftgraph.chinacloudapi.cn"),
        "login_url": ("login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn",
                      "login.partner.microsoftonline.cn"),
    }  # fmt: skip
    SUPPORTS: ClassVar[frozenset[str]] = frozenset(
        {"domain", "department", "mailbox", "group", "group.external", "autoreply", "admin_role"}
    )
    MANUAL: ClassVar[Mapping[str, str]] = {
        "contact": WHY["microsoft-365"],
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
        self.http = HttpClient(cfg.base_url, MICROSOFT_POLICY, label=self.TYPE)
        credentials = ClientCredentials(
            self.http,
            f"{cfg.login_url.rstrip('/')}/{cfg.tenant_id}/oauth2/v2.0/token",
            cfg.client_id,
            client_secret=cfg.client_secret,
            client_assertion=cfg.federated_token,
        )
        self.api = GraphApi(self.http, cfg.base_url, credentials)
        self.reader = Reader(self.api, cfg.department_admin_role)
        self.directory = Directory(self.api, self.reader)
        self.units = AdministrativeUnits(self.directory)
        self.users = Users(self.directory, self.units, context.credentials, cfg.usage_location, cfg.license_sku_id)
        self.groups = Groups(self.directory)
        self.roles = DirectoryRoles(self.directory, self.units, cfg.department_admin_role)
        self.left_to_exchange: set[str] = set()  # shared mailboxes the plan leaves to a person

    def read(self, domains: Sequence[str]) -> Observed:
        observed, self.directory.tenant = self.reader.read(domains)
        self.left_to_exchange = set()
        return observed

    # -- applying ---------------------------------------------------------------------------

    def apply(self, change: Change) -> str:
        handlers: dict[str, Callable[[Change], str]] = {
            "domain": self._domain,
            "department": self.units.apply,
            "mailbox": self.users.apply,
            "group": self._group,
            "autoreply": partial(write_autoreply, self.directory),
            "admin_role": self.roles.apply,
        }
        handler = handlers.get(change.kind)
        needs = change.obj.features() - self.SUPPORTS
        partly = not needs or change.kind in self.APPLIES_PARTLY
        if handler is None or change.action is Action.MANUAL or self.wholly_manual(change) or not partly:
            raise NotSupported(
                f"microsoft-365 cannot {change.describe()} through Graph; run:\n{self.manual_instructions(change)}"
            )
        return handler(change)

    def _group(self, change: Change) -> str:
        """The Graph write of a group, without apply's check that Graph may write it (tests use it)."""
        return self.groups.apply(change)

    def manual_instructions(self, change: Change) -> str:
        if change.kind == "contact":
            return contact_steps(change, self.TYPE)
        tenant = self.directory.tenant or Tenant()
        return exo.instructions(change, distribution_lists=tenant.distribution_lists)

    def wholly_manual(self, change: Change) -> bool:
        """What Graph cannot write although the kind is supported: a distribution list (read-only in
        Graph), a shared mailbox (Graph can neither create one nor turn a mailbox into one), and the
        automatic reply of a shared mailbox a person has yet to create (the plan asks about the
        mailboxes first, in plan order)."""
        tenant = self.directory.tenant or Tenant()
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
            self.directory.call("DELETE", f"domains/{change.before.name}")
            return "domain removed"
        assert isinstance(change.after, Domain)
        try:
            self.directory.call("POST", "domains", {"id": change.after.name})
        except ApiError as exc:
            if not exists_already(exc):
                raise
            return "domain already there (adopted)"
        return "domain added; Microsoft verifies it once the DNS records are in place"

    def finish(self) -> None:
        self.directory.settle()

    def close(self) -> None:
        self.http.session.close()
