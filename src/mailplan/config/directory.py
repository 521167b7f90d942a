"""Resolving the directory: people with their final addresses, functional mailboxes, groups
and aliases with their references resolved, departments and policies checked."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from mailplan import notes
from mailplan.config import models
from mailplan.config.addresses import AddressError, reason, to_alabel
from mailplan.config.claims import Claims
from mailplan.config.contacts import resolve_contacts
from mailplan.config.cycles import cycle_problems, delivery_edges
from mailplan.config.dnsvalues import https_report_uri, report_size_suffix
from mailplan.config.entries import (
    AliasEntry,
    Config,
    FunctionalMailbox,
    GroupEntry,
    Member,
    Person,
    Target,
    label,
)
from mailplan.config.external import ALL_MAIL, free_mail_deliveries
from mailplan.config.external import describe as describe_delivery
from mailplan.config.naming import Derived, derive, joined, numbered
from mailplan.config.source import NodePath, SourceMap
from mailplan.errors import ConfigError, Problem
from mailplan.i18n import Msg
from mailplan.model.desired import ConfigWarning


class Resolver(Claims):
    """Checks and resolves the directory; collects every problem instead of stopping at the first."""

    # -- people, mailboxes, groups, aliases ------------------------------------------------------

    def resolve_people(self) -> None:
        naming = self.doc.naming
        derived_by: dict[str, int] = {}
        for i, spec in enumerate(self.doc.people):
            path: NodePath = ("people", i)
            if (spec.given is None) != (spec.family is None):
                missing = "family" if spec.family is None else "given"
                written = "given" if missing == "family" else "family"
                self.fail(Msg("{written}: is written, but {missing}: is not", written=written, missing=missing),
                          (*path, "given" if spec.given is not None else "family"),
                          Msg("write both, e.g. `given: Mary, family: 王`, or neither"))  # fmt: skip
                continue
            if spec.address is not None:
                address = self.own_address(spec.address, (*path, "address"))
                derived = False
            else:
                try:
                    reading = derive(spec.name, naming.pattern, naming.latin_pattern, spec.given, spec.family)
                except AddressError as exc:
                    at = (*path, "given") if spec.given is not None else (*path, "name")
                    self.fail(reason(exc), at, Msg("write the address with `address:`"))
                    continue
                address = f"{reading.local}@{self.primary}"
                derived = True
                if reading.doubtful:
                    self._note_doubt(spec.name, address, reading, path)
            if address is None:
                continue
            target = Target("person", address, label("person", spec.name), self.where.at(path))
            collision = (derived or address in derived_by) and address in self.claims
            if not self.claim(address, target, path, "", spec.address or ""):
                if collision:  # the hint is written once every address is known (suggest_free_addresses)
                    self._collisions.append((len(self.problems) - 1, address))
                continue
            if derived:
                derived_by[address] = i
            self._person_specs.append((spec, address, derived, path))

    def _note_doubt(self, name: str, address: str, reading: Derived, path: NodePath) -> None:
        where = self.where.at((*path, "name"))
        doubts = [
            Msg("{char} is read {reading}, but in names it is also read {other} ({local})", char=s.char,
                reading=s.reading, other=other, local=local)
            for s, other, local in reading.alternatives
        ]  # fmt: skip
        choices = [f"`address: {local}`" for local in (reading.local, *(x[2] for x in reading.alternatives))]
        # Translators: two doubtful readings of a name, side by side
        said = joined(doubts, lambda first, rest: Msg("{first}; {rest}", first=first, rest=rest))
        # Translators: the `address:` lines to choose from
        written = joined(choices, lambda first, rest: Msg("{first} or {rest}", first=first, rest=rest))
        notes.note(Msg("{where}: {name} gets {address}: {doubts} — ask how the name is read, and write {choices}",
                       where=str(where), name=name, address=address, doubts=said, choices=written)
                   if where else Msg("{name} gets {address}: {doubts} — write {choices}", name=name, address=address,
                                     doubts=said, choices=written))  # fmt: skip

    def suggest_free_addresses(self) -> None:
        """The `address:` to write for each collision: free in the whole file, and free of each other."""
        taken: set[str] = set(self.claims)
        for index, address in self._collisions:
            local, _, domain = address.partition("@")
            free = numbered(local, {a.partition("@")[0] for a in taken if a.endswith("@" + domain)})
            taken.add(f"{free}@{domain}")
            problem = self.problems[index]
            hint = Msg("write `address: {free}` for one of them", free=free)
            self.problems[index] = dataclasses.replace(problem, hint=hint)

    def resolve_extra_addresses(self) -> tuple[list[FunctionalMailbox], list[GroupEntry], list[AliasEntry]]:
        # Claim every address first, so that references below can point at any of them.
        for spec, address, _, path in self._person_specs:
            for j, alias in enumerate(spec.aliases):
                owned = self.own_address(alias, (*path, "aliases", j))
                if owned:
                    self.claim(
                        owned,
                        Target(
                            "person", address, label("alias of person", spec.name), self.where.at((*path, "aliases", j))
                        ),
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
                        Target(
                            "mailbox", box_addresses[i] or "", label("alias of mailbox", box.address), self.where.at(at)
                        ),
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
                        Msg("successor is set, but left_on is not"),
                        (*path, "successor"),
                        Msg("add `left_on: YYYY-MM-DD` (the day the person left), or remove successor"),
                    )
                successor = self.person_ref(spec.successor, (*path, "successor"))
                if successor == address:
                    self.fail(Msg("a person cannot be their own successor"), (*path, "successor"))
                    successor = None
            if spec.starts_on is not None and spec.left_on is not None and spec.left_on <= spec.starts_on:
                self.fail(
                    Msg("left_on {left_on} is not after starts_on {starts_on}: {name} would never work "
                        "a day, and the mailbox would exist only frozen", left_on=spec.left_on,
                        starts_on=spec.starts_on, name=spec.name),
                    (*path, "left_on"),
                    Msg("correct one of the two dates (left_on is the first day they are gone)"),
                )
            if spec.auto_reply is not None and spec.left_on is None:
                self.fail(
                    Msg("auto_reply is set, but left_on is not"),
                    (*path, "auto_reply"),
                    Msg("a person's auto_reply is their out-of-office after leaving; add left_on or remove it"),
                )
            tier = self.doc.tiers.get(spec.tier or "")
            if tier is not None and tier.admin == "department" and spec.department is None:
                self.fail(
                    Msg("tier {tier} makes {name} a department admin, but no department is set", tier=repr(spec.tier),
                        name=spec.name),
                    (*path, "tier"),
                    Msg("add `department: <key>`"),
                )
            if successor is not None and spec.left_on is not None:
                self._check_successor_dates(spec, successor, (*path, "successor"))
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

    def _check_successor_dates(self, spec: models.Person, successor: str, path: NodePath) -> None:
        """A successor must be there on the day the person leaves: the mail goes to them from that day."""
        found = next((s for s, address, _, _ in self._person_specs if address == successor), None)
        if found is None or found.starts_on is None or spec.left_on is None or found.starts_on <= spec.left_on:
            return
        self.fail(
            Msg("successor {successor} starts on {starts_on}, after {name} leaves on {left_on}: "
                "mail to them would have nobody to go to in between", successor=found.name, starts_on=found.starts_on,
                name=spec.name, left_on=spec.left_on),
            path,
            Msg("name someone who is there on {left_on}, or correct the dates", left_on=spec.left_on),
        )

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
                    Msg("post: senders needs a `senders:` list"),
                    (*path, "post"),
                    Msg("list who may post, or choose another post rule"),
                )
            if spec.post != "senders" and spec.senders:
                self.fail(
                    Msg("a `senders:` list is only read with post: senders, and this group has post: {post} "
                        "(the list would be ignored)", post=spec.post),
                    (*path, "senders"),
                    Msg("write `post: senders` to let the listed senders post, or remove the senders: list"),
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
                self.fail(reason(exc), path)
                return None
        target = self.ref(ref, path, ("person", "mailbox", "group", "alias", "external"), "sender")
        return target.address if target else None

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

    def check_delivery_cycles(self) -> None:
        def resolve(ref: str) -> Target | None:
            return self.lookup(ref)[0]

        people = {path[1]: address for _, address, _, path in self._person_specs if isinstance(path[1], int)}
        edges = list(delivery_edges(self.doc, resolve, self._quiet_own, people))
        self.problems.extend(cycle_problems(edges, self.where))

    def check_external_delivery(self) -> None:
        setting = self.doc.policies.external_delivery
        if setting == "allow":
            return
        for delivery in free_mail_deliveries(self.doc, lambda ref: self.lookup(ref)[0], self._quiet_own):
            if delivery.reason is not None:
                continue
            message, hint = describe_delivery(delivery, setting)
            if setting == "refuse":
                self.fail(message, delivery.path, hint)
            else:
                domain = self.primary if delivery.source == ALL_MAIL else delivery.source.partition("@")[2]
                self.warnings.append(ConfigWarning(Problem(message, self.where.at(delivery.path), hint), domain))

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
                        Msg("departments are their own parents: {chain}", chain=" -> ".join([*seen, key])),
                        ("departments", key, "parent"),
                        Msg("one of them must have no parent or another parent"),
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
        """A report destination as a URI: a plain address becomes ``mailto:``; own addresses must exist.

        A DMARC URI may end in a size limit (``!10m``, RFC 7489 §6.4); TLS-RPT also takes https: URLs.
        """
        if allow_https and value.lower().startswith("https:"):
            try:
                return https_report_uri(value)
            except ValueError as exc:
                self.fail(reason(exc), path, Msg("write https://host/path, or an address"))
                return None
        uri, size = ("", "") if allow_https else report_size_suffix(value)
        address = (uri or value).removeprefix("mailto:")
        if ":" in address.partition("@")[0]:
            scheme = address.partition(":")[0]
            if allow_https:
                message = Msg("{value}: reports go to mailto: addresses or https: URLs, not {scheme}:",
                              value=repr(value), scheme=scheme)
            else:
                message = Msg("{value}: reports go to mailto: addresses, not {scheme}:", value=repr(value),
                              scheme=scheme)
            self.fail(message, path, Msg("write the address, e.g. dmarc-reports@example.com"))
            return None
        target = self.ref(address, path, ("person", "mailbox", "group", "alias", "external"), "report address")
        return f"mailto:{target.address}{size}" if target else None


def resolve(doc: models.Document, where: SourceMap, path: Path, files: list[Path], fingerprint: str) -> Config:
    r = Resolver(doc, where)
    r.resolve_domains()
    if r.problems:
        raise ConfigError(r.problems)
    r.resolve_people()
    mailboxes, groups, aliases = r.resolve_extra_addresses()
    r.suggest_free_addresses()
    r.finish_people()
    r.check_delivery_cycles()
    r.check_external_delivery()
    r.check_departments()
    r.check_policies()
    contacts = resolve_contacts(r)
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
        warnings=tuple(r.warnings),
        contacts=contacts,
    )

