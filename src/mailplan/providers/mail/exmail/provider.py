"""Tencent Exmail (腾讯企业邮) through its ``cgi-bin`` admin API.

What maps where:
- Department  -> department (one name only: a title that differs from the key is shown as ``title [key]``)
- Mailbox     -> user (persons and functional mailboxes alike); frozen = ``enable: 0``, and
                 IMAP/SMTP and POP/SMTP client access off (``useroption``, the 功能设置 app)
- Alias       -> one of the owner's ``slaves`` (at most 5 per user, single target only)
- Group       -> mail group; post policy = ``allow_type`` (+ ``allow_userlist`` for "senders")
- Domain      -> read only (probed with ``user/batchcheck``); domains are added in the console

Exmail keeps no free-form field on users or departments, so what mailplan
created is marked with a tag (``tag/addtagusers``): users and departments in
the ``mailplan`` tag are managed, users also in ``mailplan-functional`` are
functional mailboxes. Groups carry no mark: mailplan never removes a group.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from mailplan.model.change import Change
from mailplan.model.state import Observed
from mailplan.providers import http
from mailplan.providers.base import Provider, ProviderContext, ProviderError
from mailplan.providers.http import EXMAIL_POLICY, HttpClient
from mailplan.providers.mail.admin_api import Waiting, apply_by_kind
from mailplan.providers.mail.contacts_manual import WHY, contact_steps
from mailplan.providers.mail.exmail.client import ExmailClient
from mailplan.providers.mail.exmail.departments import Departments
from mailplan.providers.mail.exmail.directory import Directory
from mailplan.providers.mail.exmail.groups import Groups
from mailplan.providers.mail.exmail.mailboxes import Mailboxes
from mailplan.providers.mail.exmail.manual import MANUAL_WHY, instructions_for
from mailplan.providers.mail.exmail.reader import Reader


class ExmailSettings(BaseModel):
    """``settings:`` of a ``type: tencent-exmail`` provider."""

    model_config = ConfigDict(extra="forbid")

    corp_id: str = Field(description="The company's CorpID (管理后台 → 工具箱 → 开发者接口)")
    corp_secret: str = Field(description="Secret of the 通讯录管理 app; reference it as env:NAME or file:PATH")
    function_secret: str | None = Field(
        default=None,
        description="Secret of the 功能设置 app: a freeze turns IMAP/POP/SMTP off with it (useroption), an "
        "unfreeze turns back on what the freeze turned off; reference it as env:NAME or file:PATH",
    )
    base_url: str = Field("https://api.exmail.qq.com/cgi-bin/", description="The Exmail API")
    org_domain: str | None = Field(
        default=None, description="Domain departments are reported under; default: the first domain in scope"
    )
    marker_tag: str = Field(default="mailplan", max_length=32, description="The tag marking mailplan's objects")
    functional_tag: str = Field(
        default="mailplan-functional", max_length=32, description="The tag marking functional mailboxes"
    )
    consistency_timeout: float = Field(
        default=60.0, ge=0, description="Seconds to keep retrying a just-written object that is not visible yet"
    )


class TencentExmailProvider(Provider):
    TYPE: ClassVar[str] = "tencent-exmail"
    ROLE: ClassVar[str] = "mail"
    SUPPORTS: ClassVar[frozenset[str]] = frozenset(
        {"department", "mailbox", "alias", "alias.multi", "group", "group.post.organization", "group.post.members",
         "group.post.senders"}
    )  # fmt: skip
    MANUAL: ClassVar[Mapping[str, str]] = {**MANUAL_WHY, "contact": WHY["tencent-exmail"]}
    MARKED_APART: ClassVar[frozenset[str]] = frozenset({"mailbox", "department"})  # the marker tag
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = ExmailSettings
    ENDPOINTS: ClassVar[Mapping[str, tuple[str, ...]]] = {"base_url": ("api.exmail.qq.com",)}

    def __init__(self, name: str, settings: Mapping[str, Any], context: ProviderContext) -> None:
        super().__init__(name, settings, context)
        self.config = ExmailSettings.model_validate(dict(settings))
        self.http = HttpClient(self.config.base_url, EXMAIL_POLICY, label=self.TYPE)
        self.client = ExmailClient(self.http, self.config.corp_id, self.config.corp_secret, "corp_secret")
        # Each Exmail app has its own secret and token: user options belong to 功能设置.
        self.options = (
            ExmailClient(self.http, self.config.corp_id, self.config.function_secret, "function_secret")
            if self.config.function_secret
            else None
        )
        self.sleep: Callable[[float], None] = lambda seconds: http.pause(seconds)  # looked up when it waits
        # The directory sleeps through self.sleep at call time: tests replace it after construction.
        self.directory = Directory(self.client, self.config.consistency_timeout, lambda seconds: self.sleep(seconds))
        waiting = Waiting()  # shared: a department waits for its parent, and for its manager's mailbox
        marker, functional = self.config.marker_tag, self.config.functional_tag
        self.reader = Reader(self.directory, marker, functional, self.config.org_domain)
        self.departments = Departments(self.directory, waiting, marker)
        self.mailboxes = Mailboxes(self.directory, self.options, waiting, context.credentials, marker, functional)
        self.groups = Groups(self.directory)

    def read(self, domains: Sequence[str]) -> Observed:
        if self.options is not None:
            # checked at plan time, not first on a departure day (only a freeze uses the 功能设置 app)
            self.options.token()
        return self.reader.read(domains)

    def apply(self, change: Change) -> str:
        handlers: dict[str, Callable[[Change], str]] = {
            "department": self.departments.apply,
            "mailbox": self.mailboxes.apply,
            "alias": self.groups.alias,
            "group": self.groups.group,
        }
        return apply_by_kind(change, handlers, "Tencent Exmail cannot {action} a {kind} through its API")

    def finish(self) -> None:
        try:
            self.mailboxes.mark_created()
        except ProviderError as exc:
            left = ", ".join(self.mailboxes.unmarked[:5]) + (" …" if len(self.mailboxes.unmarked) > 5 else "")
            raise ProviderError(
                f"the new mailboxes {left} are in place but not tagged {self.config.marker_tag!r} as mailplan's "
                f"({exc}); add them to that tag in the console, or mailplan treats them as adopted (never removes them)"
            ) from None

    def manual_instructions(self, change: Change) -> str:
        return contact_steps(change, self.TYPE) if change.kind == "contact" else instructions_for(change)
