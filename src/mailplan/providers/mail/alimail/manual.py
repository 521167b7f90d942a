"""What the Alibaba Mail open platform does not do publicly, and the console steps instead."""

from __future__ import annotations

from collections.abc import Callable

from mailplan.i18n import N_, Msg
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


# Each step is one whole message (docs/i18n.md), the console named in it; a step of several lines is
# joined with newlines, and each line is one message, so that a saved plan reads in Chinese too.


def _domain(obj: Domain) -> str:
    if obj.alias_of:
        return Msg(
            "In the Alibaba Mail admin console (https://qiye.aliyun.com, sign in as an administrator), "
            "under 域名管理 add {name} as a domain "
            "alias (域别名) of {alias_of}; verify it.",
            name=obj.name, alias_of=obj.alias_of,
        )
    return Msg(
        "In the Alibaba Mail admin console (https://qiye.aliyun.com, sign in as an administrator), "
        "under 域名管理 add the domain {name}, "
        "verify it and publish the records mailplan plans.",
        name=obj.name,
    )


def _group(obj: Group) -> str:
    lines: list[str] = [Msg(
        "In the Alibaba Mail admin console (https://qiye.aliyun.com, sign in as an administrator), "
        "under 邮件组 create or edit the group "
        "{address} named {name} with the members {members}.",
        address=obj.address, name=repr(obj.name), members=", ".join(obj.members),
    )]  # fmt: skip
    if obj.post_policy == "senders":
        lines.append(Msg("Set who may send to it: only {senders}.", senders=", ".join(obj.senders)))
    else:
        lines.append({
            "anyone": N_("Set who may send to it: anyone."),
            "organization": N_("Set who may send to it: members of the organization."),
            "members": N_("Set who may send to it: group members only."),
        }[obj.post_policy])
    if obj.owners:
        lines.append(Msg("Make {owners} its administrators.", owners=", ".join(obj.owners)))
    return "\n".join(lines)


def _policy(obj: Policy) -> str:
    lines: list[str] = [Msg(
        "In the Alibaba Mail admin console (https://qiye.aliyun.com, sign in as an administrator), "
        "under security settings set the minimum "
        "password length {length}.",
        length=obj.password_min_length,
    )]  # fmt: skip
    if obj.password_max_age_days:
        lines.append(Msg("Let passwords expire after {days} days.", days=obj.password_max_age_days))
    if obj.require_2fa:
        lines.append(N_("Require two-step verification (二次验证) for everyone."))
    return "\n".join(lines)


def _forwarding(obj: Forwarding) -> str:
    return Msg(
        "Before {address} is frozen: in {address}'s webmail → 设置 → 自动转发, forward new mail to {targets} "
        "and keep a copy.",
        address=obj.address, targets=", ".join(obj.targets),
    )


def _autoreply(obj: AutoReply) -> str:
    return Msg(
        "Before {address} is frozen: in its webmail → 设置 → 自动回复, reply with {subject}: {body}",
        address=obj.address, subject=repr(obj.subject), body=obj.body,
    )


def _delegation(obj: Delegation) -> str:
    shown = {"mailbox": obj.mailbox, "grantee": obj.grantee}
    if obj.read and not obj.send:
        return Msg("In the Alibaba Mail admin console (https://qiye.aliyun.com, sign in as an administrator), "
                   "share the mailbox {mailbox} "
                   "with {grantee} (read).", **shown)
    if obj.send and not obj.read:
        return Msg("In the Alibaba Mail admin console (https://qiye.aliyun.com, sign in as an administrator), "
                   "share the mailbox {mailbox} "
                   "with {grantee} (send as).", **shown)
    return Msg("In the Alibaba Mail admin console (https://qiye.aliyun.com, sign in as an administrator), "
               "share the mailbox {mailbox} "
               "with {grantee} (read and send as).", **shown)


def _admin_role(obj: AdminRole) -> str:
    if obj.level == "super":
        return Msg("In the Alibaba Mail admin console (https://qiye.aliyun.com, sign in as an administrator), "
                   "under 管理员 appoint {address} "
                   "as administrator of the whole organization.", address=obj.address)
    return Msg("In the Alibaba Mail admin console (https://qiye.aliyun.com, sign in as an administrator), "
               "under 管理员 appoint {address} "
               "as administrator of {departments}.", address=obj.address, departments=", ".join(obj.departments))


def _archive(obj: ArchiveRule) -> str:
    return Msg("In the Alibaba Mail admin console (https://qiye.aliyun.com, sign in as an administrator), "
               "turn on mail archiving for {scope} "
               "and give {copy_to} access to the archive.", scope=obj.scope, copy_to=obj.copy_to)


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
    return Msg("In the Alibaba Mail admin console (https://qiye.aliyun.com, sign in as an administrator), "
               "remove the {kind} {key}.",
               kind=Msg(obj.KIND), key=obj.key)


def instructions_for(change: Change) -> str:
    return console_steps(change, _STEPS, _removal)
