"""What the Alibaba Mail open platform does not do publicly, and the console steps instead."""

from __future__ import annotations

from collections.abc import Callable

from mailplan.model.change import Change
from mailplan.model.objects import (
    AdminRole,
    ArchiveRule,
    AutoReply,
    Delegation,
    Domain,
    Forwarding,
    Group,
    MailObject,
    Policy,
)
from mailplan.providers.mail.admin_api import console_steps

CONSOLE = "the Alibaba Mail admin console (https://qiye.aliyun.com, log in as an administrator)"

MANUAL_WHY: dict[str, str] = {
    "domain": "domains are bought/added and verified in the console; the API only lists them",
    "domain.alias": "domain aliases are added in the console; the API only lists them",
    "group": "the mail-group endpoints are not in the public API reference",
    "group.external": "mail-group members, outside ones included, are set in the console",
    "group.post.organization": "mail-group sending permissions are set in the console",
    "group.post.members": "mail-group sending permissions are set in the console",
    "group.post.senders": "mail-group sending permissions are set in the console",
    "policy": "password rules are console settings",
    "policy.2fa": "two-step verification is enforced in the console",
    "forwarding": "forwarding is a mailbox setting without a public API",
    "autoreply": "auto-reply is a mailbox setting without a public API",
    "delegation": "mailbox sharing (邮箱共享) is granted in the console",
    "delegation.read": "mailbox sharing (邮箱共享) is granted in the console",
    "delegation.send": "send-as rights are granted in the console",
    "admin_role": "administrators are appointed in the console",
    "archive": "mail archiving (邮件归档) is a console feature",
}


def _domain(obj: Domain) -> str:
    if obj.alias_of:
        return f"In {CONSOLE}, under 域名管理 add {obj.name} as a domain alias (域别名) of {obj.alias_of}; verify it."
    return f"In {CONSOLE}, under 域名管理 add the domain {obj.name}, verify it and publish the records mailplan plans."


def _group(obj: Group) -> str:
    who = {
        "anyone": "anyone",
        "organization": "members of the organization",
        "members": "group members only",
        "senders": "only " + ", ".join(obj.senders),
    }[obj.post_policy]
    return (
        f"In {CONSOLE}, under 邮件组 create or edit the group {obj.address} named {obj.name!r} with the members "
        f"{', '.join(obj.members)}; set who may send to it: {who}."
        + (f" Make {', '.join(obj.owners)} its administrators." if obj.owners else "")
    )


def _policy(obj: Policy) -> str:
    extra = f", expiry {obj.password_max_age_days} days" if obj.password_max_age_days else ""
    twofa = "; require two-step verification (二次验证) for everyone" if obj.require_2fa else ""
    length = obj.password_min_length
    return f"In {CONSOLE}, under security settings set the minimum password length {length}{extra}{twofa}."


def _forwarding(obj: Forwarding) -> str:
    return (
        f"Before {obj.address} is frozen: in {obj.address}'s webmail → 设置 → 自动转发, forward new mail to "
        f"{', '.join(obj.targets)} and keep a copy."
    )


def _autoreply(obj: AutoReply) -> str:
    return f"Before {obj.address} is frozen: in its webmail → 设置 → 自动回复, reply with {obj.subject!r}: {obj.body}"


def _delegation(obj: Delegation) -> str:
    rights = " and ".join(r for r, on in (("read", obj.read), ("send as", obj.send)) if on) or "access"
    return f"In {CONSOLE}, share the mailbox {obj.mailbox} with {obj.grantee} ({rights})."


def _admin_role(obj: AdminRole) -> str:
    scope = "the whole organization" if obj.level == "super" else ", ".join(obj.departments)
    return f"In {CONSOLE}, under 管理员 appoint {obj.address} as administrator of {scope}."


def _archive(obj: ArchiveRule) -> str:
    return f"In {CONSOLE}, turn on mail archiving for {obj.scope} and give {obj.copy_to} access to the archive."


_STEPS: dict[type[MailObject], Callable[..., str]] = {
    Domain: _domain,
    Group: _group,
    Policy: _policy,
    Forwarding: _forwarding,
    AutoReply: _autoreply,
    Delegation: _delegation,
    AdminRole: _admin_role,
    ArchiveRule: _archive,
}


def _removal(obj: MailObject) -> str:
    return f"In {CONSOLE}, remove the {obj.KIND} {obj.key}."


def instructions_for(change: Change) -> str:
    return console_steps(change, _STEPS, _removal)
