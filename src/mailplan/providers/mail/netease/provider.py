"""NetEase Qiye Mail (网易企业邮箱) through its signed admin API, ``/qiyeservice/api/...``.

What maps where:
- Domain      -> the provider's one ``domain`` (read only; ``domain/getDomain`` answers for it)
- Department  -> unit (one name: a title that differs from the key shows as ``title [key]``); manager and
                 mark in ``unit_desc``; a move to another parent is a console step
- Mailbox     -> account (``account_name`` is the local part); functional = ``kind=functional`` in the
                 remark's note; frozen = status 1 (``suspendAccount``), after a password nobody is told
- Alias       -> an alias of its one owner (``addAccountAlias``), in the owner's domain
- ArchiveRule -> applied in part: ``archive/addArchiveMailAccount`` names the archive account
- Groups (mail lists), policies, forwarding, auto-reply, delegation, admin roles: console steps

What mailplan creates or adopts carries the ``[mailplan ...]`` note in its remark (``unit_desc`` for
units): only that is ever removed by mailplan. Access is granted by NetEase per enterprise: the API URL
of the enterprise's region, the ``product`` id, and the RSA key pair whose public half NetEase holds
(with the calling IP on its allowlist).
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mailplan.model.change import Action, Change
from mailplan.model.objects import ArchiveRule
from mailplan.model.state import Observed
from mailplan.providers.base import Provider, ProviderContext, ProviderError
from mailplan.providers.http import HttpClient
from mailplan.providers.mail.admin_api import Waiting, apply_by_kind
from mailplan.providers.mail.contacts_manual import WHY, contact_steps
from mailplan.providers.mail.netease.accounts import Accounts
from mailplan.providers.mail.netease.aliases import Aliases
from mailplan.providers.mail.netease.archive import Archive, is_archive_account
from mailplan.providers.mail.netease.client import NeteaseClient
from mailplan.providers.mail.netease.departments import Departments, moves
from mailplan.providers.mail.netease.directory import Directory
from mailplan.providers.mail.netease.manual import MANUAL_WHY, instructions_for
from mailplan.providers.mail.netease.reader import Reader
from mailplan.providers.mail.netease.signing import SignedForm, load_private_key

# The API's hosts as NetEase hands them out: 华北 (North China) and 华东 (East China).
REGIONS = {
    "north": "https://apibj.qiye.163.com/qiyeservice/api",
    "east": "https://apihz.qiye.163.com/qiyeservice/api",
}
# Keys of the open platform's credentials: a different API (token auth, JSON), not built.
OPEN_PLATFORM_KEYS = ("app_id", "auth_code", "org_open_id", "access_token")


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NeteaseSettings(BaseModel):
    """``settings:`` of a ``type: netease-qiye`` provider."""

    model_config = ConfigDict(extra="forbid")

    domain: str = Field(description="The mail domain NetEase issued the API access for (e.g. abc.com)")
    product: str = Field(description="The enterprise id (product, 企业标识) NetEase gave with it (e.g. abc_com)")
    private_key: str = Field(
        description="The RSA private key whose public half NetEase holds; reference it as env:NAME or file:PATH"
    )
    region: Literal["north", "east"] | None = Field(
        default=None, description="north (华北, apibj.qiye.163.com) or east (华东, apihz.qiye.163.com), as NetEase says"
    )
    api_url: str | None = Field(
        default=None, description="The API URL NetEase gave, instead of region (one of the two regional hosts)"
    )
    consistency_timeout: float = Field(
        default=15.0, ge=0, description="Seconds to keep retrying a just-written object that is not visible yet"
    )

    @model_validator(mode="before")
    @classmethod
    def _not_the_open_platform(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and any(k in data for k in OPEN_PLATFORM_KEYS):
            raise ValueError(
                "app_id / auth_code / org_open_id are credentials of NetEase's open platform (开放平台), which "
                "mailplan does not speak; type netease-qiye uses the signed qiyeservice API: ask NetEase for its "
                "access (domain, product and an RSA key pair) — see docs/providers/netease-qiye.md"
            )
        return data

    @model_validator(mode="after")
    def _one_endpoint(self) -> NeteaseSettings:
        if (self.region is None) == (self.api_url is None):
            raise ValueError("give region (north or east) or api_url, one of them")
        url = (self.api_url or "").rstrip("/")
        if self.api_url is not None and url not in REGIONS.values() and not _loopback(url):
            raise ValueError(
                f"api_url {self.api_url!r} is not one of NetEase's API hosts ({', '.join(REGIONS.values())}); "
                "use region: north or region: east"
            )
        return self

    @property
    def base_url(self) -> str:
        return (self.api_url or REGIONS[self.region or "north"]).rstrip("/") + "/"


class NeteaseQiyeProvider(Provider):
    TYPE: ClassVar[str] = "netease-qiye"
    ROLE: ClassVar[str] = "mail"
    SUPPORTS: ClassVar[frozenset[str]] = frozenset({"department", "mailbox", "alias"})
    MANUAL: ClassVar[Mapping[str, str]] = {**MANUAL_WHY, "contact": WHY["netease-qiye"]}
    # The API names the archive account; opening the archive and its retention are console steps.
    APPLIES_PARTLY: ClassVar[frozenset[str]] = frozenset({"archive"})
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = NeteaseSettings

    def __init__(self, name: str, settings: Mapping[str, Any], context: ProviderContext) -> None:
        super().__init__(name, settings, context)
        self.config = NeteaseSettings.model_validate(dict(settings))
        try:
            key = load_private_key(self.config.private_key)
        except ValueError as exc:
            raise ProviderError(f"provider {name!r}: {exc}") from None
        self.http = HttpClient(base_url=self.config.base_url)
        self.http.session.auth = SignedForm(key, self.config.domain, self.config.product)
        self.sleep: Callable[[float], None] = time.sleep
        # The directory sleeps through self.sleep at call time: tests replace it after construction.
        self.directory = Directory(
            NeteaseClient(self.http), self.config.domain, self.config.consistency_timeout, lambda s: self.sleep(s)
        )
        self.reader = Reader(self.directory)
        self.departments = Departments(self.directory, Waiting())
        self.accounts = Accounts(self.directory, context.credentials)
        self.aliases = Aliases(self.directory)
        self.archive = Archive(self.directory)

    def read(self, domains: Sequence[str]) -> Observed:
        return self.reader.read(domains)

    def apply(self, change: Change) -> str:
        handlers: dict[str, Callable[[Change], str]] = {
            "department": self.departments.apply,
            "mailbox": self.accounts.apply,
            "alias": self.aliases.apply,
            "archive": self.archive.apply,
        }
        return apply_by_kind(change, handlers, "NetEase Qiye cannot {action} a {kind} through its API")

    def wholly_manual(self, change: Change) -> bool:
        """A department moved to another parent (no API moves one); an archive whose account is not (yet)
        an account of this domain."""
        if change.kind == "department":
            return moves(change)
        rule = change.after or change.before
        if isinstance(rule, ArchiveRule) and change.action is not Action.REMOVE:
            return not is_archive_account(self.directory, rule)
        return False

    def manual_instructions(self, change: Change) -> str:
        return contact_steps(change, self.TYPE) if change.kind == "contact" else instructions_for(change)

    def close(self) -> None:
        self.http.session.close()
