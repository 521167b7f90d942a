"""What NetEase's signed admin API cannot do, and the console steps instead (Chinese menu names first, as
the console shows them, with their English meaning).

The menu paths come from NetEase's help pages as resellers republish them: 管理后台 › 邮箱与邮件 › 邮件列表
(mail lists), 安全中心 › 密码管理 › 密码规则管理 (password rules), 增值服务 › 邮件归档 (mail archive); the docs
page says which others are unverified.
"""

from __future__ import annotations

from collections.abc import Callable

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

CONSOLE = "the NetEase admin console (企业邮箱管理后台: https://qiye.163.com/login/ → 管理员登录, as an administrator)"
LISTS = f"In {CONSOLE}, 邮箱与邮件 › 邮件列表 (Mailbox & mail › Mail lists)"

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

_POST = {
    "anyone": "anyone, outside senders included",
    "organization": "members of the enterprise only",
    "members": "the list's members only",
    "senders": "only the listed senders",
}


def _domain(obj: Domain) -> str:
    if obj.alias_of:
        return (
            f"Ask NetEase or your reseller to add {obj.name} as a domain alias (域名别名) of {obj.alias_of}, so that "
            f"every address of {obj.alias_of} also receives at {obj.name}; then publish the MX/SPF records mailplan "
            "plans for it."
        )
    return (
        f"Ask NetEase or your reseller to add the domain {obj.name} to your enterprise (多域名), then verify it in "
        f"{CONSOLE} and publish the MX/SPF/DKIM records mailplan plans for it. NetEase's API is called per domain: "
        "give the new domain its own netease-qiye provider with the product and key NetEase issues for it."
    )


def _group(obj: Group) -> str:
    senders = f" ({', '.join(obj.senders)})" if obj.post_policy == "senders" else ""
    text = (
        f"{LISTS} › 新建邮件列表 (New mail list): address {obj.address}, name {obj.name!r}, members "
        f"{', '.join(obj.members)}. Set 使用范围 (who may send) to {_POST[obj.post_policy]}{senders}; save."
    )
    if obj.owners:
        text += f" Add {', '.join(obj.owners)} as 邮件列表管理员 (list administrators; three at most)."
    return text


def _alias(obj: Alias) -> str:
    group = Group(address=obj.address, name=obj.address.partition("@")[0], members=obj.targets)
    return _group(group) + " (An alias with several or outside targets is a mail list in NetEase.)"


def _policy(obj: Policy) -> str:
    steps = [f"In {CONSOLE}, 安全中心 › 密码管理 › 密码规则管理 (Security center › Password rules) for {obj.scope}:"]
    steps.append(f"密码复杂度 (complexity): at least {obj.password_min_length} characters")
    if obj.password_max_age_days:
        steps.append(f"定期密码修改 (periodic change): 开启 (on), every {obj.password_max_age_days} days")
    text = steps[0] + " " + "; ".join(steps[1:]) + "."
    if obj.require_2fa:
        text += (
            " Then, under 安全中心 (Security center), turn on 二次验证 / 登录验证 (two-step login verification) for "
            "every member, and have mail clients use 客户端授权密码 (client authorisation passwords)."
        )
    return text


def _mailbox_setting(address: str, what: str) -> str:
    return (
        f"Before {address} is frozen (the freeze replaces its password): in {address}'s webmail → 设置 "
        f"(Settings) → {what}."
    )


def _forwarding(obj: Forwarding) -> str:
    targets = ", ".join(obj.targets)
    return _mailbox_setting(obj.address, f"自动转发 (auto-forward): forward new mail to {targets}, keep a copy") + (
        f" The account needs the 自动转发 permission: {CONSOLE}, 帐号管理 (Accounts) → {obj.address} → 编辑 (edit)."
    )


def _autoreply(obj: AutoReply) -> str:
    return _mailbox_setting(obj.address, f"自动回复 (auto-reply): on, subject {obj.subject!r}, text: {obj.body}")


def _delegation(obj: Delegation) -> str:
    rights = " and ".join(r for r, on in (("read", obj.read), ("send as", obj.send)) if on) or "use"
    return (
        f"NetEase's admin API has no delegated access. For {obj.grantee} to {rights} {obj.mailbox}: forward its "
        f"new mail to {obj.grantee} (webmail → 设置 → 自动转发), or ask NetEase whether your edition shares a mailbox."
    )


def _admin_role(obj: AdminRole) -> str:
    scope = "the whole enterprise" if obj.level == "super" else "the departments " + ", ".join(obj.departments)
    return f"In {CONSOLE}, under 管理员 / 权限管理 (administrators), appoint {obj.address} as administrator of {scope}."


def _archive(obj: ArchiveRule) -> str:
    keep = f"; set the retention to {obj.retention_days} days" if obj.retention_days else ""
    return (
        f"Mail archiving (邮件归档) is opened by NetEase or your reseller: ask them if {CONSOLE} shows no "
        f"增值服务 › 邮件归档 (Value-added services › Mail archive). There, make {obj.copy_to} the archive "
        f"administrator (mailplan names it through the API once it is an account of {obj.scope}); "
        f"{obj.copy_to} confirms the activation mail NetEase sends{keep}."
    )


def _department_move(obj: Department) -> str:
    parent = f"under {obj.parent}" if obj.parent else "to the top level"
    return (
        f"NetEase's API cannot move a department. In {CONSOLE}, 通讯录 / 部门管理 (Departments) → {obj.name} "
        f"→ 编辑 (edit): move it {parent}; its people move with it."
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
        return f"In {CONSOLE}, 增值服务 › 邮件归档 (Mail archive) → 停止归档 (stop archiving), if it should stop."
    if isinstance(obj, Group):
        return f"{LISTS}: delete the mail list {obj.address}."
    return f"In {CONSOLE} (or in the mailbox's webmail settings), remove the {obj.KIND} {obj.key}."


def instructions_for(change: Change) -> str:
    return console_steps(change, _STEPS, _removal)
