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
from mailplan.i18n import Msg
from mailplan.model.change import Action, Change
from mailplan.model.objects import Contact, Mailbox
from mailplan.model.state import Observed, State
from mailplan.providers.base import NotSupported, Provider, ProviderContext, ProviderError
from mailplan.providers.credentials import CredentialSink, Issued
from mailplan.providers.mail.local.addressbook import apply_contact, read_contacts
from mailplan.providers.mail.local.database import now, open_database, transaction
from mailplan.providers.mail.local.passwords import Scheme, generate_password, hash_passwords
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


class _Passwords:
    """The passwords a transaction sets. Before it commits, those a person is told are written ahead to
    the credentials file (in one write: ``CredentialSink.pending_all``) and all are hashed at once
    (``hash_passwords`` uses every core); until then their rows hold a placeholder no password matches,
    never seen outside the transaction. After it: confirmed, or, rolled back, withdrawn."""

    PENDING = "{PENDING}"  # not a Dovecot scheme: nothing verifies against it

    def __init__(self, scheme: Scheme, credentials: CredentialSink) -> None:
        self.scheme, self.credentials = scheme, credentials
        self.clear: dict[str, str] = {}  # address -> the password its row gets
        self.told: dict[str, str] = {}  # ... of those whose owner is told it (not a frozen mailbox's)
        self.issued: list[Issued] = []

    def set(self, address: str, password: str, tell: bool = False) -> str:
        self.clear[address] = password
        if tell:
            self.told[address] = password
        return self.PENDING

    def store(self, db: sqlite3.Connection) -> None:
        self.issued = self.credentials.pending_all([Issued(a, p) for a, p in self.told.items()])
        hashes = hash_passwords(list(self.clear.values()), self.scheme)
        db.executemany(
            "UPDATE mailbox SET password = ? WHERE username = ?", zip(hashes, self.clear.keys(), strict=True)
        )

    def confirm(self) -> None:
        self.credentials.confirm_all(self.issued)

    def withdraw(self) -> None:
        """Rolled back: the passwords written ahead never reached the database."""
        self.credentials.withdraw_all(self.issued)


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
    BATCH: ClassVar[int] = 500  # changes per transaction: one commit (and its fsyncs) for each batch

    def __init__(self, name: str, settings: Mapping[str, Any], context: ProviderContext) -> None:
        super().__init__(name, settings, context)
        try:
            self.config = LocalMailSettings.model_validate(dict(settings))
        except ValidationError as exc:
            invalid = Msg("provider {name}: invalid settings: {error}", name=repr(name), error=str(exc))
            raise ProviderError(invalid) from None
        self.database_path = context.path(self.config.database)
        self._db: sqlite3.Connection | None = None

    def read(self, domains: Sequence[str]) -> Observed:
        db = self._connect(create=False)
        if db is None:
            return Observed(State())
        try:
            state = State([*read_objects(db, domains), *read_contacts(db, domains)])
            managed = read_managed(db)
            marked = read_frozen_on(db)
        except sqlite3.Error as exc:
            shown = {"path": str(self.database_path), "error": str(exc)}
            raise ProviderError(Msg("reading the mail database {path}: {error}", **shown)) from None
        frozen = {o.key for o in state.of_kind(Mailbox.KIND) if isinstance(o, Mailbox) and o.frozen}
        return Observed(state, frozenset(managed & state.idents()), {k: d for k, d in marked.items() if k in frozen})

    def apply(self, change: Change) -> str:
        return self.apply_batch([change])[0]

    def apply_batch(self, changes: Sequence[Change]) -> list[str]:
        """All of ``changes`` in one transaction: durable together at the commit, or none of them."""
        for change in changes:
            if change.action is Action.MANUAL:
                raise NotSupported(Msg("the local provider has no manual steps ({change})", change=change.describe()))
            missing = change.obj.features() - self.SUPPORTS
            if missing:
                features = ", ".join(sorted(missing))
                raise NotSupported(Msg("the local provider cannot hold {features}", features=features))
        db = self._connect(create=True)
        assert db is not None
        passwords = _Passwords(self.config.password_scheme, self.context.credentials)
        answers = []
        change = changes[0]
        try:
            with transaction(db):
                for change in changes:
                    answers.append(self._answer(change, self._apply_in(db, change, passwords)))
                # written ahead to the credentials file, then hashed together (on every core), before the
                # commit: a run killed after the commit has lost no password
                passwords.store(db)
        except sqlite3.Error as exc:
            passwords.withdraw()
            shown = {"change": change.describe(), "path": str(self.database_path), "error": str(exc)}
            raise ProviderError(Msg("{change}: mail database {path}: {error}", **shown)) from None
        except BaseException:
            passwords.withdraw()
            raise
        passwords.confirm()  # committed: the passwords hold
        return answers

    @staticmethod
    def _answer(change: Change, verb: str) -> str:
        answer = f"{verb} {change.kind} {change.key}"
        if change.action is Action.REMOVE and isinstance(change.obj, Mailbox):
            answer += " (its Maildir stays on disk)"
        return answer

    def _apply_in(self, db: sqlite3.Connection, change: Change, passwords: _Passwords) -> str:
        obj = change.obj
        if isinstance(obj, Contact):
            return apply_contact(db, change)
        if change.action is Action.REMOVE:
            verb = delete(db, obj)
            db.execute("DELETE FROM mailplan_managed WHERE kind = ? AND key = ?", (obj.KIND, obj.key))
            return verb
        if change.action in (Action.FREEZE, Action.UNFREEZE):
            if not isinstance(obj, Mailbox):
                raise NotSupported(Msg("only mailboxes are frozen, not {kind} {key}", kind=Msg(obj.KIND), key=obj.key))
            if db.execute("SELECT 1 FROM mailbox WHERE username = ?", (obj.address,)).fetchone() is None:
                raise ProviderError(Msg("mailbox {address} does not exist, so it cannot be {action}d",
                                        address=obj.address, action=change.action.value))
            frozen = change.action is Action.FREEZE
            write(db, dataclasses.replace(obj, frozen=frozen), self._new_password_for(db, passwords))
            # Frozen: a random password nobody ever sees, so no saved password works even if the
            # account were switched back on by hand (and the credentials file forgets the old one).
            # Unfrozen: a new initial password, like a new mailbox.
            if frozen:  # (the engine takes its line off the credentials file once this is committed)
                passwords.set(obj.address, generate_password(64))
            else:
                self._new_password_for(db, passwords)(dataclasses.replace(obj, frozen=False))
            _mark_frozen(db, obj.address, frozen)
            return "froze" if frozen else "unfroze"
        if change.after is None:
            raise ProviderError(Msg("{change}: the change carries no object to write", change=change.describe()))
        verb = write(db, change.after, self._new_password_for(db, passwords))
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

    def _new_password_for(self, db: sqlite3.Connection, passwords: _Passwords) -> Callable[[Mailbox], str]:
        def new_password(box: Mailbox) -> str:
            if box.frozen:  # created frozen: nobody logs in, so nobody is told
                return passwords.set(box.address, generate_password(64))
            row = db.execute(
                "SELECT password_min_length FROM mailplan_policy WHERE scope = ?", (box.domain,)
            ).fetchone()
            password = generate_password(int(row[0]) if row else 0)
            # The clear password goes to the owner-only credentials file and nowhere else, before the
            # row is committed (``_Passwords.store``): a run killed after the commit has not lost it.
            return passwords.set(box.address, password, tell=True)

        return new_password

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
