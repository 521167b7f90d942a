"""What the Exmail API cannot do, and the steps a person takes instead."""

from __future__ import annotations

from collections.abc import Callable

from mailplan.i18n import Msg
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


# Each step is one whole message (docs/i18n.md), the console named in it; a step of several lines is
# joined with newlines, and each line is one message, so that a saved plan reads in Chinese too.


def _domain(obj: Domain) -> str:
    if obj.alias_of:
        return Msg(
            "In the Exmail admin console (https://exmail.qq.com, sign in as an administrator), add {name} to the "
            "domain settings (域名管理) as a domain alias of {alias_of} (域名别名), so that every address of "
            "{alias_of} also receives at {name}; verify it.",
            name=obj.name, alias_of=obj.alias_of,
        )
    return Msg(
        "In the Exmail admin console (https://exmail.qq.com, sign in as an administrator), add the domain {name} "
        "under the domain settings (域名管理) and verify it; then publish the MX/SPF/DKIM records mailplan plans "
        "for it and run `mailplan plan` again.",
        name=obj.name,
    )


def _policy(obj: Policy) -> str:
    if obj.password_max_age_days:
        rules = Msg(
            "In the Exmail admin console (https://exmail.qq.com, sign in as an administrator), open the security "
            "settings (安全设置 → 密码策略) for {scope}: set the minimum password length to {length}; require a "
            "new password every {days} days (定期修改密码).",
            scope=obj.scope, length=obj.password_min_length, days=obj.password_max_age_days,
        )
    else:
        rules = Msg(
            "In the Exmail admin console (https://exmail.qq.com, sign in as an administrator), open the security "
            "settings (安全设置 → 密码策略) for {scope}: set the minimum password length to {length}.",
            scope=obj.scope, length=obj.password_min_length,
        )
    if not obj.require_2fa:
        return rules
    secure_login = Msg(
        "Then, for every member of {scope}: 成员与群组 → the member → 编辑 (edit) → tick 强制启用安全登录 (force "
        "secure login) → 保存 (save). From their next login they confirm it with the WeChat dynamic code "
        "(微信动态码) and use a client password (客户端专用密码) in mail apps. New members need the same tick "
        "when they are added.",
        scope=obj.scope,
    )
    return f"{rules}\n{secure_login}"


def _forwarding(obj: Forwarding) -> str:
    return Msg(
        "Before {address} is frozen: open {address}'s mailbox (its owner, or an administrator through the single "
        "sign-on link of 单点登录 service/get_login_url) → 设置 (Settings) → 收信规则 / 自动转发: forward all new "
        "mail to {targets}, keep a copy.",
        address=obj.address, targets=", ".join(obj.targets),
    )


def _autoreply(obj: AutoReply) -> str:
    return Msg(
        "Before {address} is frozen: open {address}'s mailbox (its owner, or an administrator through the single "
        "sign-on link of 单点登录 service/get_login_url) → 设置 (Settings) → 自动回复 (auto-reply): turn it on "
        "with subject {subject} and the text: {body}",
        address=obj.address, subject=repr(obj.subject), body=obj.body,
    )


def _delegation(obj: Delegation) -> str:
    shown = {"mailbox": obj.mailbox, "grantee": obj.grantee}
    if obj.read and not obj.send:
        return Msg(
            "Exmail cannot grant one member another's mailbox through its API. In the Exmail admin console "
            "(https://exmail.qq.com, sign in as an administrator), make {mailbox} a public mailbox (公共邮箱) if it "
            "is not one, and add {grantee} to its members so they can read it.",
            **shown,
        )
    if obj.send and not obj.read:
        return Msg(
            "Exmail cannot grant one member another's mailbox through its API. In the Exmail admin console "
            "(https://exmail.qq.com, sign in as an administrator), make {mailbox} a public mailbox (公共邮箱) if it "
            "is not one, and add {grantee} to its members so they can send as it.",
            **shown,
        )
    return Msg(
        "Exmail cannot grant one member another's mailbox through its API. In the Exmail admin console "
        "(https://exmail.qq.com, sign in as an administrator), make {mailbox} a public mailbox (公共邮箱) if it "
        "is not one, and add {grantee} to its members so they can read and send as it.",
        **shown,
    )


def _admin_role(obj: AdminRole) -> str:
    if obj.level == "super":
        return Msg(
            "In the Exmail admin console (https://exmail.qq.com, sign in as an administrator), under 管理员 "
            "(administrators), appoint {address} as administrator of all of the company.",
            address=obj.address,
        )
    return Msg(
        "In the Exmail admin console (https://exmail.qq.com, sign in as an administrator), under 管理员 "
        "(administrators), appoint {address} as administrator of the departments {departments}.",
        address=obj.address, departments=", ".join(obj.departments),
    )


def _archive(obj: ArchiveRule) -> str:
    if obj.retention_days:
        return Msg(
            "In the Exmail admin console (https://exmail.qq.com, sign in as an administrator), turn on mail "
            "archiving (邮件归档) for {scope}, keeping mail {days} days; give {copy_to} access to the archive.",
            scope=obj.scope, days=obj.retention_days, copy_to=obj.copy_to,
        )
    return Msg(
        "In the Exmail admin console (https://exmail.qq.com, sign in as an administrator), turn on mail "
        "archiving (邮件归档) for {scope}; give {copy_to} access to the archive.",
        scope=obj.scope, copy_to=obj.copy_to,
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
    return Msg(
        "In the Exmail admin console (https://exmail.qq.com, sign in as an administrator) (or in {owner}'s "
        "settings), remove the {kind} {key}.",
        owner=getattr(obj, "address", obj.key), kind=Msg(obj.KIND), key=obj.key,
    )


def instructions_for(change: Change) -> str:
    return console_steps(change, _STEPS, _removal)
