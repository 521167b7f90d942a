"""What the Zoho Mail API cannot do (or does not document well enough to be relied on), and the
steps a person takes instead in the Zoho Mail Admin Console (``https://mailadmin.<region>``). The
console paths follow Zoho Mail's admin help pages (roles and privileges, domain aliasing,
organization security); the vacation-reply and delegation paths are unverified."""

from __future__ import annotations

from collections.abc import Callable

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
    def __init__(self, region: str) -> None:
        self.where = f"the Zoho Mail Admin Console (https://mailadmin.{region}, as an administrator)"

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
            return (
                f"In {self.where}: Domains → Add Domain {obj.name} and verify it; then Domains → {obj.alias_of} → "
                f"Advanced Settings → Domain Aliasing → Add → {obj.name} → Proceed, so that every address of "
                f"{obj.alias_of} also receives at {obj.name}."
            )
        return (
            f"In {self.where}: Domains → Add Domain → {obj.name}; verify it (TXT or CNAME) and set up email "
            "hosting, then publish the MX/SPF/DKIM records mailplan plans for it and run mailplan plan again."
        )

    def _policy(self, obj: Policy) -> str:
        expiry = f", password expiry {obj.password_max_age_days} days" if obj.password_max_age_days else ""
        text = (
            f"In {self.where}: Security & Compliance → Password Policy: minimum length "
            f"{obj.password_min_length}{expiry}, for the users of {obj.scope}."
        )
        if obj.require_2fa:
            text += " Then Security & Compliance → Multi-Factor Authentication (TFA): enforce it for every user."
        return text

    def _autoreply(self, obj: AutoReply) -> str:
        return (
            f"Before {obj.address} is disabled (or after enabling it for a moment): sign in to Zoho Mail as "
            f"{obj.address}, or in {self.where} open Users → {obj.address}; Settings → Vacation Reply: turn it on "
            f"for all senders, with the subject {obj.subject!r} and the text: {obj.body}"
        )

    def _delegation(self, obj: Delegation) -> str:
        rights = " and ".join(r for r, on in (("read", obj.read), ("send as", obj.send)) if on) or "use"
        return (
            f"Zoho Mail cannot grant one account another's mailbox through its API. Sign in to Zoho Mail as "
            f"{obj.mailbox} (an administrator can reset its password in {self.where} → Users) → Settings → "
            f"Delegation: add {obj.grantee} so they can {rights} it."
        )

    def _archive(self, obj: ArchiveRule) -> str:
        keep = f" and keep mail {obj.retention_days} days (retention policy)" if obj.retention_days else ""
        return (
            f"In {self.where}: Data Administration → eDiscovery / Retention: keep every message of "
            f"{obj.scope}{keep}; give {obj.copy_to} access to it."
        )

    def _removal(self, obj: MailObject) -> str:
        owner = getattr(obj, "address", obj.key)
        return f"In {self.where} (or in {owner}'s settings): remove the {obj.KIND} {obj.key}."

    # steps for what mailplan applies only in part

    def rename(self, before: Group, after: Group) -> str:
        return (
            f"The Zoho API documents no rename of a group: in {self.where} → Groups → {after.address} → Settings, "
            f"change its name from {before.name!r} to {after.name!r}."
        )

    def admin_role(self, change: Change, live: str) -> str:
        address = change.key
        after = change.after if isinstance(change.after, AdminRole) else None
        users = f"{self.where} → Users → {address} → Personal Information → Role"
        if live == "super_admin":
            return (
                f"{address} is the organization's Super Administrator, whom only the Super Administrator can change: "
                f"in {self.where} → Security & Compliance → Roles and Privileges → Roles → Super Administrator → "
                f"Change Super Admin, choose another Administrator; then {address} is an Administrator, and the next "
                "apply makes them a User."
            )
        if after is not None and after.level == "department":
            scope = ", ".join(after.departments) or "their department"
            now = (
                f"mailplan makes {address} a User rather than leave them Administrator of the whole organization"
                if live == "admin"
                else f"{address} stays a User"
            )
            return (
                f"Zoho Mail has no administrator limited to departments ({scope}): {now}. If they must administer "
                f"Zoho Mail, give their tier `admin: super` (Administrator of everything), or a custom administrator "
                f"role in {self.where} → Security & Compliance → Roles and Privileges; see also {users}."
            )
        return ""
