"""The ``local`` mail provider: a SQLite database a real Postfix and Dovecot serve.

The tables are PostfixAdmin's (so its web UI, Postfix sqlite maps and a Dovecot
sql passdb/userdb work on the file unchanged) plus ``mailplan_*`` tables for
what PostfixAdmin has no place for (groups' posting rules, delegations,
departments, policies, what mailplan created). See ``schema.sql``.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mailplan import clock
from mailplan.model.change import Action, Change
from mailplan.model.objects import Contact, Mailbox
from mailplan.model.state import Observed, State
from mailplan.providers.base import NotSupported, Provider, ProviderContext, ProviderError
from mailplan.providers.credentials import Issued
from mailplan.providers.mail.local.addressbook import apply_contact, read_contacts
from mailplan.providers.mail.local.database import now, open_database, transaction
from mailplan.providers.mail.local.passwords import Scheme, generate_password, hash_password
from mailplan.providers.mail.local.reader import read_frozen_on, read_managed, read_objects
from mailplan.providers.mail.local.writer import delete, write


class LocalMailSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    database: str = Field(description="The SQLite mail database, relative to the config's folder")
    mx_host: str | None = Field(None, description="The mail server's host name: its domains' MX and client records")
    maildir_root: str | None = Field(None, description="Where the mail server keeps Maildirs (informational)")
    password_scheme: Scheme = Field("SHA512-CRYPT", description="How passwords are hashed, as Dovecot reads them")
    # The group the database belongs to (mode 0640): the primary group of the user the mail
    # helpers run as (server-config's --helper-user), so they can read it and nobody else can.
    database_group: str | None = Field(
        None, description="The group the database belongs to (mode 0640): the mail helpers' user's primary group"
    )


class LocalMailProvider(Provider):
    TYPE: ClassVar[str] = "local"
    ROLE: ClassVar[str] = "mail"
    # Not "policy.2fa": Postfix and Dovecot have no second factor, so a config
    # requiring it is refused instead of silently not enforced.
    SUPPORTS: ClassVar[frozenset[str]] = frozenset({
        "domain", "domain.alias", "policy", "department", "mailbox", "alias", "alias.multi", "alias.external",
        "group.external",
        "group", "group.post.organization", "group.post.members", "group.post.senders",
        "forwarding", "autoreply", "delegation", "delegation.read", "delegation.send",
        "admin_role", "archive", "contact",
    })  # fmt: skip
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = LocalMailSettings
    # A frozen mailbox (active = 0) is no recipient any more: without the forwarding, mail bounces.
    FREEZE_STOPS_DELIVERY: ClassVar[bool] = True

    def __init__(self, name: str, settings: Mapping[str, Any], context: ProviderContext) -> None:
        super().__init__(name, settings, context)
        try:
            self.config = LocalMailSettings.model_validate(dict(settings))
        except ValidationError as exc:
            raise ProviderError(f"provider {name!r}: invalid settings: {exc}") from None
        self.database_path = context.path(self.config.database)
        self._db: sqlite3.Connection | None = None
        self._issued: list[Issued] = []

    def read(self, domains: Sequence[str]) -> Observed:
        db = self._connect(create=False)
        if db is None:
            return Observed(State())
        try:
            state = State([*read_objects(db, domains), *read_contacts(db, domains)])
            managed = read_managed(db)
            marked = read_frozen_on(db)
        except sqlite3.Error as exc:
            raise ProviderError(f"reading the mail database {self.database_path}: {exc}") from None
        frozen = {o.key for o in state.of_kind(Mailbox.KIND) if isinstance(o, Mailbox) and o.frozen}
        return Observed(state, frozenset(managed & state.idents()), {k: d for k, d in marked.items() if k in frozen})

    def apply(self, change: Change) -> str:
        if change.action is Action.MANUAL:
            raise NotSupported(f"the local provider has no manual steps ({change.describe()})")
        missing = change.obj.features() - self.SUPPORTS
        if missing:
            raise NotSupported(f"the local provider cannot hold {', '.join(sorted(missing))}")
        db = self._connect(create=True)
        assert db is not None
        self._issued = []  # passwords written ahead into the credentials file
        try:
            with transaction(db):
                verb = self._apply_in(db, change)
        except sqlite3.Error as exc:
            self._withdraw_issued()
            raise ProviderError(f"{change.describe()}: mail database {self.database_path}: {exc}") from None
        except BaseException:
            self._withdraw_issued()
            raise
        for issued in self._issued:  # committed: the passwords hold
            self.context.credentials.confirm(issued)
        answer = f"{verb} {change.kind} {change.key}"
        if change.action is Action.REMOVE and isinstance(change.obj, Mailbox):
            answer += " (its Maildir stays on disk)"
        return answer

    def _apply_in(self, db: sqlite3.Connection, change: Change) -> str:
        obj = change.obj
        if isinstance(obj, Contact):
            return apply_contact(db, change)
        if change.action is Action.REMOVE:
            verb = delete(db, obj)
            db.execute("DELETE FROM mailplan_managed WHERE kind = ? AND key = ?", (obj.KIND, obj.key))
            return verb
        if change.action in (Action.FREEZE, Action.UNFREEZE):
            if not isinstance(obj, Mailbox):
                raise NotSupported(f"only mailboxes are frozen, not {obj.KIND} {obj.key}")
            if db.execute("SELECT 1 FROM mailbox WHERE username = ?", (obj.address,)).fetchone() is None:
                raise ProviderError(f"mailbox {obj.address} does not exist, so it cannot be {change.action}d")
            frozen = change.action is Action.FREEZE
            write(db, dataclasses.replace(obj, frozen=frozen), self._new_password_for(db))
            # Frozen: a random password nobody ever sees, so no saved password works even if the
            # account were switched back on by hand (and the credentials file forgets the old one).
            # Unfrozen: a new initial password, like a new mailbox.
            thawed = dataclasses.replace(obj, frozen=False)
            stored = self._unknown_password() if frozen else self._new_password_for(db)(thawed)
            db.execute("UPDATE mailbox SET password = ? WHERE username = ?", (stored, obj.address))
            _mark_frozen(db, obj.address, frozen)
            return "froze" if frozen else "unfroze"
        if change.after is None:
            raise ProviderError(f"{change.describe()}: the change carries no object to write")
        verb = write(db, change.after, self._new_password_for(db))
        if isinstance(change.after, Mailbox) and change.action is Action.CREATE:
            _mark_frozen(db, change.after.address, change.after.frozen)  # someone who left before mailplan ran
        if change.action is Action.CREATE:
            db.execute(
                "INSERT OR IGNORE INTO mailplan_managed (kind, key, created) VALUES (?, ?, ?)",
                (obj.KIND, obj.key, now()),
            )
            if verb == "updated":
                verb = "adopted existing"
        return verb

    def _unknown_password(self) -> str:
        return hash_password(generate_password(64), self.config.password_scheme)

    def _new_password_for(self, db: sqlite3.Connection) -> Callable[[Mailbox], str]:
        def new_password(box: Mailbox) -> str:
            if box.frozen:
                return self._unknown_password()  # created frozen: nobody logs in, so nobody is told
            row = db.execute(
                "SELECT password_min_length FROM mailplan_policy WHERE scope = ?", (box.domain,)
            ).fetchone()
            password = generate_password(int(row[0]) if row else 0)
            # The clear password goes to the owner-only credentials file and nowhere else, before the
            # row is committed: a run killed after the commit has not lost it.
            self._issued.append(self.context.credentials.pending(box.address, password))
            return hash_password(password, self.config.password_scheme)

        return new_password

    def _withdraw_issued(self) -> None:
        """Rolled back: the passwords written ahead never reached the database."""
        for issued in self._issued:
            self.context.credentials.withdraw(issued)

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        if self._db is None:
            self._db = open_database(self.database_path, create=create, group=self.config.database_group)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _mark_frozen(db: sqlite3.Connection, address: str, frozen: bool) -> None:
    """Keep the day of a freeze with the mailbox. A freeze is only ever applied to a mailbox that is not
    frozen, so its day replaces any older one (a hand-made unfreeze in between leaves one behind)."""
    if frozen:
        db.execute(
            "INSERT OR REPLACE INTO mailplan_freeze (username, frozen_on) VALUES (?, ?)",
            (address, clock.today().isoformat()),
        )
    else:
        db.execute("DELETE FROM mailplan_freeze WHERE username = ?", (address,))
