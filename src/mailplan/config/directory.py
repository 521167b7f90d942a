"""The resolved config: every address known, every reference checked.

``Config`` is what ``load`` returns. It keeps the validated document, where
every node was written, and the organization's directory: people with their
final addresses, functional mailboxes, groups and aliases with references
resolved to addresses. Everything that can be checked without knowing today's
date is checked here, so ``mailplan validate`` catches it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from mailplan.config import models
from mailplan.config.addresses import AddressError, external_address, split_address, to_alabel, to_unicode
from mailplan.config.naming import derive_local_part, numbered
from mailplan.config.problems import suggest
from mailplan.config.source import NodePath, SourceMap
from mailplan.errors import ConfigError, Location, Problem
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


class Resolver:
    """Checks and resolves the directory; collects every problem instead of stopping at the first."""

    def __init__(self, doc: models.Document, where: SourceMap) -> None:
        self.doc = doc
        self.where = where
        self.problems: list[Problem] = []
        self.domains: dict[str, Domain] = {}
        self.primary = ""
        self.claims: dict[str, Target] = {}
        self.people: list[Person] = []
        self._person_specs: list[tuple[models.Person, str, bool, NodePath]] = []
        self.managers: dict[str, str] = {}
        self.journal_to: str | None = None
        self.reports: dict[str, dict[str, tuple[str, ...]]] = {}

    def fail(self, message: str, path: NodePath, hint: str = "", key: bool = False) -> None:
        loc = self.where.key_at(path) if key else self.where.at(path)
        self.problems.append(Problem(message, loc, hint))

    # -- domains ---------------------------------------------------------------------------------

    def resolve_domains(self) -> None:
        raw_names: dict[str, str] = {}
        for key in self.doc.domains:
            path: NodePath = ("domains", key)
            try:
                name = to_alabel(key)
            except AddressError as exc:
                self.fail(str(exc), path, "write the domain as example.com or 例子.中国", key=True)
                continue
            if name in raw_names:
                self.fail(f"domain {key!r} is the same as {raw_names[name]!r}", path, "list each domain once", True)
                continue
            raw_names[name] = key
        for name, key in raw_names.items():
            spec = self.doc.domains[key]
            path = ("domains", key)
            alias_of = self._alias_target(spec, path, raw_names)
            mail = spec.mail
            if alias_of is not None and alias_of in raw_names:
                target_mail = self.doc.domains[raw_names[alias_of]].mail
                if mail is not None and target_mail is not None and mail != target_mail:
                    self.fail(
                        f"alias domain {key!r} names mail provider {mail!r}, but its target is hosted by "
                        f"{target_mail!r}",
                        (*path, "mail"),
                        "remove `mail:` here: an alias domain is hosted where its target is",
                    )
                mail = target_mail
            elif spec.alias_of is None and mail is None:
                self.fail(f"domain {key!r} names no mail provider", path, "add `mail: <provider name>`", key=True)
            self._check_provider_ref(mail if alias_of is None else spec.mail, (*path, "mail"), "mail")
            self._check_provider_ref(spec.dns, (*path, "dns"), "dns")
            self.domains[name] = Domain(name=name, key=key, spec=spec, alias_of=alias_of, mail=mail or "")
        try:
            primary = to_alabel(self.doc.organization.primary_domain)
        except AddressError as exc:
            self.fail(str(exc), ("organization", "primary_domain"))
            return
        if primary not in self.domains:
            if primary in raw_names:
                return  # already reported
            self.fail(
                f"primary domain {self.doc.organization.primary_domain!r} is not listed under domains:",
                ("organization", "primary_domain"),
                suggest(primary, list(raw_names)) or "add it under domains:",
            )
        elif self.domains[primary].alias_of:
            self.fail(
                "the primary domain cannot be an alias domain",
                ("organization", "primary_domain"),
                f"use {self.domains[primary].alias_of}",
            )
        self.primary = primary

    def _alias_target(self, spec: models.DomainConfig, path: NodePath, names: dict[str, str]) -> str | None:
        if spec.alias_of is None:
            return None
        at = (*path, "alias_of")
        try:
            target = to_alabel(spec.alias_of)
        except AddressError as exc:
            self.fail(str(exc), at)
            return None
        if target not in names:
            self.fail(
                f"alias_of names {spec.alias_of!r}, which is not listed under domains:",
                at,
                suggest(spec.alias_of, list(self.doc.domains)),
            )
            return None
        if self.doc.domains[names[target]].alias_of is not None:
            self.fail(f"{spec.alias_of!r} is itself an alias domain", at, "point alias_of at the real domain")
            return None
        if names[target] == path[1]:
            self.fail("a domain cannot be an alias of itself", at)
            return None
        return target

    def _check_provider_ref(self, name: str | None, path: NodePath, role: str) -> None:
        if name is not None and name not in self.doc.providers:
            self.fail(f"no provider named {name!r} (for {role})", path, suggest(name, list(self.doc.providers)))

    # -- addresses -------------------------------------------------------------------------------

    def own_address(self, written: str, path: NodePath) -> str | None:
        """A written address of the organization (``info`` or ``info@domain``) as ``local@a-label``."""
        try:
            local, domain = split_address(written)
        except AddressError as exc:
            self.fail(str(exc), path)
            return None
        domain = domain or self.primary
        info = self.domains.get(domain)
        if info is None:
            self.fail(
                f"{written!r} is not on one of the organization's domains",
                path,
                "use a domain listed under domains:, or just the part before @",
            )
            return None
        # On an alias domain every address mirrors the target domain's: it *is* that address.
        return f"{local}@{info.alias_of or domain}"

    def claim(self, address: str, target: Target, path: NodePath, hint: str = "", written: str = "") -> bool:
        first = self.claims.get(address)
        if first is None:
            self.claims[address] = target
            return True
        where = f" ({first.location})" if first.location else ""
        same = ""
        written_domain = self.domains.get(self._quiet_domain(written.partition("@")[2]))
        if written_domain is not None and written_domain.alias_of:
            target_name = to_unicode(written_domain.alias_of)
            same = f" ({written} is the same address: {written_domain.unicode} is an alias domain of {target_name})"
        self.fail(
            f"address {address} is used twice{same}: by {target.label} and by {first.label}{where}",
            path,
            hint or "each address may belong to one person, mailbox, group or alias only",
        )
        return False

    @staticmethod
    def _quiet_domain(domain: str) -> str:
        try:
            return to_alabel(domain)
        except AddressError:
            return domain

    # -- people, mailboxes, groups, aliases ------------------------------------------------------

    def resolve_people(self) -> None:
        naming = self.doc.naming
        derived_by: dict[str, int] = {}
        for i, spec in enumerate(self.doc.people):
            path: NodePath = ("people", i)
            if spec.address is not None:
                address = self.own_address(spec.address, (*path, "address"))
                derived = False
            else:
                try:
                    local = derive_local_part(spec.name, naming.pattern, naming.latin_pattern)
                except AddressError as exc:
                    self.fail(str(exc), (*path, "name"), "write the address with `address:`")
                    continue
                address = f"{local}@{self.primary}"
                derived = True
            if address is None:
                continue
            label = f"person {spec.name}"
            target = Target("person", address, label, self.where.at(path))
            hint = ""
            if derived or address in derived_by:
                hint = f"write `address: {self._free_variant(address)}` for one of them"
            if not self.claim(address, target, path, hint, spec.address or ""):
                continue
            if derived:
                derived_by[address] = i
            self._person_specs.append((spec, address, derived, path))

    def _free_variant(self, address: str) -> str:
        local, _, domain = address.partition("@")
        taken = {a.partition("@")[0] for a in self.claims if a.endswith("@" + domain)}
        return numbered(local, taken)

    def resolve_extra_addresses(self) -> tuple[list[FunctionalMailbox], list[GroupEntry], list[AliasEntry]]:
        # Claim every address first, so that references below can point at any of them.
        for spec, address, _, path in self._person_specs:
            for j, alias in enumerate(spec.aliases):
                owned = self.own_address(alias, (*path, "aliases", j))
                if owned:
                    self.claim(
                        owned,
                        Target("person", address, f"alias of person {spec.name}", self.where.at((*path, "aliases", j))),
                        (*path, "aliases", j),
                        written=alias,
                    )
        box_addresses = self._claim_list(self.doc.mailboxes, "mailboxes", "mailbox")
        for i, box in enumerate(self.doc.mailboxes):
            if box_addresses[i] is None:
                continue
            for j, alias in enumerate(box.aliases):
                at = ("mailboxes", i, "aliases", j)
                owned = self.own_address(alias, at)
                if owned:
                    self.claim(
                        owned,
                        Target("mailbox", box_addresses[i] or "", f"alias of mailbox {box.address}", self.where.at(at)),
                        at,
                        written=alias,
                    )
        group_addresses = self._claim_list(self.doc.groups, "groups", "group")
        alias_addresses = self._claim_list(self.doc.aliases, "aliases", "alias")
        return (
            self._mailboxes(box_addresses),
            self._groups(group_addresses),
            self._aliases(alias_addresses),
        )

    def _claim_list(
        self, specs: Iterable[models.Mailbox | models.Group | models.Alias], section: str, kind: TargetKind
    ) -> list[str | None]:
        out: list[str | None] = []
        for i, spec in enumerate(specs):
            path: NodePath = (section, i)
            address = self.own_address(spec.address, (*path, "address"))
            if address is not None and not self.claim(
                address,
                Target(kind, address, f"{kind} {spec.address}", self.where.at(path)),
                (*path, "address"),
                written=spec.address,
            ):
                address = None
            out.append(address)
        return out

    def finish_people(self) -> None:
        for spec, address, derived, path in self._person_specs:
            aliases = tuple(
                a
                for j, alias in enumerate(spec.aliases)
                if (a := self._quiet_own(alias)) and self.claims.get(a, None) and self.claims[a].address == address
            )
            self._check_key(spec.department, self.doc.departments, (*path, "department"), "department")
            self._check_key(spec.tier, self.doc.tiers, (*path, "tier"), "tier")
            successor = None
            if spec.successor is not None:
                if spec.left_on is None:
                    self.fail(
                        "successor is set, but left_on is not",
                        (*path, "successor"),
                        "add `left_on: YYYY-MM-DD` (the day the person left), or remove successor",
                    )
                successor = self.person_ref(spec.successor, (*path, "successor"))
                if successor == address:
                    self.fail("a person cannot be their own successor", (*path, "successor"))
                    successor = None
            if spec.auto_reply is not None and spec.left_on is None:
                self.fail(
                    "auto_reply is set, but left_on is not",
                    (*path, "auto_reply"),
                    "a person's auto_reply is their out-of-office after leaving; add left_on or remove it",
                )
            tier = self.doc.tiers.get(spec.tier or "")
            if tier is not None and tier.admin == "department" and spec.department is None:
                self.fail(
                    f"tier {spec.tier!r} makes {spec.name} a department admin, but no department is set",
                    (*path, "tier"),
                    "add `department: <key>`",
                )
            self.people.append(
                Person(
                    name=spec.name,
                    address=address,
                    aliases=aliases,
                    department=spec.department,
                    tier=spec.tier,
                    left_on=spec.left_on,
                    successor=successor,
                    left_reason=spec.left_reason,
                    quota_mb=spec.quota_mb if spec.quota_mb is not None else self.doc.policies.mailbox.quota_mb,
                    auto_reply=spec.auto_reply,
                    derived=derived,
                    index=path[1] if isinstance(path[1], int) else 0,
                    location=self.where.at(path),
                    starts_on=spec.starts_on,
                )
            )
        self._check_successor_cycles()

    def _check_successor_cycles(self) -> None:
        by_address = {p.address: p for p in self.people}
        for person in self.people:
            seen = [person.address]
            current = person
            while current.successor and current.left_on is not None:
                if current.successor in seen:
                    if current.successor == person.address:
                        self.fail(
                            f"successors go round in a circle: {' -> '.join([*seen, person.address])}",
                            ("people", person.index, "successor"),
                            "name a successor who has not left",
                        )
                    break
                seen.append(current.successor)
                current = by_address[current.successor]

    def _quiet_own(self, written: str) -> str | None:
        try:
            local, domain = split_address(written)
        except AddressError:
            return None
        info = self.domains.get(domain or self.primary)
        return f"{local}@{info.alias_of or info.name}" if info else None

    def _check_key(self, key: str | None, table: Mapping[str, object], path: NodePath, what: str) -> None:
        if key is not None and key not in table:
            self.fail(f"unknown {what} {key!r}", path, suggest(key, list(table)) or f"define it under {what}s:")

    # -- references ------------------------------------------------------------------------------

    def lookup(self, ref: str) -> tuple[Target | None, str]:
        people = [
            (s.name, Target("person", a, f"person {s.name}", self.where.at(p))) for s, a, _, p in self._person_specs
        ]
        return lookup(ref, self.claims, self.domains, self.primary, people)

    def ref(self, ref: str, path: NodePath, kinds: tuple[TargetKind, ...], what: str) -> Target | None:
        target, why = self.lookup(ref)
        if target is None:
            self.fail(f"unknown {what} {ref!r}: {why}", path)
            return None
        if target.kind not in kinds:
            self.fail(f"{what} {ref!r} is {target.label}, but must be a {' or '.join(kinds)}", path)
            return None
        return target

    def person_ref(self, ref: str, path: NodePath, what: str = "person") -> str | None:
        target = self.ref(ref, path, ("person",), what)
        return target.address if target else None

    def _mailboxes(self, addresses: list[str | None]) -> list[FunctionalMailbox]:
        out: list[FunctionalMailbox] = []
        for i, spec in enumerate(self.doc.mailboxes):
            address = addresses[i]
            if address is None:
                continue
            path: NodePath = ("mailboxes", i)
            owners = [self.person_ref(o, (*path, "owners", j), "owner") for j, o in enumerate(spec.owners)]
            self._check_key(spec.department, self.doc.departments, (*path, "department"), "department")
            aliases = tuple(
                a
                for a in (self._quiet_own(x) for x in spec.aliases)
                if a and self.claims.get(a) and self.claims[a].address == address
            )
            out.append(
                FunctionalMailbox(
                    address=address,
                    name=spec.name,
                    owners=tuple(sorted({o for o in owners if o})),
                    department=spec.department,
                    aliases=aliases,
                    auto_reply=spec.auto_reply,
                    expires_on=spec.expires_on,
                    quota_mb=spec.quota_mb if spec.quota_mb is not None else self.doc.policies.mailbox.quota_mb,
                    index=i,
                    location=self.where.at(path),
                )
            )
        return out

    def _groups(self, addresses: list[str | None]) -> list[GroupEntry]:
        out: list[GroupEntry] = []
        for i, spec in enumerate(self.doc.groups):
            address = addresses[i]
            if address is None:
                continue
            path: NodePath = ("groups", i)
            members = [self._member(m, (*path, "members", j)) for j, m in enumerate(spec.members)]
            senders = [self._sender(s, (*path, "senders", j)) for j, s in enumerate(spec.senders)]
            owners = [self.person_ref(o, (*path, "owners", j), "owner") for j, o in enumerate(spec.owners)]
            if spec.post == "senders" and not spec.senders:
                self.fail(
                    "post: senders needs a `senders:` list",
                    (*path, "post"),
                    "list who may post, or choose another post rule",
                )
            out.append(
                GroupEntry(
                    address=address,
                    name=spec.name,
                    members=tuple(m for m in members if m),
                    post=spec.post,
                    senders=tuple(sorted({s for s in senders if s})),
                    owners=tuple(sorted({o for o in owners if o})),
                    index=i,
                    location=self.where.at(path),
                )
            )
        self._check_group_cycles(out)
        return out

    def _member(self, ref: str, path: NodePath) -> Member | None:
        kind, sep, rest = ref.partition(":")
        if sep and kind == "department":
            self._check_key(rest, self.doc.departments, path, "department")
            return Member("department", rest) if rest in self.doc.departments else None
        if sep and kind == "group":
            target = self.ref(rest, path, ("group",), "group")
            return Member("group", target.address) if target else None
        target = self.ref(ref, path, ("person", "mailbox", "group", "alias", "external"), "member")
        if target is None:
            return None
        return Member("group" if target.kind == "group" else "address", target.address)

    def _sender(self, ref: str, path: NodePath) -> str | None:
        if ref.startswith("@"):
            try:
                return "@" + to_alabel(ref[1:])
            except AddressError as exc:
                self.fail(str(exc), path)
                return None
        target = self.ref(ref, path, ("person", "mailbox", "group", "alias", "external"), "sender")
        return target.address if target else None

    def _check_group_cycles(self, groups: list[GroupEntry]) -> None:
        nested = {g.address: [m.value for m in g.members if m.kind == "group"] for g in groups}
        reported: set[frozenset[str]] = set()
        for group in groups:
            stack: list[tuple[str, tuple[str, ...]]] = [(group.address, (group.address,))]
            while stack:
                current, trail = stack.pop()
                for child in nested.get(current, []):
                    if child == group.address:
                        stack = []
                        if frozenset(trail) in reported:
                            break
                        reported.add(frozenset(trail))
                        self.fail(
                            f"groups contain each other in a circle: {' -> '.join((*trail, child))}",
                            ("groups", group.index, "members"),
                            "remove one of the nested group: members",
                        )
                        break
                    if child not in trail:
                        stack.append((child, (*trail, child)))

    def _aliases(self, addresses: list[str | None]) -> list[AliasEntry]:
        out: list[AliasEntry] = []
        for i, spec in enumerate(self.doc.aliases):
            address = addresses[i]
            if address is None:
                continue
            path: NodePath = ("aliases", i)
            targets: list[str] = []
            for j, ref in enumerate(spec.to):
                target = self.ref(ref, (*path, "to", j), ("person", "mailbox", "group", "alias", "external"), "target")
                if target is not None:
                    targets.append(target.address)
            out.append(AliasEntry(address, tuple(sorted(set(targets))), i, self.where.at(path)))
        return out

    # -- departments, policies -------------------------------------------------------------------

    def check_departments(self) -> None:
        for key, dept in self.doc.departments.items():
            path: NodePath = ("departments", key)
            if dept.manager is not None:
                manager = self.person_ref(dept.manager, (*path, "manager"), "manager")
                if manager:
                    self.managers[key] = manager
            if dept.parent is not None:
                self._check_key(dept.parent, self.doc.departments, (*path, "parent"), "department")
        reported: set[frozenset[str]] = set()
        for key in self.doc.departments:
            seen = [key]
            parent = self.doc.departments[key].parent
            while parent is not None and parent in self.doc.departments:
                if parent == key:
                    if frozenset(seen) in reported:
                        break
                    reported.add(frozenset(seen))
                    self.fail(
                        f"departments are their own parents: {' -> '.join([*seen, key])}",
                        ("departments", key, "parent"),
                        "one of them must have no parent or another parent",
                    )
                    break
                if parent in seen:
                    break
                seen.append(parent)
                parent = self.doc.departments[parent].parent

    def check_policies(self) -> None:
        archive = self.doc.policies.archive
        if archive.journal_to is not None:
            target = self.ref(
                archive.journal_to,
                ("policies", "archive", "journal_to"),
                ("mailbox", "person", "external"),
                "archive mailbox",
            )
            self.journal_to = target.address if target else None
        for domain in self.domains.values():
            path: NodePath = ("domains", domain.key)
            spec = domain.spec
            for section, key, values in (
                ("dmarc", "rua", spec.dmarc.rua),
                ("dmarc", "ruf", spec.dmarc.ruf),
                ("tls_rpt", "rua", spec.tls_rpt.rua if spec.tls_rpt else []),
            ):
                uris = [
                    self.report_uri(v, (*path, section, key, j), section == "tls_rpt") for j, v in enumerate(values)
                ]
                self.reports.setdefault(domain.name, {})[f"{section}_{key}"] = tuple(u for u in uris if u)

    def report_uri(self, value: str, path: NodePath, allow_https: bool) -> str | None:
        """A report destination as a URI: a plain address becomes ``mailto:``; own addresses must exist."""
        if allow_https and value.startswith("https://"):
            return value
        address = value.removeprefix("mailto:")
        target = self.ref(address, path, ("person", "mailbox", "group", "alias", "external"), "report address")
        return f"mailto:{target.address}" if target else None


def lookup(
    ref: str, claims: dict[str, Target], domains: dict[str, Domain], primary: str, people: list[tuple[str, Target]]
) -> tuple[Target | None, str]:
    """Resolve a reference (address, local part, alias, or a person's name); (None, why) when it cannot be."""
    text = ref.strip()
    if "@" in text:
        try:
            local, domain = split_address(text)
        except AddressError:
            local, domain = "", None
        if domain is not None and domain in domains:
            target = claims.get(f"{local}@{domains[domain].alias_of or domain}")
            if target is None:
                return None, f"nothing in this file has the address {text}"
            return target, ""
        try:
            address = external_address(text)
        except AddressError as exc:
            return None, str(exc)
        return Target("external", address, address, None), ""
    target = claims.get(f"{text.lower()}@{primary}")
    if target is not None:
        return target, ""
    named = [t for name, t in people if _same_name(name, text)]
    if len(named) == 1:
        return named[0], ""
    if len(named) > 1:
        listing = "; ".join(f"{t.address} ({t.location})" for t in named)
        return None, f"{text!r} is the name of {len(named)} people: {listing}; write the address instead"
    choices = [a.partition("@")[0] for a in claims if a.endswith("@" + primary)] + [name for name, _ in people]
    hint = suggest(text, choices)
    return None, f"nothing in this file is called {text!r}" + (f"; {hint}" if hint.startswith("did") else "")


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def resolve(doc: models.Document, where: SourceMap, path: Path, files: list[Path], fingerprint: str) -> Config:
    r = Resolver(doc, where)
    r.resolve_domains()
    if r.problems:
        raise ConfigError(r.problems)
    r.resolve_people()
    mailboxes, groups, aliases = r.resolve_extra_addresses()
    r.finish_people()
    r.check_departments()
    r.check_policies()
    if r.problems:
        raise ConfigError(r.problems)
    return Config(
        document=doc,
        path=path,
        files=tuple(files),
        fingerprint=fingerprint,
        where=where,
        domains=r.domains,
        primary_domain=r.primary,
        people=tuple(r.people),
        mailboxes=tuple(mailboxes),
        groups=tuple(groups),
        aliases=tuple(aliases),
        addresses=dict(r.claims),
        managers=r.managers,
        journal_to=r.journal_to,
        reports=r.reports,
    )


def department_tree(doc: models.Document, key: str) -> set[str]:
    """``key`` and every department below it."""
    out = {key}
    changed = True
    while changed:
        changed = False
        for name, dept in doc.departments.items():
            if dept.parent in out and name not in out:
                out.add(name)
                changed = True
    return out
