"""What the Zoho Mail API cannot do (or does not document well enough to be relied on), and the
steps a person takes instead in the Zoho Mail Admin Console (``https://mailadmin.<region>``). The
console paths follow Zoho Mail's admin help pages (roles and privileges, domain aliasing,
organization security); the vacation-reply and delegation paths are unverified."""

from __future__ import annotations

from collections.abc import Callable

from mailplan.i18n import Msg
from mailplan.model.change import Change
from mailplan.model.objects import AdminRole, ArchiveRule, AutoReply, Delegation, Domain, Group, MailObject, Policy
from mailplan.providers.mail.admin_api import console_steps

MANUAL_WHY: dict[str, str] = {
    "domain": "a domain is added and verified in the Admin Console (Domains → Add Domain); mailplan reads it",
    "domain.alias": "domain aliasing is set in the Admin Console (Domains → the domain → Domain Aliasing)",
    "policy": "password rules are set in the Admin Console (Security & Compliance → Password Policy)",
    "policy.2fa": "two-factor authentication is enforced in the Admin Console (Security & Compliance)",
    "autoreply": "the vacation-reply API's fields are not documented in full; it is set in the console",
    "delegation": "the API has no delegated access; a mailbox is shared in the console",
    "delegation.read": "the API has no delegated access; a mailbox is shared in the console",
    "delegation.send": "the API has no send-as right; it is granted in the console",
    "archive": "retention and eDiscovery are console features (Data Administration) without an API",
}


class Console:
    """Each step is one whole message (docs/i18n.md) naming the console with its address ``{url}``; the
    console's menu names are code (backticks in the translation), as the admin finds them."""

    def __init__(self, region: str) -> None:
        self.url = f"https://mailadmin.{region}"

    def instructions(self, change: Change) -> str:
        steps: dict[type[MailObject], Callable[..., str]] = {
            Domain: self._domain,
            Policy: self._policy,
            AutoReply: self._autoreply,
            Delegation: self._delegation,
            ArchiveRule: self._archive,
        }
        return console_steps(change, steps, self._removal)

    def _domain(self, obj: Domain) -> str:
        if obj.alias_of:
            return Msg(
                "In the Zoho Mail Admin Console ({url}, as an administrator): Domains → Add Domain {name} and verify "
                "it; then Domains → {alias_of} → Advanced Settings → Domain Aliasing → Add → {name} → Proceed, so "
                "that every address of {alias_of} also receives at {name}.",
                url=self.url, name=obj.name, alias_of=obj.alias_of,
            )
        return Msg(
            "In the Zoho Mail Admin Console ({url}, as an administrator): Domains → Add Domain → {name}; verify it "
            "(TXT or CNAME) and set up email hosting, then publish the MX/SPF/DKIM records mailplan plans for it "
            "and run mailplan plan again.",
            url=self.url, name=obj.name,
        )

    def _policy(self, obj: Policy) -> str:
        shown = {"url": self.url, "length": obj.password_min_length, "scope": obj.scope}
        days = obj.password_max_age_days
        if days and obj.require_2fa:
            return Msg(
                "In the Zoho Mail Admin Console ({url}, as an administrator): Security & Compliance → Password "
                "Policy: minimum length {length}, password expiry {days} days, for the users of {scope}. Then "
                "Security & Compliance → Multi-Factor Authentication (TFA): enforce it for every user.",
                days=days, **shown,
            )
        if days:
            return Msg(
                "In the Zoho Mail Admin Console ({url}, as an administrator): Security & Compliance → Password "
                "Policy: minimum length {length}, password expiry {days} days, for the users of {scope}.",
                days=days, **shown,
            )
        if obj.require_2fa:
            return Msg(
                "In the Zoho Mail Admin Console ({url}, as an administrator): Security & Compliance → Password "
                "Policy: minimum length {length}, for the users of {scope}. Then Security & Compliance → "
                "Multi-Factor Authentication (TFA): enforce it for every user.",
                **shown,
            )
        return Msg(
            "In the Zoho Mail Admin Console ({url}, as an administrator): Security & Compliance → Password "
            "Policy: minimum length {length}, for the users of {scope}.",
            **shown,
        )

    def _autoreply(self, obj: AutoReply) -> str:
        return Msg(
            "Before {address} is frozen (the freeze replaces its password and disables it): sign in to Zoho Mail as "
            "{address}, or in the Zoho Mail Admin Console ({url}, as an administrator) open Users → {address}; "
            "Settings → Vacation Reply: turn it on for all senders, with the subject {subject} and the text: {body}",
            address=obj.address, url=self.url, subject=repr(obj.subject), body=obj.body,
        )

    def _delegation(self, obj: Delegation) -> str:
        shown = {"mailbox": obj.mailbox, "url": self.url, "grantee": obj.grantee}
        if obj.read and obj.send:
            return Msg(
                "Zoho Mail cannot grant one account another's mailbox through its API. Sign in to Zoho Mail as "
                "{mailbox} (an administrator can reset its password in the Zoho Mail Admin Console ({url}, as an "
                "administrator) → Users) → Settings → Delegation: add {grantee} so they can read and send as it.",
                **shown,
            )
        if obj.send:
            return Msg(
                "Zoho Mail cannot grant one account another's mailbox through its API. Sign in to Zoho Mail as "
                "{mailbox} (an administrator can reset its password in the Zoho Mail Admin Console ({url}, as an "
                "administrator) → Users) → Settings → Delegation: add {grantee} so they can send as it.",
                **shown,
            )
        if obj.read:
            return Msg(
                "Zoho Mail cannot grant one account another's mailbox through its API. Sign in to Zoho Mail as "
                "{mailbox} (an administrator can reset its password in the Zoho Mail Admin Console ({url}, as an "
                "administrator) → Users) → Settings → Delegation: add {grantee} so they can read it.",
                **shown,
            )
        return Msg(
            "Zoho Mail cannot grant one account another's mailbox through its API. Sign in to Zoho Mail as "
            "{mailbox} (an administrator can reset its password in the Zoho Mail Admin Console ({url}, as an "
            "administrator) → Users) → Settings → Delegation: add {grantee} so they can use it.",
            **shown,
        )

    def _archive(self, obj: ArchiveRule) -> str:
        if obj.retention_days:
            return Msg(
                "In the Zoho Mail Admin Console ({url}, as an administrator): Data Administration → eDiscovery / "
                "Retention: keep every message of {scope} and keep mail {days} days (retention policy); give "
                "{copy_to} access to it.",
                url=self.url, scope=obj.scope, days=obj.retention_days, copy_to=obj.copy_to,
            )
        return Msg(
            "In the Zoho Mail Admin Console ({url}, as an administrator): Data Administration → eDiscovery / "
            "Retention: keep every message of {scope}; give {copy_to} access to it.",
            url=self.url, scope=obj.scope, copy_to=obj.copy_to,
        )

    def _removal(self, obj: MailObject) -> str:
        return Msg(
            "In the Zoho Mail Admin Console ({url}, as an administrator) (or in {owner}'s settings): remove the "
            "{kind} {key}.",
            url=self.url, owner=getattr(obj, "address", obj.key), kind=Msg(obj.KIND), key=obj.key,
        )

    # steps for what mailplan applies only in part

    def rename(self, before: Group, after: Group) -> str:
        return Msg(
            "The Zoho API documents no rename of a group: in the Zoho Mail Admin Console ({url}, as an "
            "administrator) → Groups → {address} → Settings, change its name from {before} to {after}.",
            url=self.url, address=after.address, before=repr(before.name), after=repr(after.name),
        )

    def admin_role(self, change: Change, live: str) -> str:
        address = change.key
        after = change.after if isinstance(change.after, AdminRole) else None
        if live == "super_admin":
            return Msg(
                "{address} is the organization's Super Administrator, whom only the Super Administrator can change: "
                "in the Zoho Mail Admin Console ({url}, as an administrator) → Security & Compliance → Roles and "
                "Privileges → Roles → Super Administrator → Change Super Admin, choose another Administrator; then "
                "{address} is an Administrator, and the next apply makes them a User.",
                address=address, url=self.url,
            )
        if after is not None and after.level == "department":
            shown = {"scope": ", ".join(after.departments) or Msg("their department"), "address": address,
                     "url": self.url}
            if live == "admin":
                return Msg(
                    "Zoho Mail has no administrator limited to departments ({scope}): mailplan makes {address} a "
                    "User rather than leave them Administrator of the whole organization. If they must administer "
                    "Zoho Mail, give their tier `admin: super` (Administrator of everything), or a custom "
                    "administrator role in the Zoho Mail Admin Console ({url}, as an administrator) → Security & "
                    "Compliance → Roles and Privileges; see also the Zoho Mail Admin Console ({url}, as an "
                    "administrator) → Users → {address} → Personal Information → Role.",
                    **shown,
                )
            return Msg(
                "Zoho Mail has no administrator limited to departments ({scope}): {address} stays a User. If they "
                "must administer Zoho Mail, give their tier `admin: super` (Administrator of everything), or a "
                "custom administrator role in the Zoho Mail Admin Console ({url}, as an administrator) → Security & "
                "Compliance → Roles and Privileges; see also the Zoho Mail Admin Console ({url}, as an "
                "administrator) → Users → {address} → Personal Information → Role.",
                **shown,
            )
        return ""
