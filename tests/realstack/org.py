"""A small organization written into a local database through LocalMailProvider,
for the real-stack tests that do not go through the whole CLI."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mailplan.model.change import Action, Change
from mailplan.model.objects import (
    Alias,
    ArchiveRule,
    AutoReply,
    Delegation,
    Domain,
    Forwarding,
    Group,
    Mailbox,
    MailObject,
)
from mailplan.providers.base import CredentialSink, ProviderContext
from mailplan.providers.mail.local.provider import LocalMailProvider

DOMAIN = "example.test"
ALIAS_DOMAIN = "example-alias.test"
ARCHIVE = f"archive@{DOMAIN}"


def addr(local: str) -> str:
    return f"{local}@{DOMAIN}"


def starting_objects() -> list[MailObject]:
    return [
        Domain(DOMAIN),
        Domain(ALIAS_DOMAIN, alias_of=DOMAIN),
        Mailbox(addr("alice"), "Alice"),
        Mailbox(addr("bob"), "Bob"),
        Mailbox(addr("carol"), "Carol"),
        Mailbox(addr("dave"), "Dave"),
        Mailbox(addr("info"), "Info", kind="functional"),
        Mailbox(ARCHIVE, "Archive", kind="functional"),
        Alias(addr("sales"), (addr("alice"), addr("bob"))),
        Group(addr("team"), "Team", (addr("alice"), addr("bob"), addr("dave")), post_policy="members"),
        Group(addr("staff"), "Staff", (addr("alice"), addr("carol")), post_policy="organization"),
        Group(addr("board"), "Board", (addr("carol"),), post_policy="senders", senders=("@client.example",)),
        AutoReply(addr("info"), "Thank you for writing to us", "We have your message and answer within a day."),
    ]


@dataclass
class Org:
    provider: LocalMailProvider
    database: Path
    credentials: Path

    def apply(self, action: Action, before: MailObject | None, after: MailObject | None) -> None:
        self.provider.apply(Change(action, "mail", before, after))

    def create(self, objects: Iterable[MailObject]) -> None:
        for obj in sorted(objects, key=lambda o: o.ORDER):
            self.apply(Action.CREATE, None, obj)

    def password(self, address: str) -> str:
        """The password the credentials file holds for ``address`` (it holds one, or none once frozen)."""
        found = [p for who, _, p in (line.partition("\t") for line in self.credentials.read_text().splitlines())
                 if who == address]  # fmt: skip
        assert len(found) == 1, f"credentials.txt holds {len(found)} passwords for {address}"
        return found[0]

    def freeze_to(self, leaver: str, successor: str, notice: str) -> None:
        """Offboard ``leaver``: frozen, new mail to ``successor``, an auto-reply naming them."""
        box = Mailbox(leaver, leaver.partition("@")[0].title())
        self.apply(Action.FREEZE, box, box)
        self.create(
            [
                Forwarding(leaver, (successor,)),
                AutoReply(leaver, "No longer with us", notice),
            ]
        )

    def grant(self, delegation: Delegation) -> None:
        self.create([delegation])


def build_org(root: Path, group: str) -> Org:
    """The starting organization in ``root``/db/mail.sqlite, its database in ``group`` (the helpers' user's);
    ``root`` must be traversable by the mail servers."""
    credentials = root / "credentials.txt"
    context = ProviderContext(base_dir=root, credentials=CredentialSink(credentials))
    settings = {"database": "db/mail.sqlite", "database_group": group}
    provider = LocalMailProvider("mail", settings, context)
    org = Org(provider, provider.database_path, credentials)
    org.create(starting_objects())
    return org


__all__ = ["ALIAS_DOMAIN", "ARCHIVE", "DOMAIN", "ArchiveRule", "Org", "addr", "build_org"]
