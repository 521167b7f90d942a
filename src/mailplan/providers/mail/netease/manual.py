"""What NetEase's signed admin API cannot do, and the console steps instead (Chinese menu names first, as
the console shows them, with their English meaning).

The menu paths come from NetEase's help pages as resellers republish them: 管理后台 › 邮箱与邮件 › 邮件列表
(mail lists), 安全中心 › 密码管理 › 密码规则管理 (password rules), 增值服务 › 邮件归档 (mail archive); the docs
page says which others are unverified.
"""

from __future__ import annotations

from collections.abc import Callable

from mailplan.i18n import N_, Msg
from mailplan.model.change import Change
from mailplan.model.objects import (
    AdminRole,
    Alias,
    ArchiveRule,
    AutoReply,
    Delegation,
    Department,
    Domain,
    Forwarding,
    Group,
    MailObject,
    Policy,
)
from mailplan.providers.mail.admin_api import console_steps

MANUAL_WHY: dict[str, str] = {
    "domain": "domains are added to the enterprise by NetEase or the reseller; the API only answers for its own",
    "domain.alias": "domain aliases are set up by NetEase or the reseller; the API has no call for them",
    "group": "no mail-list call is known in the signed API (the open platform can edit lists but not list them)",
    "group.external": "mail lists are made in the console",
    "group.post.organization": "who may send to a mail list (使用范围) is set in the console",
    "group.post.members": "who may send to a mail list (使用范围) is set in the console",
    "group.post.senders": "who may send to a mail list (使用范围) is set in the console",
    "alias.multi": "an alias belongs to one account; an address for several people is a mail list (console)",
    "alias.external": "an address forwarding outside is a mail list with an outside member (console)",
    "policy": "password rules are console settings (安全中心 › 密码管理 › 密码规则管理)",
    "policy.2fa": "two-step login verification is a console setting",
    "forwarding": "auto-forwarding is a mailbox setting; the API only has the permission flag",
    "autoreply": "auto-reply is a mailbox setting without an API",
    "delegation": "NetEase's API has no delegated mailbox access",
    "delegation.read": "NetEase's API has no delegated mailbox access",
    "delegation.send": "NetEase's API has no send-as right",
    "admin_role": "administrators are appointed in the console; no API is known",
    "archive": "the API names the archive account; NetEase opens the archive, its retention is a console setting",
}

# Each step is one whole message (docs/i18n.md), the console named in it; a step of several lines is
# joined with newlines, and each line is one message, so that a saved plan reads in Chinese too.

# who may send to a mail list (使用范围), by the group's post_policy
_POST = {
    "anyone": N_("Set 使用范围 (who may send) to anyone, outside senders included; save."),
    "organization": N_("Set 使用范围 (who may send) to members of the enterprise only; save."),
    "members": N_("Set 使用范围 (who may send) to the list's members only; save."),
}


def _domain(obj: Domain) -> str:
    if obj.alias_of:
        return Msg(
            "Ask NetEase or your reseller to add {name} as a domain alias (域名别名) of {alias_of}, so that every "
            "address of {alias_of} also receives at {name}; then publish the MX/SPF records mailplan plans for it.",
            name=obj.name, alias_of=obj.alias_of,
        )
    return Msg(
        "Ask NetEase or your reseller to add the domain {name} to your enterprise (多域名), then verify it in the "
        "NetEase admin console (企业邮箱管理后台: https://qiye.163.com/login/ → 管理员登录, as an administrator) "
        "and publish the MX/SPF/DKIM records mailplan plans for it. NetEase's API is called per domain: give the "
        "new domain its own `netease-qiye` provider with the product and key NetEase issues for it.",
        name=obj.name,
    )


def _group(obj: Group) -> str:
    lines: list[str] = [Msg(
        "In the NetEase admin console (企业邮箱管理后台: https://qiye.163.com/login/ → 管理员登录, as an "
        "administrator), 邮箱与邮件 › 邮件列表 (Mailbox & mail › Mail lists) › 新建邮件列表 (New mail list): "
        "address {address}, name {name}, members {members}.",
        address=obj.address, name=repr(obj.name), members=", ".join(obj.members),
    )]  # fmt: skip
    if obj.post_policy == "senders":
        lines.append(Msg("Set 使用范围 (who may send) to only the listed senders ({senders}); save.",
                         senders=", ".join(obj.senders)))
    else:
        lines.append(_POST[obj.post_policy])
    if obj.owners:
        lines.append(Msg("Add {owners} as 邮件列表管理员 (list administrators; three at most).",
                         owners=", ".join(obj.owners)))
    return "\n".join(lines)


def _alias(obj: Alias) -> str:
    group = Group(address=obj.address, name=obj.address.partition("@")[0], members=obj.targets)
    return _group(group) + "\n" + N_("An alias with several or outside targets is a mail list in NetEase.")


def _policy(obj: Policy) -> str:
    lines: list[str] = [Msg(
        "In the NetEase admin console (企业邮箱管理后台: https://qiye.163.com/login/ → 管理员登录, as an "
        "administrator), 安全中心 › 密码管理 › 密码规则管理 (Security center › Password rules) for {scope}: "
        "密码复杂度 (complexity): at least {length} characters.",
        scope=obj.scope, length=obj.password_min_length,
    )]  # fmt: skip
    if obj.password_max_age_days:
        lines.append(Msg("定期密码修改 (periodic password renewal): 开启 (on), every {days} days.",
                         days=obj.password_max_age_days))
    if obj.require_2fa:
        lines.append(N_(
            "Then, under 安全中心 (Security center), turn on 二次验证 / 登录验证 (two-step login verification) for "
            "every member, and have mail clients use 客户端授权密码 (client authorisation passwords)."
        ))
    return "\n".join(lines)


def _forwarding(obj: Forwarding) -> str:
    steps = Msg(
        "Before {address} is frozen (the freeze replaces its password): in {address}'s webmail → 设置 (Settings) "
        "→ 自动转发 (auto-forward): forward new mail to {targets}, keep a copy.",
        address=obj.address, targets=", ".join(obj.targets),
    )
    permission = Msg(
        "In the NetEase admin console (企业邮箱管理后台: https://qiye.163.com/login/ → 管理员登录, as an "
        "administrator), 帐号管理 (Accounts) → {address} → 编辑 (edit): the account needs the 自动转发 permission.",
        address=obj.address,
    )
    return f"{steps}\n{permission}"


def _autoreply(obj: AutoReply) -> str:
    return Msg(
        "Before {address} is frozen (the freeze replaces its password): in {address}'s webmail → 设置 (Settings) "
        "→ 自动回复 (auto-reply): on, subject {subject}, text: {body}",
        address=obj.address, subject=repr(obj.subject), body=obj.body,
    )


def _delegation(obj: Delegation) -> str:
    shown = {"mailbox": obj.mailbox, "grantee": obj.grantee}
    if obj.read and not obj.send:
        return Msg(
            "NetEase's admin API has no delegated access. For {grantee} to read {mailbox}: forward its new mail to "
            "{grantee} (webmail → 设置 → 自动转发), or ask NetEase whether your edition shares a mailbox.", **shown)
    if obj.send and not obj.read:
        return Msg(
            "NetEase's admin API has no delegated access. For {grantee} to send as {mailbox}: forward its new mail "
            "to {grantee} (webmail → 设置 → 自动转发), or ask NetEase whether your edition shares a mailbox.", **shown)
    return Msg(
        "NetEase's admin API has no delegated access. For {grantee} to read and send as {mailbox}: forward its new "
        "mail to {grantee} (webmail → 设置 → 自动转发), or ask NetEase whether your edition shares a mailbox.", **shown)


def _admin_role(obj: AdminRole) -> str:
    if obj.level == "super":
        return Msg(
            "In the NetEase admin console (企业邮箱管理后台: https://qiye.163.com/login/ → 管理员登录, as an "
            "administrator), under 管理员 / 权限管理 (administrators), appoint {address} as administrator of the "
            "whole enterprise.", address=obj.address)
    return Msg(
        "In the NetEase admin console (企业邮箱管理后台: https://qiye.163.com/login/ → 管理员登录, as an "
        "administrator), under 管理员 / 权限管理 (administrators), appoint {address} as administrator of the "
        "departments {departments}.", address=obj.address, departments=", ".join(obj.departments))


def _archive(obj: ArchiveRule) -> str:
    opened = Msg(
        "Mail archiving (邮件归档) is opened by NetEase or your reseller: ask them if the NetEase admin console "
        "(企业邮箱管理后台: https://qiye.163.com/login/ → 管理员登录, as an administrator) shows no 增值服务 › "
        "邮件归档 (Value-added services › Mail archive). There, make {copy_to} the archive administrator (mailplan "
        "names it through the API once it is an account of {scope}); {copy_to} confirms the activation mail "
        "NetEase sends.",
        copy_to=obj.copy_to, scope=obj.scope,
    )
    if not obj.retention_days:
        return opened
    return f"{opened}\n" + Msg("Set the retention to {days} days.", days=obj.retention_days)


def _department_move(obj: Department) -> str:
    if obj.parent:
        return Msg(
            "NetEase's API cannot move a department. In the NetEase admin console (企业邮箱管理后台: "
            "https://qiye.163.com/login/ → 管理员登录, as an administrator), 通讯录 / 部门管理 (Departments) → "
            "{name} → 编辑 (edit): move it under {parent}; its people move with it.",
            name=obj.name, parent=obj.parent,
        )
    return Msg(
        "NetEase's API cannot move a department. In the NetEase admin console (企业邮箱管理后台: "
        "https://qiye.163.com/login/ → 管理员登录, as an administrator), 通讯录 / 部门管理 (Departments) → "
        "{name} → 编辑 (edit): move it to the top level; its people move with it.",
        name=obj.name,
    )


_STEPS: dict[type[MailObject], Callable[..., str]] = {
    Domain: _domain,
    Group: _group,
    Alias: _alias,
    Policy: _policy,
    Forwarding: _forwarding,
    AutoReply: _autoreply,
    Delegation: _delegation,
    AdminRole: _admin_role,
    ArchiveRule: _archive,
    Department: _department_move,
}


def _removal(obj: MailObject) -> str:
    if isinstance(obj, ArchiveRule):
        return N_(
            "In the NetEase admin console (企业邮箱管理后台: https://qiye.163.com/login/ → 管理员登录, as an "
            "administrator), 增值服务 › 邮件归档 (Mail archive) → 停止归档 (stop archiving), if it should stop."
        )
    if isinstance(obj, Group):
        return Msg(
            "In the NetEase admin console (企业邮箱管理后台: https://qiye.163.com/login/ → 管理员登录, as an "
            "administrator), 邮箱与邮件 › 邮件列表 (Mailbox & mail › Mail lists): delete the mail list {address}.",
            address=obj.address,
        )
    return Msg(
        "In the NetEase admin console (企业邮箱管理后台: https://qiye.163.com/login/ → 管理员登录, as an "
        "administrator) (or in the mailbox's webmail settings), remove the {kind} {key}.",
        kind=Msg(obj.KIND), key=obj.key,
    )


def instructions_for(change: Change) -> str:
    return console_steps(change, _STEPS, _removal)
