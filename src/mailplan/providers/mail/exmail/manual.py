"""What the Exmail API cannot do, and the steps a person takes instead."""

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
    MailObject,
    Policy,
)
from mailplan.providers.mail.admin_api import console_steps

CONSOLE = "the Exmail admin console (https://exmail.qq.com, log in as an administrator)"

MANUAL_WHY: dict[str, str] = {
    "domain": "the API has no domain endpoint; domains are added and verified in the admin console",
    "domain.alias": "the API has no domain endpoint; a second domain is added in the admin console",
    "delegation": "the API has no delegated access; a shared mailbox is shared in the admin console",
    "delegation.read": "the API has no delegated access; a shared mailbox is shared in the admin console",
    "delegation.send": "the API has no send-as right; a shared mailbox is shared in the admin console",
    "policy": "password rules are set in the admin console; the API has no policy endpoint",
    # useroption type 1 sets it per member, but nothing reads it for the whole company: a plan would cost
    # one call per member (10,000 people: 20 minutes at the API's 500 calls a minute), and the policy's
    # password rules have no endpoint at all.
    "policy.2fa": "forced secure login (强制启用安全登录) is set member by member in the admin console; the "
    "API's per-member option cannot be read for a whole company",
    "forwarding": "the API has no forwarding endpoint; forwarding is a mailbox setting",
    "autoreply": "the API has no auto-reply endpoint; auto-reply is a mailbox setting",
    "admin_role": "administrators are appointed in the admin console; the API has no role endpoint",
    "archive": "mail archiving (邮件归档) is a paid console feature without an API",
}


def _domain(obj: Domain) -> str:
    if obj.alias_of:
        return (
            f"In {CONSOLE}, add {obj.name} to the domain settings (域名管理) as a domain alias of {obj.alias_of} "
            f"(域名别名), so that every address of {obj.alias_of} also receives at {obj.name}; verify it."
        )
    return (
        f"In {CONSOLE}, add the domain {obj.name} under the domain settings (域名管理) and verify it; "
        "then publish the MX/SPF/DKIM records mailplan plans for it and run mailplan plan again."
    )


def _policy(obj: Policy) -> str:
    steps = [f"In {CONSOLE}, open the security settings (安全设置 → 密码策略) for {obj.scope}:"]
    steps.append(f"set the minimum password length to {obj.password_min_length}")
    if obj.password_max_age_days:
        steps.append(f"require a password change every {obj.password_max_age_days} days (定期修改密码)")
    text = steps[0] + " " + "; ".join(steps[1:]) + "."
    if obj.require_2fa:
        text += (
            f" Then, for every member of {obj.scope}: 成员与群组 (members and groups) → the member → 编辑 (edit) → "
            "tick 强制启用安全登录 (force secure login) → 保存 (save). From their next login they confirm it "
            "with the WeChat dynamic code (微信动态码) and use a client password (客户端专用密码) in mail apps. "
            "New members need the same tick when they are added."
        )
    return text


def _mailbox_setting(address: str, what: str) -> str:
    return (
        f"Before {address} is frozen: open {address}'s mailbox (the person, or an administrator through "
        f"the single sign-on link of 单点登录 service/get_login_url) → 设置 (Settings) → {what}."
    )


def _forwarding(obj: Forwarding) -> str:
    targets = ", ".join(obj.targets)
    return _mailbox_setting(obj.address, f"收信规则 / 自动转发: forward all new mail to {targets}, keep a copy")


def _autoreply(obj: AutoReply) -> str:
    return _mailbox_setting(
        obj.address, f"自动回复 (auto-reply): turn it on with subject {obj.subject!r} and the text: {obj.body}"
    )


def _delegation(obj: Delegation) -> str:
    rights = " and ".join(r for r, on in (("read", obj.read), ("send as", obj.send)) if on) or "use"
    return (
        f"Exmail cannot grant one member another's mailbox through its API. In {CONSOLE}, make {obj.mailbox} a "
        f"public mailbox (公共邮箱) if it is not one, and add {obj.grantee} to its members so they can {rights} it."
    )


def _admin_role(obj: AdminRole) -> str:
    scope = "all of the company" if obj.level == "super" else "the departments " + ", ".join(obj.departments)
    return f"In {CONSOLE}, under 管理员 (administrators), appoint {obj.address} as administrator of {scope}."


def _archive(obj: ArchiveRule) -> str:
    keep = f", keeping mail {obj.retention_days} days" if obj.retention_days else ""
    return (
        f"In {CONSOLE}, turn on mail archiving (邮件归档) for {obj.scope}{keep}; "
        f"give {obj.copy_to} access to the archive."
    )


_STEPS: dict[type[MailObject], Callable[..., str]] = {
    Domain: _domain,
    Policy: _policy,
    Forwarding: _forwarding,
    AutoReply: _autoreply,
    Delegation: _delegation,
    AdminRole: _admin_role,
    ArchiveRule: _archive,
}


def _removal(obj: MailObject) -> str:
    return f"In {CONSOLE} (or in {getattr(obj, 'address', obj.key)}'s settings), remove the {obj.KIND} {obj.key}."


def instructions_for(change: Change) -> str:
    return console_steps(change, _STEPS, _removal)
