"""A mail database that lost what the journal says mailplan made there (emptied to 0 bytes, its rows gone,
the file replaced) is an error, never a fresh start that makes every mailbox again with a new password."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from people.conftest import Company, addr


def _truncate(db: Path) -> None:
    db.write_bytes(b"")


def _empty_tables(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            conn.execute(f"DELETE FROM {table}")


def _delete(db: Path) -> None:
    db.unlink()


@pytest.mark.parametrize("lose", [_truncate, _empty_tables, _delete], ids=["0 bytes", "emptied", "deleted"])
def test_a_database_that_lost_its_mailboxes_is_refused(company: Company, lose: Callable[[Path], None]) -> None:
    company.apply()
    db = company.folder / ".mailplan" / "mail.sqlite"
    credentials = (company.folder / ".mailplan" / "credentials.txt").read_text(encoding="utf-8")
    [(made,)] = company.db("SELECT count(*) FROM mailbox")  # frozen ones too (they have no credentials line)
    lose(db)
    size = db.stat().st_size if db.exists() else None

    planned = company.run("plan", str(company.config))
    assert planned.exit_code == 1
    assert f"provider 'mail' no longer holds {made} of the {made} mailboxes the journal says" in planned.stdout
    refused = company.run("apply", str(company.config), "--auto-approve")
    assert refused.exit_code == 1 and "the safety gate refused this plan; nothing was applied" in refused.stderr
    # not taken for a new database: nothing was made in it
    assert (db.stat().st_size if db.exists() else None) == size or company.db("SELECT count(*) FROM mailbox") == [(0,)]
    assert (company.folder / ".mailplan" / "credentials.txt").read_text(encoding="utf-8") == credentials

    company.apply("--force")  # reset on purpose: said so
    assert company.plan_is_empty()


def test_one_mailbox_deleted_by_hand_is_made_again_with_a_note(company: Company) -> None:
    company.apply()
    gone = addr("zhoumin")
    with sqlite3.connect(company.folder / ".mailplan" / "mail.sqlite") as conn:
        conn.execute("DELETE FROM mailbox WHERE username = ?", (gone,))
    shown = company.ok("plan", str(company.config))
    assert f"+ mailbox {gone}" in shown.stdout
    assert f"note: mailbox {gone} was made by mailplan (the journal says so) and is gone from provider 'mail'" in (
        shown.stderr
    )
