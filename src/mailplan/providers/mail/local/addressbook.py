"""The shared address book of the self-hosted backend: customer companies in mailplan's database.

One table beside PostfixAdmin's, ``mailplan_contact``, created on the first write (a database made
before it existed reads as holding no contacts). ``mailplan local client-config`` publishes these
rows as the vCards a CardDAV server (Radicale) serves; the rows, not the config, are what was applied.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection

from mailplan.model.change import Action, Change
from mailplan.model.objects import Contact
from mailplan.providers.mail.local.database import now

TABLE = """CREATE TABLE IF NOT EXISTS mailplan_contact (
  scope TEXT NOT NULL,
  company TEXT NOT NULL,
  owner TEXT NOT NULL,
  addresses TEXT NOT NULL,  -- JSON list of "role: address (name)"
  note TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (scope, company)
)"""


def read_contacts(db: sqlite3.Connection, domains: Collection[str]) -> list[Contact]:
    if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mailplan_contact'").fetchone() is None:
        return []
    rows = db.execute("SELECT scope, company, owner, addresses, note FROM mailplan_contact ORDER BY scope, company")
    scope = set(domains)
    return [Contact(s, c, o, tuple(json.loads(a)), n) for s, c, o, a, n in rows if s in scope]


def apply_contact(db: sqlite3.Connection, change: Change) -> str:
    """Write or delete one contact (inside the caller's transaction)."""
    db.execute(TABLE)
    obj = change.obj
    assert isinstance(obj, Contact)
    if change.action is Action.REMOVE:
        db.execute("DELETE FROM mailplan_contact WHERE scope = ? AND company = ?", (obj.scope, obj.company))
        db.execute("DELETE FROM mailplan_managed WHERE kind = ? AND key = ?", (obj.KIND, obj.key))
        return "deleted"
    existed = db.execute("SELECT 1 FROM mailplan_contact WHERE scope = ? AND company = ?",
                         (obj.scope, obj.company)).fetchone() is not None
    db.execute(
        "INSERT INTO mailplan_contact (scope, company, owner, addresses, note) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (scope, company) DO UPDATE SET owner = excluded.owner, addresses = excluded.addresses, "
        "note = excluded.note",
        (obj.scope, obj.company, obj.owner, json.dumps(list(obj.addresses), ensure_ascii=False), obj.note),
    )
    if change.action is Action.CREATE:
        db.execute("INSERT OR IGNORE INTO mailplan_managed (kind, key, created) VALUES (?, ?, ?)",
                   (obj.KIND, obj.key, now()))
        return "adopted existing" if existed else "created"
    return "updated"
