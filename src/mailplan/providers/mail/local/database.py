"""Opening (and on first use creating) the local provider's SQLite database."""

from __future__ import annotations

import datetime as dt
import grp
import os
import secrets
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from mailplan.dirs import make_dirs
from mailplan.files import build_atomically
from mailplan.i18n import Msg
from mailplan.providers.base import ProviderError
from mailplan.providers.mail.local.serverdb import AUTOREPLY_SECRET_KEY

SCHEMA_VERSION = 1
# It holds password hashes: its owner writes, its group reads (the mail helpers' user), nobody else.
DATABASE_MODE = 0o640


def now() -> str:
    """The timestamp format PostfixAdmin writes into ``created``/``modified``."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def open_database(path: Path, create: bool, group: str | None = None) -> sqlite3.Connection | None:
    """Connect to ``path``; create it with the schema when missing and ``create`` is set.

    Returns None for a missing database that may not be created (reading before
    the first apply must not leave files behind). A new file has mode 0640; with
    ``group`` (and ``create``) the file is made to belong to that group with that
    mode, also when it was found otherwise. An empty file (0 bytes) reads as
    missing: it holds nothing, and the engine compares that with what the journal says
    mailplan made there (a database emptied or replaced is refused, never started afresh).
    """
    fresh = not path.exists() or path.stat().st_size == 0
    if fresh and not create:
        return None
    try:
        gid = _group_id(group)
        if fresh:
            make_dirs(path.parent)
            # Made beside it and renamed into place: a run killed while making it leaves none half made.
            build_atomically(path, _new_database, DATABASE_MODE)
        if create and group is not None and gid is not None:
            _close_down(path, group, gid)
        # Autocommit mode: transactions are explicit (``transaction``), one per change.
        db = sqlite3.connect(path, isolation_level=None)
        # Postfix and Dovecot read this file as other users; WAL would need them
        # to write the -shm file, so keep the classic rollback journal.
        db.execute("PRAGMA journal_mode=DELETE")
        db.execute("PRAGMA foreign_keys=OFF")
        _ensure_schema(db)
    except sqlite3.Error as exc:
        failed = Msg("cannot open the mail database {path}: {error}", path=str(path), error=str(exc))
        raise ProviderError(failed) from None
    except OSError as exc:  # its folder cannot be made (a file in the way, no permission)
        shown = {"path": str(path), "error": exc.strerror, "file": exc.filename}
        raise ProviderError(Msg("cannot create the mail database {path}: {error} ({file})", **shown)) from None
    return db


def _group_id(group: str | None) -> int | None:
    if group is None:
        return None
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise ProviderError(
            f"the mail database's group {group!r} (database_group) does not exist; create it: groupadd --system {group}"
        ) from None


def _new_database(path: Path) -> None:
    """The schema (and the helper's secret) in a file that is never, even for a moment, readable by others."""
    _create_file(path)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=DELETE")
        _ensure_schema(db)
    finally:
        db.close()


def _create_file(path: Path) -> None:
    """An empty file (SQLite fills it) that is never, even for a moment, readable by others."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, DATABASE_MODE)
    try:
        os.fchmod(fd, DATABASE_MODE)
    finally:
        os.close(fd)


def _close_down(path: Path, group: str, gid: int) -> None:
    """Give the file its group and mode 0640 (others lose what they could read)."""
    info = path.stat()
    try:
        if info.st_gid != gid:
            os.chown(path, -1, gid)
        if stat.S_IMODE(info.st_mode) != DATABASE_MODE:
            os.chmod(path, DATABASE_MODE)
    except PermissionError:
        raise ProviderError(
            f"cannot give the mail database {path} the group {group} and mode 0640: run mailplan as its "
            f"owner or as root, or once by hand: chgrp {group} {path} && chmod 0640 {path}"
        ) from None


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
    # The auto-reply helper's login to Postfix's re-injection listener (serverdb.AUTOREPLY_LOGIN).
    db.execute(
        "INSERT OR IGNORE INTO mailplan_meta(key, value) VALUES (?, ?)", (AUTOREPLY_SECRET_KEY, secrets.token_hex(24))
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
