"""Opening (and on first use creating) the local provider's SQLite database."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from mailplan.files import build_atomically
from mailplan.providers.base import ProviderError

SCHEMA_VERSION = 1


def now() -> str:
    """The timestamp format PostfixAdmin writes into ``created``/``modified``."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def open_database(path: Path, create: bool) -> sqlite3.Connection | None:
    """Connect to ``path``; create it with the schema when missing and ``create`` is set.

    Returns None for a missing database that may not be created (reading before
    the first apply must not leave files behind). An empty file (0 bytes) reads as
    missing: it holds nothing, and the engine compares that with what the journal says
    mailplan made there (a database emptied or replaced is refused, never started afresh).
    """
    fresh = not path.exists() or path.stat().st_size == 0
    if fresh and not create:
        return None
    try:
        if fresh:
            _make_dirs(path.parent)
            # Made beside it and renamed into place: a run killed while making it leaves none half made.
            # Readable by the mail servers' users; only the owner writes.
            build_atomically(path, _new_database, 0o644)
        # Autocommit mode: transactions are explicit (``transaction``), one per change.
        db = sqlite3.connect(path, isolation_level=None)
        # Postfix and Dovecot read this file as other users; WAL would need them
        # to write the -shm file, so keep the classic rollback journal.
        db.execute("PRAGMA journal_mode=DELETE")
        db.execute("PRAGMA foreign_keys=OFF")
        _ensure_schema(db)
    except sqlite3.Error as exc:
        raise ProviderError(f"cannot open the mail database {path}: {exc}") from None
    except OSError as exc:  # its folder cannot be made (a file in the way, no permission)
        raise ProviderError(f"cannot create the mail database {path}: {exc.strerror} ({exc.filename})") from None
    return db


def _new_database(path: Path) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=DELETE")
        _ensure_schema(db)
    finally:
        db.close()


def _make_dirs(directory: Path) -> None:
    missing = []
    for parent in [directory, *directory.parents]:
        if parent.exists():
            break
        missing.append(parent)
    directory.mkdir(parents=True, exist_ok=True)
    for created in missing:
        os.chmod(created, 0o755)  # the mail servers must traverse to the file


def _ensure_schema(db: sqlite3.Connection) -> None:
    schema = resources.files(__package__).joinpath("schema.sql").read_text(encoding="utf-8")
    db.executescript(schema)
    row = db.execute("SELECT value FROM mailplan_meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        db.execute("INSERT INTO mailplan_meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    elif int(row[0]) > SCHEMA_VERSION:
        raise ProviderError(
            f"the mail database has schema version {row[0]}, newer than this mailplan knows "
            f"({SCHEMA_VERSION}); upgrade mailplan"
        )


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed when the block ends, rolled back on any error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
