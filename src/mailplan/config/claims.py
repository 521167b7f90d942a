"""Who has which address, and what a reference points at: the first half of resolving the
directory (domains, addresses claimed, references looked up), which ``Resolver`` builds on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mailplan.config import models
from mailplan.config.addresses import AddressError, reason, split_address, to_alabel, to_unicode
from mailplan.config.entries import Domain, Person, Target, TargetKind, label
from mailplan.config.lookup import by_name, lookup
from mailplan.config.problems import suggest
from mailplan.config.source import NodePath, SourceMap
from mailplan.errors import Problem
from mailplan.i18n import N_, Msg
from mailplan.model.desired import ConfigWarning

# What a reference or a key is, as the messages name it (the ``what`` of ``ref`` and ``_check_key``)
ROLES = {
    "person": N_("person"),
    "owner": N_("owner"),
    "member": N_("member"),
    "group": N_("group"),
    "sender": N_("sender"),
    "target": N_("target"),
    "manager": N_("manager"),
    "archive mailbox": N_("archive mailbox"),
    "report address": N_("report address"),
    "department": N_("department"),
    "tier": N_("tier"),
}

# "{what} {ref} is {label}, but must be …": what a reference had to be, by the kinds it may point at
_MUST_BE = {
    ("person",): N_("{what} {ref} is {label}, but must be a person"),
    ("group",): N_("{what} {ref} is {label}, but must be a group"),
    ("mailbox", "person", "external"): N_(
        "{what} {ref} is {label}, but must be a mailbox, a person or an outside address"
    ),
}


def role(what: str) -> str:
    """``what`` (a key of ``ROLES``) as a ``Msg``, shown in the reader's language."""
    return Msg(ROLES[what]) if what in ROLES else what


class Claims:
    """The domains, the addresses claimed so far and the problems found; collects every problem
    instead of stopping at the first."""

    def __init__(self, doc: models.Document, where: SourceMap) -> None:
        self.doc = doc
        self.where = where
        self.problems: list[Problem] = []
        self.domains: dict[str, Domain] = {}
        self.primary = ""
        self.claims: dict[str, Target] = {}
        self.people: list[Person] = []
        self._person_specs: list[tuple[models.Person, str, bool, NodePath]] = []
        self._collisions: list[tuple[int, str]] = []  # (index in problems, the address two people derive)
        self._people_index: dict[str, list[Target]] | None = None
        self._people_indexed = 0
        self.managers: dict[str, str] = {}
        self.journal_to: str | None = None
        self.reports: dict[str, dict[str, tuple[str, ...]]] = {}
        self.warnings: list[ConfigWarning] = []

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
                self.fail(reason(exc), path, Msg("write the domain as example.com or 例子.中国"), key=True)
                continue
            if name in raw_names:
                same = Msg("domain {domain} is the same as {first}", domain=repr(key), first=repr(raw_names[name]))
                self.fail(same, path, Msg("list each domain once"), True)
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
                        Msg("alias domain {domain} names mail provider {provider}, but its target is hosted by "
                            "{target}", domain=repr(key), provider=repr(mail), target=repr(target_mail)),
                        (*path, "mail"),
                        Msg("remove `mail:` here: an alias domain is hosted where its target is"),
                    )
                mail = target_mail
            elif spec.alias_of is None and mail is None:
                self.fail(Msg("domain {domain} names no mail provider", domain=repr(key)), path,
                          Msg("add `mail: <provider name>`"), key=True)
            self._check_provider_ref(mail if alias_of is None else spec.mail, (*path, "mail"), "mail")
            self._check_provider_ref(spec.dns, (*path, "dns"), "dns")
            self.domains[name] = Domain(name=name, key=key, spec=spec, alias_of=alias_of, mail=mail or "")
        try:
            primary = to_alabel(self.doc.organization.primary_domain)
        except AddressError as exc:
            self.fail(reason(exc), ("organization", "primary_domain"))
            return
        if primary not in self.domains:
            if primary in raw_names:
                return  # already reported
            self.fail(
                Msg("primary domain {domain} is not listed under domains:",
                    domain=repr(self.doc.organization.primary_domain)),
                ("organization", "primary_domain"),
                suggest(primary, list(raw_names)) or Msg("add it under domains:"),
            )
        elif self.domains[primary].alias_of:
            self.fail(
                Msg("the primary domain cannot be an alias domain"),
                ("organization", "primary_domain"),
                Msg("use {domain}", domain=self.domains[primary].alias_of),
            )
        self.primary = primary

    def _alias_target(self, spec: models.DomainConfig, path: NodePath, names: dict[str, str]) -> str | None:
        if spec.alias_of is None:
            return None
        at = (*path, "alias_of")
        try:
            target = to_alabel(spec.alias_of)
        except AddressError as exc:
            self.fail(reason(exc), at)
            return None
        if target not in names:
            self.fail(
                Msg("alias_of names {domain}, which is not listed under domains:", domain=repr(spec.alias_of)),
                at,
                suggest(spec.alias_of, list(self.doc.domains)),
            )
            return None
        if self.doc.domains[names[target]].alias_of is not None:
            self.fail(Msg("{domain} is itself an alias domain", domain=repr(spec.alias_of)), at,
                      Msg("point alias_of at the real domain"))
            return None
        if names[target] == path[1]:
            self.fail(Msg("a domain cannot be an alias of itself"), at)
            return None
        return target

    def _check_provider_ref(self, name: str | None, path: NodePath, role: str) -> None:
        if name is not None and name not in self.doc.providers:
            self.fail(Msg("no provider named {name} (for {role})", name=repr(name), role=role), path,
                      suggest(name, list(self.doc.providers)))

    # -- addresses -------------------------------------------------------------------------------

    def own_address(self, written: str, path: NodePath) -> str | None:
        """A written address of the organization (``info`` or ``info@domain``) as ``local@a-label``."""
        try:
            local, domain = split_address(written)
        except AddressError as exc:
            self.fail(reason(exc), path)
            return None
        domain = domain or self.primary
        info = self.domains.get(domain)
        if info is None:
            self.fail(
                Msg("{address} is not on one of the organization's domains", address=repr(written)),
                path,
                Msg("use a domain listed under domains:, or just the part before @"),
            )
            return None
        # On an alias domain every address mirrors the target domain's: it *is* that address.
        return f"{local}@{info.alias_of or domain}"

    def claim(self, address: str, target: Target, path: NodePath, hint: str = "", written: str = "") -> bool:
        first = self.claims.get(address)
        if first is None:
            self.claims[address] = target
            return True
        first_label = Msg("{label} ({where})", label=first.label, where=str(first.location)) if first.location \
            else first.label
        written_domain = self.domains.get(self._quiet_domain(written.partition("@")[2]))
        if written_domain is not None and written_domain.alias_of:
            message = Msg("address {address} is used twice ({written} is the same address: {alias_domain} is an alias "
                          "domain of {domain}): by {label} and by {first}", address=address, written=written,
                          alias_domain=written_domain.unicode, domain=to_unicode(written_domain.alias_of),
                          label=target.label, first=first_label)
        else:
            message = Msg("address {address} is used twice: by {label} and by {first}", address=address,
                          label=target.label, first=first_label)
        self.fail(message, path, hint or Msg("each address may belong to one person, mailbox, group or alias only"))
        return False

    @staticmethod
    def _quiet_domain(domain: str) -> str:
        try:
            return to_alabel(domain)
        except AddressError:
            return domain

    def _claim_list(
        self, specs: Iterable[models.Mailbox | models.Group | models.Alias], section: str, kind: TargetKind
    ) -> list[str | None]:
        out: list[str | None] = []
        for i, spec in enumerate(specs):
            path: NodePath = (section, i)
            address = self.own_address(spec.address, (*path, "address"))
            if address is not None and not self.claim(
                address,
                Target(kind, address, label(kind, spec.address), self.where.at(path)),
                (*path, "address"),
                written=spec.address,
            ):
                address = None
            out.append(address)
        return out

    def _quiet_own(self, written: str) -> str | None:
        try:
            local, domain = split_address(written)
        except AddressError:
            return None
        info = self.domains.get(domain or self.primary)
        return f"{local}@{info.alias_of or info.name}" if info else None

    def _check_key(self, key: str | None, table: Mapping[str, object], path: NodePath, what: str) -> None:
        if key is not None and key not in table:
            fix = suggest(key, list(table)) or Msg("define it under {section}:", section=what + "s")
            self.fail(Msg("unknown {what} {key}", what=role(what), key=repr(key)), path, fix)

    # -- references ------------------------------------------------------------------------------

    def lookup(self, ref: str) -> tuple[Target | None, str]:
        # the index is built once people are resolved, not once per reference (n² on large companies)
        if self._people_index is None or self._people_indexed != len(self._person_specs):
            self._people_index = by_name(
                (s.name, Target("person", a, label("person", s.name), self.where.at(p)))
                for s, a, _, p in self._person_specs
            )
            self._people_indexed = len(self._person_specs)
        return lookup(ref, self.claims, self.domains, self.primary, self._people_index)

    def ref(self, ref: str, path: NodePath, kinds: tuple[TargetKind, ...], what: str) -> Target | None:
        target, why = self.lookup(ref)
        if target is None:
            if why.startswith(f"{ref.strip()!r} is not a valid"):  # written wrong, not missing
                self.fail(Msg("{what} {why}", what=role(what), why=why), path)
            else:
                self.fail(Msg("unknown {what} {ref}: {why}", what=role(what), ref=repr(ref), why=why), path)
            return None
        if target.kind not in kinds:
            template = _MUST_BE.get(kinds, N_("{what} {ref} is {label}, which cannot be used here"))
            self.fail(Msg(template, what=role(what), ref=repr(ref), label=target.label), path)
            return None
        return target

    def person_ref(self, ref: str, path: NodePath, what: str = "person") -> str | None:
        target = self.ref(ref, path, ("person",), what)
        return target.address if target else None
