"""The resolved config: every address known, every reference checked.

``Config`` is what ``load`` returns. It keeps the validated document, where
every node was written, and the organization's directory: people with their
final addresses, functional mailboxes, groups and aliases with references
resolved to addresses. Everything that can be checked without knowing today's
date is checked when it is resolved (``directory.py``), so ``mailplan validate`` catches it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from mailplan.config import models
from mailplan.config.addresses import to_unicode
from mailplan.config.source import SourceMap
from mailplan.errors import Location
from mailplan.i18n import N_, Msg
from mailplan.model.desired import ConfigWarning
from mailplan.model.objects import PostPolicy

TargetKind = Literal["person", "mailbox", "group", "alias", "external"]


@dataclass(frozen=True)
class Domain:
    name: str  # A-label
    key: str  # as written under domains:
    spec: models.DomainConfig
    alias_of: str | None  # A-label of the target
    mail: str  # the mail provider hosting it (for an alias domain: its target's)

    @property
    def unicode(self) -> str:
        return to_unicode(self.name)


@dataclass(frozen=True)
class Person:
    name: str
    address: str  # local@a-label
    aliases: tuple[str, ...]
    department: str | None
    tier: str | None
    left_on: dt.date | None
    successor: str | None  # address of the direct successor
    left_reason: str | None
    quota_mb: int
    auto_reply: models.AutoReplyText | None
    derived: bool  # the address came from the name (not written)
    index: int  # position under people:
    location: Location | None
    starts_on: dt.date | None = None

    def has_left(self, today: dt.date) -> bool:
        return self.left_on is not None and self.left_on <= today

    def has_started(self, today: dt.date) -> bool:
        return self.starts_on is None or self.starts_on <= today


@dataclass(frozen=True)
class FunctionalMailbox:
    address: str
    name: str
    owners: tuple[str, ...]
    department: str | None
    aliases: tuple[str, ...]
    auto_reply: models.AutoReplyText | None
    expires_on: dt.date | None
    quota_mb: int
    index: int
    location: Location | None

    def has_expired(self, today: dt.date) -> bool:
        return self.expires_on is not None and self.expires_on < today


@dataclass(frozen=True)
class Member:
    """One ``members:`` entry: an address, a department's people, or a nested group."""

    kind: Literal["address", "department", "group"]
    value: str  # an address, a department key, or a group's address


@dataclass(frozen=True)
class GroupEntry:
    address: str
    name: str
    members: tuple[Member, ...]
    post: PostPolicy
    senders: tuple[str, ...]
    owners: tuple[str, ...]
    index: int
    location: Location | None


@dataclass(frozen=True)
class AliasEntry:
    address: str
    targets: tuple[str, ...]
    index: int
    location: Location | None


@dataclass(frozen=True)
class CustomerEntry:
    """A customer company of ``contacts:``, its addresses checked and its owner resolved."""

    company: str
    owner: str  # the owning salesperson's address
    addresses: tuple[tuple[str, str, str], ...]  # (role, address, person's name or "")
    note: str
    index: int
    location: Location | None


# how messages name what holds an address (shown in the reader's language; the English is the text)
LABELS = {
    "person": N_("person {what}"),
    "mailbox": N_("mailbox {what}"),
    "group": N_("group {what}"),
    "alias": N_("alias {what}"),
    "alias of person": N_("alias of person {what}"),
    "alias of mailbox": N_("alias of mailbox {what}"),
}


def label(kind: str, what: str) -> Msg:
    """'person 张三', 'group sales-team@…': ``kind`` is a key of ``LABELS``."""
    return Msg(LABELS[kind], what=what)


@dataclass(frozen=True)
class Target:
    """What an address of the organization belongs to."""

    kind: TargetKind
    address: str  # the owner's own address (a person's, for a person's alias)
    label: str  # for messages: 'person 张三', 'group sales-team@...'
    location: Location | None


@dataclass(frozen=True)
class Config:
    """A loaded, validated mailplan.yaml."""

    document: models.Document
    path: Path  # the main config file, as given
    files: tuple[Path, ...]  # every file read (the main one first)
    fingerprint: str  # sha256 over the bytes of every file read
    where: SourceMap
    domains: dict[str, Domain]  # A-label -> domain
    primary_domain: str
    people: tuple[Person, ...]
    mailboxes: tuple[FunctionalMailbox, ...]
    groups: tuple[GroupEntry, ...]
    aliases: tuple[AliasEntry, ...]
    addresses: dict[str, Target] = field(repr=False)  # every address of the organization -> its owner
    managers: dict[str, str] = field(default_factory=dict)  # department key -> its manager's address
    journal_to: str | None = None  # the archive copy's address
    # domain -> {"dmarc_rua" | "dmarc_ruf" | "tls_rpt_rua": report URIs (mailto:/https:)}
    reports: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    warnings: tuple[ConfigWarning, ...] = ()  # what policies set to warn found (shown by validate, plan, check)
    contacts: tuple[CustomerEntry, ...] = ()  # customer companies (the shared address book)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def state_dir(self) -> Path:
        return self.base_dir / self.document.state_dir

    def at(self, *path: str | int) -> Location | None:
        return self.where.at(path)

    def person(self, address: str) -> Person:
        return next(p for p in self.people if p.address == address)
