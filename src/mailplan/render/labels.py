"""What a reader sees for the model's identifiers: actions, kinds of object, attributes.

The identifiers (``freeze``, ``mailbox``, ``quota_mb``) are what JSON, the journal and the YAML say,
and the English rendering shows them as they are; in another language each is translated. The
tuples below only mark them for extraction (tests/i18n checks that every action, kind and
attribute of the model is here).
"""

from __future__ import annotations

from mailplan.i18n import N_, Msg, _, gettext

# Translators: what a change does, as the audit log and the plan name it: "{action} {kind} {key}".
ACTIONS = (N_("create"), N_("update"), N_("freeze"), N_("unfreeze"), N_("remove"), N_("manual"))

# Translators: a kind of object, as the audit log and the plan name it (the identifier in English).
KINDS = (
    N_("domain"), N_("policy"), N_("department"), N_("mailbox"), N_("archive"), N_("hold"), N_("alias"),
    N_("group"), N_("forwarding"), N_("autoreply"), N_("delegation"), N_("admin_role"), N_("record"),
    N_("contact"),
)

# Translators: an attribute of an object, before "old → new" (the identifier in English).
ATTRIBUTES = (
    N_("name"), N_("alias_of"), N_("description"), N_("scope"), N_("password_min_length"),
    N_("password_max_age_days"), N_("require_2fa"), N_("org_domain"), N_("title"), N_("manager"), N_("parent"),
    N_("address"), N_("kind"), N_("department"), N_("frozen"), N_("quota_mb"), N_("copy_to"), N_("retention_days"),
    N_("targets"), N_("members"), N_("post_policy"), N_("senders"), N_("owners"), N_("subject"), N_("body"),
    N_("mailbox"), N_("grantee"), N_("read"), N_("send"), N_("level"), N_("departments"), N_("zone"),
    N_("rtype"), N_("tag"), N_("ttl"), N_("values"), N_("company"), N_("owner"), N_("addresses"), N_("note"),
)


def word(identifier: str) -> str:
    """An action, kind or attribute in the run's language (an unknown one as it is)."""
    return gettext(identifier)


def change_name(action: str, kind: str, key: str) -> str:
    """``freeze mailbox zhangwei@…`` — in Chinese 冻结邮箱 zhangwei@…"""
    return _("{action} {kind} {key}", action=word(action), kind=word(kind), key=key)



def change_msg(action: str, kind: str, key: str) -> Msg:
    """``change_name`` made in the core: English data (``freeze mailbox zhangwei@…``), named in the reader's
    language where it is shown (``localized``)."""
    return Msg("{action} {kind} {key}", action=Msg(action), kind=Msg(kind), key=key)
