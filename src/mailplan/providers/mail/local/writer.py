"""Neutral objects → rows of the local database.

``write`` puts an object in the database whatever is there (insert, or update
the row found: that is how a create adopts an existing object); ``delete``
takes it out. Both run inside the caller's transaction and return the verb
for the journal line.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from mailplan.i18n import Msg
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
    Mailbox,
    MailObject,
    Policy,
)
from mailplan.providers.base import ProviderError
from mailplan.providers.mail.local.database import now
from mailplan.providers.mail.local.reader import BYTES_PER_MB, join_list

# Called with a new mailbox's address; returns the password hash to store
# (the clear password goes to the credentials file, never through here).
NewPassword = Callable[[Mailbox], str]


def write(db: sqlite3.Connection, obj: MailObject, new_password: NewPassword) -> str:
    if isinstance(obj, Mailbox):
        return _write_mailbox(db, obj, new_password)
    if isinstance(obj, Domain):
        return _write_domain(db, obj)
    if isinstance(obj, Alias | Group):
        return _write_alias_row(db, obj)
    if isinstance(obj, Policy):
        return _upsert(db, "mailplan_policy", ("scope",), {
            "scope": obj.scope,
            "password_min_length": obj.password_min_length,
            "password_max_age_days": obj.password_max_age_days,
            "require_2fa": int(obj.require_2fa),
        })  # fmt: skip
    if isinstance(obj, ArchiveRule):
        return _upsert(db, "mailplan_archive", ("scope",), {
            "scope": obj.scope, "copy_to": obj.copy_to, "retention_days": obj.retention_days,
        })  # fmt: skip
    if isinstance(obj, Department):
        return _upsert(db, "mailplan_department", ("name",), {
            "name": obj.name, "org_domain": obj.org_domain, "title": obj.title,
            "manager": obj.manager, "parent": obj.parent,
        })  # fmt: skip
    if isinstance(obj, Forwarding):
        return _upsert(db, "mailplan_forwarding", ("address",), {
            "address": obj.address, "goto": join_list(obj.targets), "domain": obj.domain,
        })  # fmt: skip
    if isinstance(obj, AutoReply):
        return _upsert(db, "mailplan_autoreply", ("address",), {
            "address": obj.address, "subject": obj.subject, "body": obj.body, "domain": obj.domain,
        })  # fmt: skip
    if isinstance(obj, Delegation):
        return _upsert(db, "mailplan_delegation", ("mailbox", "grantee"), {
            "mailbox": obj.mailbox, "grantee": obj.grantee,
            "may_read": int(obj.read), "may_send": int(obj.send),
        })  # fmt: skip
    if isinstance(obj, AdminRole):
        return _upsert(db, "mailplan_admin", ("username",), {
            "username": obj.address, "level": obj.level, "departments": join_list(obj.departments),
        })  # fmt: skip
    raise ProviderError(Msg("the local provider does not hold {kind} objects", kind=Msg(obj.KIND)))


def delete(db: sqlite3.Connection, obj: MailObject) -> str:
    if isinstance(obj, Mailbox):
        # Rows only: the Maildir on disk is never touched, the mail stays recoverable.
        db.execute("DELETE FROM mailbox WHERE username = ?", (obj.address,))
        db.execute("DELETE FROM alias WHERE address = ?", (obj.address,))
        db.execute("DELETE FROM mailplan_mailbox WHERE username = ?", (obj.address,))
        db.execute("DELETE FROM mailplan_freeze WHERE username = ?", (obj.address,))
        return "deleted"
    if isinstance(obj, Domain):
        _refuse_if_domain_in_use(db, obj.name)
        db.execute("DELETE FROM alias_domain WHERE alias_domain = ?", (obj.name,))
        db.execute("DELETE FROM domain WHERE domain = ?", (obj.name,))
        return "deleted"
    if isinstance(obj, Alias | Group):
        if _is_mailbox(db, obj.address):
            # Give the address back to its mailbox instead of cutting its delivery.
            db.execute("UPDATE alias SET goto = address, modified = ? WHERE address = ?", (now(), obj.address))
        else:
            db.execute("DELETE FROM alias WHERE address = ?", (obj.address,))
        db.execute("DELETE FROM mailplan_group WHERE address = ?", (obj.address,))
        return "deleted"
    if obj.KIND not in _KEYS_OF:
        raise ProviderError(Msg("the local provider does not hold {kind} objects", kind=Msg(obj.KIND)))
    table, key_columns = _KEYS_OF[obj.KIND]
    where = " AND ".join(f"{column} = ?" for column, _ in key_columns)
    db.execute(f"DELETE FROM {table} WHERE {where}", [getattr(obj, field) for _, field in key_columns])
    return "deleted"


# kind -> (table, ((key column, object field), ...)) for the tables one object is one row of
_KEYS_OF: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "policy": ("mailplan_policy", (("scope", "scope"),)),
    "archive": ("mailplan_archive", (("scope", "scope"),)),
    "department": ("mailplan_department", (("name", "name"),)),
    "forwarding": ("mailplan_forwarding", (("address", "address"),)),
    "autoreply": ("mailplan_autoreply", (("address", "address"),)),
    "delegation": ("mailplan_delegation", (("mailbox", "mailbox"), ("grantee", "grantee"))),
    "admin_role": ("mailplan_admin", (("username", "address"),)),
}


def _upsert(db: sqlite3.Connection, table: str, keys: tuple[str, ...], row: dict[str, object]) -> str:
    """Insert ``row`` or update the row with the same key; says which it did."""
    where = " AND ".join(f"{k} = ?" for k in keys)
    key_values = [row[k] for k in keys]
    exists = db.execute(f"SELECT 1 FROM {table} WHERE {where}", key_values).fetchone() is not None
    if exists:
        others = [c for c in row if c not in keys]
        if others:
            assignments = ", ".join(f"{c} = ?" for c in others)
            db.execute(f"UPDATE {table} SET {assignments} WHERE {where}", [row[c] for c in others] + key_values)
        return "updated"
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values()))
    return "inserted"


def _write_mailbox(db: sqlite3.Connection, box: Mailbox, new_password: NewPassword) -> str:
    active = 0 if box.frozen else 1
    stamp = now()
    local_part, _, domain = box.address.rpartition("@")
    quota = box.quota_mb * BYTES_PER_MB
    if _is_mailbox(db, box.address):
        verb = "updated"
        db.execute(
            "UPDATE mailbox SET name = ?, quota = ?, active = ?, smtp_active = ?, modified = ? WHERE username = ?",
            (box.name, quota, active, active, stamp, box.address),
        )
    else:
        verb = "inserted"
        db.execute(
            "INSERT INTO mailbox (username, password, name, maildir, quota, local_part, domain,"
            " created, modified, active, smtp_active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (box.address, new_password(box), box.name, f"{domain}/{local_part}/", quota, local_part, domain,
             stamp, stamp, active, active),
        )  # fmt: skip
    # The identity alias follows the mailbox, as PostfixAdmin does: a frozen
    # mailbox's address stops delivering to it (mailplan_forwarding takes over).
    db.execute(
        "INSERT INTO alias (address, goto, domain, created, modified, active) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(address) DO UPDATE SET active = excluded.active, modified = excluded.modified",
        (box.address, box.address, domain, stamp, stamp, active),
    )
    _upsert(db, "mailplan_mailbox", ("username",), {
        "username": box.address, "kind": box.kind, "department": box.department,
    })  # fmt: skip
    return verb


def _write_domain(db: sqlite3.Connection, domain: Domain) -> str:
    stamp = now()
    exists = db.execute("SELECT 1 FROM domain WHERE domain = ?", (domain.name,)).fetchone() is not None
    db.execute(
        "INSERT INTO domain (domain, description, created, modified, active) VALUES (?, ?, ?, ?, 1) "
        "ON CONFLICT(domain) DO UPDATE SET description = excluded.description,"
        " modified = excluded.modified, active = 1",
        (domain.name, domain.description, stamp, stamp),
    )
    if domain.alias_of:
        # PostfixAdmin keeps an alias domain both in ``domain`` and in ``alias_domain``.
        db.execute(
            "INSERT INTO alias_domain (alias_domain, target_domain, description, created, modified, active)"
            " VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT(alias_domain) DO UPDATE SET"
            " target_domain = excluded.target_domain, description = excluded.description,"
            " modified = excluded.modified, active = 1",
            (domain.name, domain.alias_of, domain.description, stamp, stamp),
        )
    else:
        db.execute("DELETE FROM alias_domain WHERE alias_domain = ?", (domain.name,))
    return "updated" if exists else "inserted"


def _write_alias_row(db: sqlite3.Connection, obj: Alias | Group) -> str:
    if _is_mailbox(db, obj.address):
        raise ProviderError(
            f"{obj.address} is a mailbox; an {obj.KIND} with the same address would stop its delivery "
            f"(give the {obj.KIND} another address)"
        )
    targets = obj.targets if isinstance(obj, Alias) else obj.members
    stamp = now()
    exists = db.execute("SELECT 1 FROM alias WHERE address = ?", (obj.address,)).fetchone() is not None
    db.execute(
        "INSERT INTO alias (address, goto, domain, created, modified, active) VALUES (?, ?, ?, ?, ?, 1) "
        "ON CONFLICT(address) DO UPDATE SET goto = excluded.goto, modified = excluded.modified, active = 1",
        (obj.address, join_list(targets), obj.domain, stamp, stamp),
    )
    if isinstance(obj, Group):
        _upsert(db, "mailplan_group", ("address",), {
            "address": obj.address, "name": obj.name, "post_policy": obj.post_policy,
            "senders": join_list(obj.senders), "owners": join_list(obj.owners),
        })  # fmt: skip
    else:
        # An address that was a group and is now a plain alias.
        db.execute("DELETE FROM mailplan_group WHERE address = ?", (obj.address,))
    return "updated" if exists else "inserted"


def _is_mailbox(db: sqlite3.Connection, address: str) -> bool:
    return db.execute("SELECT 1 FROM mailbox WHERE username = ?", (address,)).fetchone() is not None


def _refuse_if_domain_in_use(db: sqlite3.Connection, name: str) -> None:
    mailboxes = db.execute("SELECT count(*) FROM mailbox WHERE domain = ?", (name,)).fetchone()[0]
    aliases = db.execute(
        "SELECT count(*) FROM alias WHERE domain = ? AND address NOT IN (SELECT username FROM mailbox)", (name,)
    ).fetchone()[0]
    targets = db.execute("SELECT count(*) FROM alias_domain WHERE target_domain = ?", (name,)).fetchone()[0]
    if mailboxes or aliases or targets:
        raise ProviderError(
            f"domain {name} still holds {mailboxes} mailbox(es), {aliases} alias(es) and is the target of "
            f"{targets} alias domain(s); remove those first (mailplan never deletes them implicitly)"
        )
