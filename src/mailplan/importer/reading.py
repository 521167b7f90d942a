"""What the import reads from: the observed objects by kind, the domains and how an address
is written as a reference in the imported file; and what the import hands back."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mailplan.config.addresses import AddressError, to_alabel, to_unicode
from mailplan.config.models import Document
from mailplan.importer.start import Start
from mailplan.model import objects as o
from mailplan.model.state import Observed

T = TypeVar("T", bound=o.MailObject)


@dataclass
class Imported:
    document: dict[str, Any]
    skipped: list[str] = field(default_factory=list)  # what the language cannot express
    notes: list[str] = field(default_factory=list)  # choices the reader should know about
    counts: Counter[str] = field(default_factory=Counter)


def alabel(domain: str) -> str:
    try:
        return to_alabel(domain)
    except AddressError:
        return domain


def escape_braces(text: str) -> str:
    """Auto-reply texts are templates: a literal brace is written doubled."""
    return text.replace("{", "{{").replace("}", "}}")


class Reading:
    """The observed objects of one provider, ready to be written as a document."""

    def __init__(self, start: Start, observed: Observed, today: dt.date) -> None:
        self.start = start
        self.doc: Document = start.document
        self.today = today
        self.out = Imported(document={})
        self.objects = list(observed.state)
        self.domain_keys = {alabel(k): k for k in self.doc.domains}
        self.own_domains = set(start.domains)
        self.primary = alabel(self.doc.organization.primary_domain)
        if self.primary not in self.own_domains:
            hosted = [d for d in start.domains if not self.doc.domains[self.domain_keys[d]].alias_of]
            self.out.notes.append(
                f"the primary domain {self.doc.organization.primary_domain} is not hosted by provider "
                f"{start.provider!r}; {to_unicode(hosted[0])} is the primary domain of the imported file"
            )
            self.primary = hosted[0]
        self.mailboxes = {m.address: m for m in self._of(o.Mailbox)}
        self.groups = {g.address: g for g in self._of(o.Group)}
        self.aliases = {a.address: a for a in self._of(o.Alias)}
        self.forwardings = {f.address: f for f in self._of(o.Forwarding)}
        self.replies = {r.address: r for r in self._of(o.AutoReply)}
        self.departments = {d.name: d for d in self._of(o.Department)}
        self.claimed = set(self.mailboxes) | set(self.groups) | set(self.aliases)

    def _of(self, cls: type[T]) -> list[T]:
        return [obj for obj in self.objects if isinstance(obj, cls)]

    def skip(self, message: str) -> None:
        self.out.skipped.append(message)

    # -- references --------------------------------------------------------------------------------

    def ref(self, address: str) -> str:
        """How the file writes an address: the local part on the primary domain, else in full (Unicode)."""
        local, _, domain = address.rpartition("@")
        if domain == self.primary:
            return local
        if domain in self.own_domains:
            return f"{local}@{to_unicode(domain)}"
        return address

    def resolvable(self, address: str) -> bool:
        """Would the config resolve this written address back to itself?"""
        domain = address.rpartition("@")[2]
        if domain not in self.own_domains:
            return True  # external
        if self._is_alias_domain(domain):
            return False  # an alias domain's address *is* the target domain's
        return address in self.claimed

    def _is_alias_domain(self, domain: str) -> bool:
        key = self.domain_keys.get(domain)
        return key is not None and self.doc.domains[key].alias_of is not None
