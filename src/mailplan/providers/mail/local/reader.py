"""Rows of the local database → neutral objects, for the domains asked about.

Every table is read with one SELECT and the objects are filtered by their
domain afterwards, which keeps the SQL plain. Inactive alias and domain rows read as absent (they do
nothing for Postfix), so a plan re-creates what someone switched off by hand. A mailbox's
``smtp_active`` flag and identity alias are read too: when they disagree with an active
mailbox, the server refuses its SMTP login or bounces its alias-domain mail, and the plan
repairs them (``OutOfStepMailbox``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

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
from mailplan.model.state import Ident

BYTES_PER_MB = 1024 * 1024


def split_list(text: str | None) -> tuple[str, ...]:
    """``a,b , c`` → sorted ``(a, b, c)``: how PostfixAdmin stores address lists."""
    return tuple(sorted({part.strip() for part in (text or "").split(",") if part.strip()}))


def join_list(items: Collection[str]) -> str:
    return ",".join(sorted(items))


def read_objects(db: sqlite3.Connection, domains: Collection[str]) -> list[MailObject]:
    mailboxes = list(_mailboxes(db))
    groups = list(_groups(db))
    objects: list[MailObject] = [*_domains(db), *mailboxes, *groups]
    objects += _aliases(db, {m.address for m in mailboxes}, {g.address for g in groups})
    objects += _small_tables(db)
    scope = set(domains)
    return [obj for obj in objects if obj.domain in scope]


def read_managed(db: sqlite3.Connection) -> set[Ident]:
    return {(kind, key) for kind, key in db.execute("SELECT kind, key FROM mailplan_managed")}


def read_frozen_on(db: sqlite3.Connection) -> dict[str, str]:
    """Frozen mailbox -> the day mailplan froze it."""
    return dict(db.execute("SELECT username, frozen_on FROM mailplan_freeze").fetchall())


def _domains(db: sqlite3.Connection) -> Iterator[Domain]:
    rows = db.execute(
        "SELECT d.domain, d.description, a.target_domain FROM domain d "
        "LEFT JOIN alias_domain a ON a.alias_domain = d.domain AND a.active = 1 "
        "WHERE d.active = 1"
    )
    for name, description, target in rows:
        yield Domain(name=name, alias_of=target, description=description)


@dataclass(frozen=True)
class OutOfStepMailbox(Mailbox):
    """An active mailbox whose other rows do not say so, as the mail server reads them.

    Never equal to a plain Mailbox, so the plan updates it (the writer sets
    every row from ``frozen``); ``out_of_step`` says what is wrong, in the plan.
    """

    out_of_step: str = ""

    def to_dict(self) -> dict[str, Any]:
        # Saved plans and journals rebuild a plain Mailbox, which has no such field: leave it out
        # so a saved plan still matches the plan made again at apply time (the text plan shows it).
        out = super().to_dict()
        del out["out_of_step"]
        return out


def _mailboxes(db: sqlite3.Connection) -> Iterator[Mailbox]:
    rows = db.execute(
        "SELECT m.username, m.name, m.active, m.smtp_active, m.quota, x.kind, x.department, a.active FROM mailbox m "
        "LEFT JOIN mailplan_mailbox x ON x.username = m.username "
        "LEFT JOIN alias a ON a.address = m.username"
    )
    for username, name, active, smtp_active, quota, kind, department, alias_active in rows:
        box = Mailbox(
            address=username,
            name=name,
            kind=kind or "person",
            department=department,
            frozen=not active,
            # PostfixAdmin stores bytes; round so a hand-made "100 MB" (1024000-based) reads as 98, not 97.
            quota_mb=(int(quota) + BYTES_PER_MB // 2) // BYTES_PER_MB,
        )
        # Only an active mailbox is checked: a frozen one is closed by mailbox.active alone,
        # whatever these say (Dovecot's queries and the recipient map look at it first).
        wrong = []
        if active and not smtp_active:
            wrong.append("smtp_active is 0: the server refuses its SMTP login, so it cannot send")
        if active and alias_active is None:
            wrong.append("its own alias row is missing: mail to it at an alias domain bounces")
        elif active and not alias_active:
            wrong.append("its own alias row is switched off: mail to it at an alias domain bounces")
        yield OutOfStepMailbox(**vars(box), out_of_step="; ".join(wrong)) if wrong else box


def _groups(db: sqlite3.Connection) -> Iterator[Group]:
    rows = db.execute(
        "SELECT g.address, g.name, a.goto, g.post_policy, g.senders, g.owners FROM mailplan_group g "
        "JOIN alias a ON a.address = g.address AND a.active = 1"
    )
    for address, name, goto, post_policy, senders, owners in rows:
        yield Group(
            address=address,
            name=name,
            members=split_list(goto),
            post_policy=post_policy,
            senders=split_list(senders),
            owners=split_list(owners),
        )


def _aliases(db: sqlite3.Connection, usernames: set[str], groups: set[str]) -> Iterator[Alias]:
    for address, goto in db.execute("SELECT address, goto FROM alias WHERE active = 1"):
        if address in groups:
            continue
        targets = split_list(goto)
        if address in usernames and targets == (address,):
            continue  # the mailbox's identity alias: part of the mailbox, not an object of its own
        yield Alias(address=address, targets=targets)


def _small_tables(db: sqlite3.Connection) -> Iterator[MailObject]:
    """mailplan's own tables: one row is one object."""
    for scope_name, min_length, max_age, require_2fa in db.execute(
        "SELECT scope, password_min_length, password_max_age_days, require_2fa FROM mailplan_policy"
    ):
        yield Policy(scope_name, min_length, max_age, bool(require_2fa))
    for scope_name, copy_to, retention in db.execute("SELECT scope, copy_to, retention_days FROM mailplan_archive"):
        yield ArchiveRule(scope_name, copy_to, retention)
    for name, org_domain, title, manager, parent in db.execute(
        "SELECT name, org_domain, title, manager, parent FROM mailplan_department"
    ):
        yield Department(name, org_domain, title, manager, parent)
    for address, goto in db.execute("SELECT address, goto FROM mailplan_forwarding"):
        yield Forwarding(address, split_list(goto))
    for address, subject, body in db.execute("SELECT address, subject, body FROM mailplan_autoreply"):
        yield AutoReply(address, subject, body)
    for mailbox, grantee, may_read, may_send in db.execute(
        "SELECT mailbox, grantee, may_read, may_send FROM mailplan_delegation"
    ):
        yield Delegation(mailbox, grantee, bool(may_read), bool(may_send))
    for username, level, departments in db.execute("SELECT username, level, departments FROM mailplan_admin"):
        yield AdminRole(username, level, split_list(departments))
