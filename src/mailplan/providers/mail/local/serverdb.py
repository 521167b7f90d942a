"""Read-only lookups the mail-server helpers (policy service, auto-reply) share.

The helpers run under the mail server, as an unprivileged user, with only
Python's standard library needed: keep this module (and what it imports) free
of third-party packages.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mailplan.providers.mail.local.reader import split_list

# The auto-reply helper logs in to Postfix's re-injection listener with this name and a secret kept
# in the database (mailplan_meta), which only the database's readers can see.
AUTOREPLY_LOGIN = "mailplan-autoreply"
AUTOREPLY_SECRET_KEY = "autoreply_secret"


def connect(path: Path) -> sqlite3.Connection:
    """Open the mailplan database read-only (the helpers never write it)."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def canonical(db: sqlite3.Connection, address: str) -> str:
    """``u@alias-domain`` → ``u@target-domain``; other addresses are only lower-cased."""
    return _canonical(address, _alias_domains(db))


def _alias_domains(db: sqlite3.Connection) -> dict[str, str]:
    return dict(db.execute("SELECT alias_domain, target_domain FROM alias_domain WHERE active = 1").fetchall())


def _canonical(address: str, alias_domains: dict[str, str]) -> str:
    address = address.strip().lower()
    local, at, domain = address.rpartition("@")
    return f"{local}@{alias_domains[domain]}" if at and domain in alias_domains else address


_BATCH = 400  # addresses per IN (...) query: well under SQLite's limit on bound parameters


def reached(db: sqlite3.Connection, address: str) -> set[str]:
    """Every address that mail to ``address`` reaches, itself included, in canonical form.

    Follows what Postfix follows: alias domains, alias rows (aliases, groups'
    members, identity aliases) and frozen mailboxes' forwardings, to any depth.
    One query per level of the expansion, not per address: a group of
    thousands costs a few queries.
    """
    alias_domains = _alias_domains(db)
    seen: set[str] = set()
    level = {_canonical(address, alias_domains)}
    while level:
        seen |= level
        found: set[str] = set()
        batch = sorted(level)
        for start in range(0, len(batch), _BATCH):
            chunk = batch[start : start + _BATCH]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(
                "SELECT a.goto FROM alias a JOIN domain d ON d.domain = a.domain"
                f" WHERE a.address IN ({marks}) AND a.active = 1 AND d.active = 1"
                f" UNION ALL SELECT goto FROM mailplan_forwarding WHERE address IN ({marks})",
                chunk + chunk,
            )
            for (goto,) in rows:
                found.update(_canonical(target, alias_domains) for target in split_list(goto))
        level = found - seen
    return seen


def spellings(db: sqlite3.Connection, address: str) -> set[str]:
    """Every address that reaches ``address``'s mailbox by domain: itself and its alias-domain twins."""
    local, _, domain = address.rpartition("@")
    rows = db.execute("SELECT alias_domain FROM alias_domain WHERE target_domain = ? AND active = 1", (domain,))
    return {address} | {f"{local}@{alias_domain}" for (alias_domain,) in rows}


def archive_copy_to(db: sqlite3.Connection, domain: str) -> str | None:
    """The archive address the journal copy of ``domain``'s mail goes to (as sqlite-archive.cf finds it)."""
    row = db.execute(
        "SELECT copy_to FROM mailplan_archive WHERE scope = ?"
        " UNION ALL SELECT ar.copy_to FROM mailplan_archive ar JOIN alias_domain ad ON ad.target_domain = ar.scope"
        " WHERE ad.alias_domain = ? AND ad.active = 1",
        (domain, domain),
    ).fetchone()
    return str(row[0]) if row else None


def is_own_domain(db: sqlite3.Connection, domain: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM domain WHERE domain = ? AND active = 1"
        " UNION SELECT 1 FROM alias_domain WHERE alias_domain = ? AND active = 1",
        (domain, domain),
    ).fetchone()
    return row is not None


def autoreply_secret(db: sqlite3.Connection) -> str | None:
    row = db.execute("SELECT value FROM mailplan_meta WHERE key = ?", (AUTOREPLY_SECRET_KEY,)).fetchone()
    return str(row[0]) if row else None


def members(db: sqlite3.Connection, group: str) -> tuple[str, ...]:
    row = db.execute("SELECT goto FROM alias WHERE address = ? AND active = 1", (group,)).fetchone()
    return split_list(row[0]) if row else ()


__all__ = [
    "AUTOREPLY_LOGIN", "AUTOREPLY_SECRET_KEY", "archive_copy_to", "autoreply_secret", "canonical", "connect",
    "is_own_domain", "members", "reached", "spellings", "split_list",
]  # fmt: skip
