"""Zoho Mail through its organization admin API (``https://mail.<region>/api/organization/{zoid}/…``,
https://www.zoho.com/mail/help/api/).

What maps where:
- Mailbox     -> account (persons and functional mailboxes alike: Zoho has one kind of account, so the
                 kind stays in the config); frozen = ``disableUser`` keeping incoming mail and forwarding
- Alias       -> an email alias of the one target account; several targets: a group anyone may write to
- Group       -> group; who may post = ``accessType`` (+ ``holdOrBounce: reject`` for members only)
- Forwarding  -> the account's mail forwarding, a copy kept (the handover of a leaver)
- AdminRole   -> role ``admin`` for ``super``; department admins are console steps
- Domain      -> read only (``GET …/domains/{name}``); added in the console

Zoho keeps no free-form field on an account: only with ``manage_all_accounts`` does mailplan take
accounts (with their aliases, roles and forwarding) as its own, and so ever remove one of those.
Groups it created carry ``[mailplan]`` in their description.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel

from mailplan.i18n import Msg
from mailplan.model.change import Change
from mailplan.model.objects import Forwarding, Group
from mailplan.model.state import Observed, State
from mailplan.providers import http
from mailplan.providers.base import NotSupported, Provider, ProviderContext
from mailplan.providers.http import ZOHO_POLICY, HttpClient
from mailplan.providers.mail.admin_api import apply_by_kind
from mailplan.providers.mail.contacts_manual import WHY, contact_steps
from mailplan.providers.mail.zoho.aliases import Aliases
from mailplan.providers.mail.zoho.client import Pace, ZohoClient
from mailplan.providers.mail.zoho.directory import Directory
from mailplan.providers.mail.zoho.forwarding import Forwardings
from mailplan.providers.mail.zoho.groups import Groups
from mailplan.providers.mail.zoho.manual import MANUAL_WHY, Console
from mailplan.providers.mail.zoho.reader import Reader
from mailplan.providers.mail.zoho.roles import AdminRoles
from mailplan.providers.mail.zoho.settings import ZohoSettings
from mailplan.providers.mail.zoho.users import Mailboxes


class ZohoMailProvider(Provider):
    TYPE: ClassVar[str] = "zoho-mail"
    ROLE: ClassVar[str] = "mail"
    SUPPORTS: ClassVar[frozenset[str]] = frozenset(
        {"mailbox", "alias", "alias.multi", "group", "group.post.organization", "group.post.members", "forwarding",
         "admin_role"}
    )  # fmt: skip
    MANUAL: ClassVar[Mapping[str, str]] = {**MANUAL_WHY, "contact": WHY["zoho-mail"]}
    # a group's new name, and a department admin, are left to a person; the rest is applied
    APPLIES_PARTLY: ClassVar[frozenset[str]] = frozenset({"group", "admin_role"})
    UNHELD: ClassVar[Mapping[str, frozenset[str]]] = {"mailbox": frozenset({"kind", "department"})}
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = ZohoSettings
    # the data centres' hosts (docs/providers/zoho-mail.md): mail.<region> and accounts.<region>
    ENDPOINTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "base_url": ("mail.zoho.*", "mail.zohocloud.ca"),
        "accounts_url": ("accounts.zoho.*", "accounts.zohocloud.ca"),
    }

    def __init__(self, name: str, settings: Mapping[str, Any], context: ProviderContext) -> None:
        super().__init__(name, settings, context)
        self.config = ZohoSettings.model_validate(dict(settings))
        self.http = HttpClient(self.config.api_root, ZOHO_POLICY, label=self.TYPE)
        self.sleep: Callable[[float], None] = lambda seconds: http.pause(seconds)  # looked up when it waits
        self.clock: Callable[[], float] = lambda: http.now()
        # Waits go through self.sleep / self.clock at call time: tests replace them after construction.
        pace = Pace(self.config.requests_per_minute, lambda: self.clock(), lambda s: self.sleep(s))
        credentials = (self.config.client_id, self.config.client_secret, self.config.refresh_token)
        self.client = ZohoClient(self.http, self.config.oauth_root, self.config.zoid, credentials, pace,
                                 clock=lambda: self.clock())  # fmt: skip
        self.directory = Directory(self.client, self.config.consistency_timeout, lambda s: self.sleep(s))
        self.reader = Reader(self.directory, self.config.page_size, self.config.manage_all_accounts)
        self.console = Console(self.config.region)
        self.groups = Groups(self.directory)
        self.handlers: dict[str, Callable[[Change], str]] = {
            "mailbox": Mailboxes(self.directory, context.credentials).apply,
            "alias": Aliases(self.directory, self.groups).apply,
            "group": self.groups.apply,
            "forwarding": (forwardings := Forwardings(self.directory)).apply,
            "admin_role": (roles := AdminRoles(self.directory)).apply,
        }
        self.forwardings, self.roles = forwardings, roles

    def read_wanted(self, domains: Sequence[str], wanted: State) -> Observed:
        # a leaver's forwarding is also read while the account is still enabled (its freeze not done yet)
        self.reader.forwarded = {o.address for o in wanted.of_kind("forwarding") if isinstance(o, Forwarding)}
        return self.read(domains)

    def read(self, domains: Sequence[str]) -> Observed:
        return self.reader.read(domains)

    def apply(self, change: Change) -> str:
        if self.wholly_manual(change):  # planned as a manual step: only a bypassed check gets here
            raise NotSupported(f"zoho-mail cannot {change.describe()}: {self.manual_instructions(change)}")
        return apply_by_kind(change, self.handlers, "Zoho Mail cannot {action} a {kind} through its API")

    def wholly_manual(self, change: Change) -> bool:
        if change.kind == "admin_role":
            return self.roles.wholly_manual(change)
        if change.kind == "forwarding":
            return bool(self.forwardings.outside(change))
        if change.kind == "group" and isinstance(change.before, Group) and isinstance(change.after, Group):
            # only the name differs: the API documents no rename
            return change.before.attrs() | {"name": ""} == change.after.attrs() | {"name": ""}
        return False

    def manual_instructions(self, change: Change) -> str:
        if change.kind == "contact":
            return contact_steps(change, self.TYPE)
        if change.kind == "admin_role":
            return self.console.admin_role(change, self.roles.live_role(change.key))
        if change.kind == "group":
            before, after = change.before, change.after
            if isinstance(before, Group) and isinstance(after, Group) and before.name != after.name:
                return self.console.rename(before, after)
            return ""
        if change.kind == "forwarding" and self.forwardings.outside(change):
            outside = ", ".join(self.forwardings.outside(change))
            return Msg(
                "Zoho forwards outside the organization only once the owner of the address confirmed it: in the Zoho "
                "Mail Admin Console ({url}, as an administrator) → Users → {address} → Mail Forwarding, add {outside} "
                "and have it confirmed.",
                url=self.console.url, address=change.key, outside=outside,
            )
        return self.console.instructions(change)

    def close(self) -> None:
        self.http.session.close()
