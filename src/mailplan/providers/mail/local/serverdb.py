"""Read-only lookups the mail-server helpers (policy service, auto-reply) share.

The helpers run under the mail server, as an unprivileged user, with only
Python's standard library needed: keep this module (and what it imports) free
of third-party packages.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mailplan.providers.mail.local.reader import split_list


def connect(path: Path) -> sqlite3.Connection:
    """Open the mailplan database read-only (the helpers never write it)."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def canonical(db: sqlite3.Connection, address: str) -> str:
    """``u@alias-domain`` → ``u@target-domain``; other addresses are only lower-cased."""
    address = address.strip().lower()
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    row = db.execute(
        "SELECT target_domain FROM alias_domain WHERE alias_domain = ? AND active = 1", (domain,)
    ).fetchone()
    return f"{local}@{row[0]}" if row else address


def spellings(db: sqlite3.Connection, address: str) -> set[str]:
    """Every address that reaches ``address``'s mailbox by domain: itself and its alias-domain twins."""
    local, _, domain = address.rpartition("@")
    rows = db.execute("SELECT alias_domain FROM alias_domain WHERE target_domain = ? AND active = 1", (domain,))
    return {address} | {f"{local}@{alias_domain}" for (alias_domain,) in rows}


def is_own_domain(db: sqlite3.Connection, domain: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM domain WHERE domain = ? AND active = 1"
        " UNION SELECT 1 FROM alias_domain WHERE alias_domain = ? AND active = 1",
        (domain, domain),
    ).fetchone()
    return row is not None


def members(db: sqlite3.Connection, group: str) -> tuple[str, ...]:
    row = db.execute("SELECT goto FROM alias WHERE address = ? AND active = 1", (group,)).fetchone()
    return split_list(row[0]) if row else ()


__all__ = ["canonical", "connect", "is_own_domain", "members", "spellings", "split_list"]
