"""``compile_config``: the loaded config as the objects each provider should hold (``Desired``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

from mailplan import notes
from mailplan.config.addresses import reason, to_alabel
from mailplan.config.departments import DepartmentTree, by_department
from mailplan.config.entries import Config, Domain, GroupEntry, Person
from mailplan.config.models import AutoReplyText
from mailplan.config.secrets import is_secret_key, resolve
from mailplan.config.source import NodePath
from mailplan.dns import spf
from mailplan.dns.derive import mail_records, mta_sts_policy
from mailplan.dns.dkim_record import ACCEPTED_FORMS, console_record
from mailplan.dns.facts import MailDomainFacts
from mailplan.dns.templates import TemplateError, dkim_selectors, dkim_source
from mailplan.errors import ConfigError, Location, Problem
from mailplan.i18n import Msg
from mailplan.model import desired as o_desired
from mailplan.model import objects as o
from mailplan.model.desired import DEFAULT_LIMITS, Desired, Limit, ProviderSpec, SafetyLimits
from mailplan.model.periods import retained_until, retention_days
from mailplan.model.state import Ident, State
from mailplan.providers.base import Provider


class _Compiler:
    def __init__(
        self, config: Config, today: dt.date, spf_resolver: spf.Resolver | None = None, create_keys: bool = True,
        secrets: bool = True,
    ) -> None:
        self.config = config
        self.spf_resolver = spf_resolver
        self.create_keys = create_keys
        self.secrets = secrets
        self.doc = config.document
        self.today = today
        self.objects: dict[str, list[o.MailObject]] = defaultdict(list)
        self.origins: dict[Ident, Location] = {}
        self.problems: list[Problem] = []
        self.people = {p.address: p for p in config.people}
        # indexed once: asked per person and per group, a scan each time would make a compile quadratic
        self.tree = DepartmentTree({key: dept.parent for key, dept in self.doc.departments.items()})
        self.staff = by_department(config.people)
        self.department_mailboxes = by_department(config.mailboxes)
        self.offboarding = self.doc.policies.offboarding
        self.retention_period = self.doc.policies.archive.retention
        # provider -> mailboxes whose retention has passed: left out, their deletion proposed
        self.deletions: dict[str, list[o.Mailbox]] = defaultdict(list)
        # provider -> its class (None for an unknown type, reported by the capability check)
        self.classes: dict[str, type[Provider] | None] = {}
        self.mail_dns: dict[str, o_desired.MailDns] = {}

    # -- helpers ---------------------------------------------------------------------------------

    def where(self, *path: str | int) -> Location | None:
        return self.config.where.at(path)

    def add(self, provider: str, obj: o.MailObject, origin: Location | None) -> None:
        self.objects[provider].append(obj)
        if origin is not None:
            self.origins.setdefault(obj.ident, origin)

    def mail_provider(self, address_or_domain: str) -> str:
        return self.config.domains[address_or_domain.rpartition("@")[2]].mail

    def gone(self, address: str) -> bool:
        person = self.people.get(address)
        return person is not None and person.has_left(self.today)

    def absent(self, address: str) -> bool:
        """Left, or not started yet: holds no rights and receives no group mail."""
        person = self.people.get(address)
        return person is not None and (person.has_left(self.today) or not person.has_started(self.today))

    def past_retention(self, frozen_since: dt.date) -> bool:
        period = self.retention_period
        return period is not None and retained_until(frozen_since, period) <= self.today

    def can(self, provider: str, feature: str) -> bool:
        cls = self.provider_class(provider)
        return cls is not None and feature in cls.SUPPORTS

    def provider_class(self, provider: str) -> type[Provider] | None:
        """The class of a configured provider, None when the name or its type is unknown (reported elsewhere)."""
        if provider not in self.classes:
            from mailplan.providers.registry import UnknownProviderType, provider_class

            try:
                self.classes[provider] = provider_class(self.doc.providers[provider].type)
            except (UnknownProviderType, KeyError, ImportError):
                self.classes[provider] = None
        return self.classes[provider]

    # -- providers -------------------------------------------------------------------------------

    def providers(self) -> dict[str, ProviderSpec]:
        specs: dict[str, ProviderSpec] = {}
        for name, provider in self.doc.providers.items():
            path: NodePath = ("providers", name)
            settings = resolve(
                provider.settings(), path, self.config.where, self.config.base_dir, self.problems, self.secrets
            )
            specs[name] = ProviderSpec(name, provider.type, settings, self.config.where.key_at(path))
        return specs

    def scopes(self) -> dict[str, tuple[str, ...]]:
        scopes: dict[str, set[str]] = {name: set() for name in self.doc.providers}
        for domain in self.config.domains.values():
            if domain.mail:
                scopes[domain.mail].add(domain.name)
            if domain.spec.dns:
                scopes[domain.spec.dns].add(self.zone(domain))
        return {name: tuple(sorted(domains)) for name, domains in scopes.items()}

    def zone(self, domain: Domain) -> str:
        return to_alabel(domain.spec.zone) if domain.spec.zone else domain.name

    # -- mail objects ----------------------------------------------------------------------------

    def domains(self) -> None:
        password = self.doc.policies.password
        for domain in self.config.domains.values():
            origin = self.config.where.key_at(("domains", domain.key))
            self.add(domain.mail, o.Domain(domain.name, domain.alias_of, domain.spec.description), origin)
            if domain.alias_of:
                continue
            policy = o.Policy(domain.name, password.min_length, password.max_age_days, password.require_2fa)
            self.add(
                domain.mail,
                policy,
                self.where("policies", "password") if self._written("policies", "password") else origin,
            )
            archive = self.doc.policies.archive
            if self.config.journal_to:
                days = retention_days(archive.retention) if archive.retention else 0
                rule = o.ArchiveRule(domain.name, self.config.journal_to, days)
                self.add(domain.mail, rule, self.where("policies", "archive", "journal_to"))

    def _written(self, *path: str | int) -> bool:
        return path in self.config.where.values

    def departments(self) -> None:
        provider = self.mail_provider(self.config.primary_domain)
        for key, dept in self.doc.departments.items():
            obj = o.Department(key, self.config.primary_domain, dept.name, self.config.managers.get(key), dept.parent)
            self.add(provider, obj, self.config.where.key_at(("departments", key)))

    def people_objects(self) -> None:
        for person in self.config.people:
            if not person.has_started(self.today):
                continue  # the first apply on starts_on creates the mailbox
            provider = self.mail_provider(person.address)
            origin = self.where("people", person.index)
            frozen = person.has_left(self.today)
            box = o.Mailbox(person.address, person.name, "person", person.department, frozen, person.quota_mb)
            if frozen and person.left_on is not None and self.past_retention(person.left_on):
                # The address keeps its aliases and handover: only the mailbox goes (with --allow-delete).
                self.deletions[provider].append(box)
                if origin is not None:
                    self.origins.setdefault(box.ident, origin)
            else:
                self.add(provider, box, origin)
            for alias in person.aliases:
                self.add(self.mail_provider(alias), o.Alias(alias, (person.address,)), origin)
            if frozen:
                self.handover(person, provider, origin)

    def final_successor(self, person: Person) -> Person | None:
        """Who is handed ``person``'s mail today: the first successor along the chain who has not left
        (a successor who left passes it on to theirs); None when the chain ends with someone gone."""
        current, seen = person, {person.address}
        while current.successor and current.has_left(self.today):
            nxt = self.people[current.successor]
            if nxt.address in seen:
                return None
            seen.add(nxt.address)
            current = nxt
        return None if current is person or current.has_left(self.today) else current

    def handover(self, person: Person, provider: str, origin: Location | None) -> None:
        # Preserve first: the mailbox goes on hold (where the provider has one) before anything else.
        self.add(provider, o.Hold(person.address), origin)
        successor = self.final_successor(person)
        if successor is None and person.successor:
            self.note_dead_end(person)
        if successor is not None and self.offboarding.deliver_to_successor:
            self.add(provider, o.Forwarding(person.address, (successor.address,)), origin)
        text = person.auto_reply or (self.offboarding.auto_reply if successor is not None else None)
        if text is not None:
            values = {
                "name": person.name,
                "address": person.address,
                "successor_name": successor.name if successor else "",
                "successor_address": successor.address if successor else "",
                "left_on": person.left_on.isoformat() if person.left_on else "",
                "organization": self.doc.organization.name,
            }
            self.add(provider, self.auto_reply(person.address, text, values), origin)

    def note_dead_end(self, person: Person) -> None:
        """A chain of successors who all left, ending with one who names nobody: say who is not handed the mail."""
        last = person
        while last.successor and last.successor in self.people and last.successor != person.address:
            last = self.people[last.successor]
            if not last.has_left(self.today):
                return
        notes.note(
            f"{person.name} ({person.address}) left, and their successors have left too: the chain ends with "
            f"{last.name} ({last.address}), who names no successor, so nobody is handed their new mail "
            f"(add `successor:` to {last.name})"
        )

    def auto_reply(self, address: str, text: AutoReplyText, values: dict[str, str]) -> o.AutoReply:
        return o.AutoReply(address, text.subject.format_map(values), text.body.format_map(values))

    def mailboxes(self) -> None:
        for box in self.config.mailboxes:
            provider = self.mail_provider(box.address)
            origin = self.where("mailboxes", box.index)
            frozen = box.has_expired(self.today)
            obj = o.Mailbox(box.address, box.name, "functional", box.department, frozen, box.quota_mb)
            if frozen and box.expires_on is not None and self.past_retention(box.expires_on + dt.timedelta(days=1)):
                self.deletions[provider].append(obj)
                if origin is not None:
                    self.origins.setdefault(obj.ident, origin)
            else:
                self.add(provider, obj, origin)
            for alias in box.aliases:
                self.add(self.mail_provider(alias), o.Alias(alias, (box.address,)), origin)
            if box.auto_reply is not None:
                values = {
                    "name": box.name,
                    "address": box.address,
                    "successor_name": "",
                    "successor_address": "",
                    "left_on": "",
                    "organization": self.doc.organization.name,
                }
                self.add(provider, self.auto_reply(box.address, box.auto_reply, values), origin)

    def groups(self) -> None:
        by_address = {g.address: g for g in self.config.groups}
        for group in self.config.groups:
            members = self.expand(group, by_address, {group.address})
            senders = group.senders
            if self.offboarding.remove_from_groups:
                senders = tuple(s for s in senders if not self.gone(s))
            holders = {self.heir(owner) for owner in group.owners} - {""}
            if not self.offboarding.remove_from_groups:  # people who left stay in groups, owners too, when
                holders |= {o for o in group.owners if self.gone(o) and not self.heir(o)}  # nobody takes over
            owners = tuple(sorted(holders))
            obj = o.Group(group.address, group.name, tuple(sorted(members)), group.post, senders, owners)
            self.add(self.mail_provider(group.address), obj, self.where("groups", group.index))

    def expand(self, group: GroupEntry, groups: dict[str, GroupEntry], seen: set[str]) -> set[str]:
        out: set[str] = set()
        for member in group.members:
            if member.kind == "address":
                out.add(member.value)
            elif member.kind == "department":
                for department in self.tree.below(member.value):
                    out.update(p.address for p in self.staff.get(department, ()))
            elif member.value not in seen:
                out |= self.expand(groups[member.value], groups, seen | {member.value})
        out = {a for a in out if not self.absent(a) or (self.gone(a) and not self.offboarding.remove_from_groups)}
        return out

    def heir(self, address: str) -> str:
        """Who holds ``address``'s ownerships today: itself, or the successor of someone who left ("" if none)."""
        person = self.people.get(address)
        if person is None or not self.absent(address):
            return address
        if not person.has_started(self.today):
            return ""
        successor = self.final_successor(person)
        return successor.address if successor is not None and not self.absent(successor.address) else ""

    def aliases(self) -> None:
        for alias in self.config.aliases:
            self.add(
                self.mail_provider(alias.address),
                o.Alias(alias.address, alias.targets),
                self.where("aliases", alias.index),
            )

    def grants(self) -> None:
        """Owners of functional mailboxes, and managers by tier, get read/send rights on them."""
        rights: dict[tuple[str, str], tuple[bool, bool]] = {}
        origins: dict[tuple[str, str], Location | None] = {}

        # Rights on a mailbox past retention are kept too: they go with the mailbox, when it really goes
        # (engine/retention.py), not while its deletion waits for the journal's date or --allow-delete.
        def grant(mailbox: str, grantee: str, read: bool, send: bool, origin: Location | None) -> None:
            if not grantee or self.absent(grantee) or not (read or send):
                return
            old = rights.get((mailbox, grantee), (False, False))
            rights[(mailbox, grantee)] = (old[0] or read, old[1] or send)
            origins.setdefault((mailbox, grantee), origin)

        for box in self.config.mailboxes:
            for owner in box.owners:
                # a leaver's share of the mailbox passes to their successor
                grant(box.address, self.heir(owner), True, True, self.where("mailboxes", box.index, "owners"))
        for person in self.config.people:
            successor = self.final_successor(person) if person.has_left(self.today) else None
            provider = self.mail_provider(person.address)
            # The successor reads the old mail where the provider can grant it; elsewhere the
            # provider's offboarding recipe (or a person) hands it over.
            if successor is not None and not self.absent(successor.address) and self.can(provider, "delegation.read"):
                grant(person.address, successor.address, True, False, self.where("people", person.index, "successor"))
        for person in self.config.people:
            tier = self.doc.tiers.get(person.tier or "")
            if tier is None or person.department is None or self.absent(person.address):
                continue
            if not (tier.read_department_mailboxes or tier.send_as_department_mailboxes):
                continue
            for department in self.tree.below(person.department):
                for box in self.department_mailboxes.get(department, ()):
                    grant(
                        box.address,
                        person.address,
                        tier.read_department_mailboxes,
                        tier.send_as_department_mailboxes,
                        self.where("people", person.index, "tier"),
                    )
        for (mailbox, grantee), (read, send) in sorted(rights.items()):
            self.add(
                self.mail_provider(mailbox), o.Delegation(mailbox, grantee, read, send), origins[(mailbox, grantee)]
            )

    def admins(self) -> None:
        for person in self.config.people:
            tier = self.doc.tiers.get(person.tier or "")
            if tier is None or tier.admin is None or self.absent(person.address):
                continue
            departments: tuple[str, ...] = ()
            if tier.admin == "department" and person.department:
                departments = tuple(sorted(self.tree.below(person.department)))
            role = o.AdminRole(person.address, tier.admin, departments)
            self.add(self.mail_provider(person.address), role, self.where("people", person.index, "tier"))

    def contacts(self) -> None:
        """The shared address book lives with the primary domain's mail provider; a customer whose
        owner has left passes to the successor (the same heir as a group's ownership)."""
        primary = self.config.primary_domain
        for entry in self.config.contacts:
            addresses = tuple(sorted(o.Contact.entry(*item) for item in entry.addresses))
            owner = self.heir(entry.owner) or entry.owner
            obj = o.Contact(primary, entry.company, owner, addresses, entry.note)
            self.add(self.mail_provider(primary), obj, entry.location)

    def retention(self) -> dict[str, dict[str, str]]:
        period = self.doc.policies.archive.retention
        out: dict[str, dict[str, str]] = defaultdict(dict)
        if period is None:
            return {}
        for person in self.config.people:
            if person.has_left(self.today) and person.left_on is not None:
                until = retained_until(person.left_on, period).isoformat()
                out[self.mail_provider(person.address)][person.address] = until
        for box in self.config.mailboxes:
            if box.has_expired(self.today) and box.expires_on is not None:
                until = retained_until(box.expires_on + dt.timedelta(days=1), period).isoformat()
                out[self.mail_provider(box.address)][box.address] = until
        return dict(out)

    # -- DNS -------------------------------------------------------------------------------------

    def records(self, specs: dict[str, ProviderSpec]) -> None:
        served = [d for d in self.config.domains.values() if d.spec.dns]
        if not served:
            return
        for domain in served:
            facts = self.facts(domain, specs)
            origin = self.config.where.key_at(("domains", domain.key))
            try:
                records = mail_records(facts, self.spf_resolver)
                self.mail_dns[domain.name] = self.dns_extras(domain, facts)
            except TemplateError as exc:
                hint = Msg("add the missing setting to the mail provider")
                said = exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], str) else str(exc)  # a Msg
                self.problems.append(Problem(said, origin, hint))
                continue
            except ConfigError as exc:
                self.problems.extend(exc.problems)
                continue
            for record in records:
                self.add(str(domain.spec.dns), record, origin)

    def dns_extras(self, domain: Domain, facts: MailDomainFacts) -> o_desired.MailDns:
        """What ``check`` needs besides the records: the selectors, keys not known here, the MTA-STS policy."""
        selectors = dkim_selectors(facts) if domain.spec.dkim.enabled else ()
        unknown = []
        if facts.mail_provider_type == "local" and selectors and facts.dkim_public_key is None:
            from mailplan.dns.dkim import key_path

            path = key_path(self.config.state_dir / "dkim", domain.name, selectors[0])
            unknown.append((f"{selectors[0]}._domainkey.{domain.name}", "TXT",
                            Msg("the key file {path} is not on this machine, so the key the config derives is unknown "
                                "here (the live key's own rules still run)", path=str(path))))
        receives = facts.sends_mail if facts.receives_mail is None else facts.receives_mail
        policy = mta_sts_policy(facts) if facts.mta_sts_mode is not None and receives else ""
        return o_desired.MailDns(selectors, tuple(unknown), policy)

    def facts(self, domain: Domain, specs: dict[str, ProviderSpec]) -> MailDomainFacts:
        spec = domain.spec
        mail = specs[domain.mail]
        sends = spec.sends_mail if spec.sends_mail is not None else domain.alias_of is None
        receives = spec.receives_mail if spec.receives_mail is not None else (True if domain.alias_of else None)
        reports = self.config.reports.get(domain.name, {})
        return MailDomainFacts(
            zone=self.zone(domain),
            domain=domain.name,
            mail_provider_type=mail.type,
            mail_settings={k: v for k, v in mail.settings.items() if not is_secret_key(k)},
            sends_mail=sends,
            receives_mail=receives,
            spf_extra=spec.spf.mechanisms(),
            spf_all=spec.spf.all,
            dkim_selector=self.dkim_selector(domain, mail),
            dkim_public_key=self.dkim_key(domain, mail, sends),
            dmarc_policy=spec.dmarc.policy,
            dmarc_subdomain_policy=spec.dmarc.subdomain_policy,
            dmarc_rua=reports.get("dmarc_rua", ()),
            dmarc_ruf=reports.get("dmarc_ruf", ()),
            dmarc_pct=spec.dmarc.pct,
            mta_sts_mode=spec.mta_sts.mode if spec.mta_sts else None,
            mta_sts_mx=tuple(spec.mta_sts.mx) if spec.mta_sts else (),
            mta_sts_max_age=spec.mta_sts.max_age if spec.mta_sts else 604800,
            tls_rpt_rua=reports.get("tls_rpt_rua", ()),
            ttl=spec.ttl,
            dmarc_report_for=self.report_senders(domain),
            location=self.config.where.key_at(("domains", domain.key)),
            dns_provider_type=specs[str(spec.dns)].type if str(spec.dns) in specs else "",
            mx_preference_min=int(getattr(self.provider_class(str(spec.dns)), "MX_PREFERENCE_MIN", 0)),
        )

    def report_senders(self, receiver: Domain) -> tuple[str, ...]:
        """Our other domains that send their DMARC reports to an address on ``receiver``.

        Receivers only send reports to another domain when that domain says it accepts them
        (``<sender>._report._dmarc.<receiver>``), so it is published for each.
        """
        senders = set()
        for name, uris in self.config.reports.items():
            for uri in (*uris.get("dmarc_rua", ()), *uris.get("dmarc_ruf", ())):
                if name != receiver.name and uri.startswith("mailto:") and uri.rpartition("@")[2] == receiver.name:
                    senders.add(name)
        return tuple(sorted(senders))

    def dkim_selector(self, domain: Domain, mail: ProviderSpec) -> str | None:
        """The domain's own selector, else the provider's ``dkim_selector`` setting (None: the template's)."""
        if mail.type == "local" or self._written("domains", domain.key, "dkim", "selector"):
            return domain.spec.dkim.selector
        setting = mail.settings.get("dkim_selector")
        return str(setting) if setting else None

    def dkim_key(self, domain: Domain, mail: ProviderSpec, sends: bool) -> str | None:
        """The public key to publish at the domain's selector, None when it is not known.

        Self-hosted (``local``): mailplan holds the key; without ``create_keys`` (validate, check) a
        missing key is not generated, since those commands write nothing. A console provider: the key
        the admin copied, checked. Microsoft 365 keeps its keys behind CNAMEs: no key is given.
        """
        given = self.given_dkim_key(domain, mail)
        source = dkim_source(mail.type)
        if not (sends and domain.spec.dkim.enabled):
            if given is not None and domain.spec.dkim.public_key is not None:
                message = Msg("domain {domain}: a DKIM public key is given, but the domain sends no mail, so no key "
                              "is published", domain=domain.name) if not sends else \
                    Msg("domain {domain}: a DKIM public key is given, but the domain has dkim.enabled: false, so "
                        "no key is published", domain=domain.name)
                self.problems.append(Problem(message, given[1], Msg("remove the public key")))
            return None
        if source != "console" and given is not None:
            message = Msg("domain {domain}: a DKIM public key is given, but mailplan generates and keeps a local "
                          "domain's key", domain=domain.name) if source == "generated" else \
                Msg("domain {domain}: a DKIM public key is given, but Microsoft 365 publishes DKIM through the "
                    "selector1/selector2 CNAMEs it derives", domain=domain.name)
            self.problems.append(Problem(message, given[1], Msg("remove the public key")))
            return None
        if source == "generated":
            from mailplan.dns.dkim import ensure_key, existing_key

            keys_dir, selector = self.config.state_dir / "dkim", domain.spec.dkim.selector
            if not self.create_keys:
                return existing_key(keys_dir, domain.name, selector)
            return ensure_key(keys_dir, domain.name, selector)
        if given is None:
            return None
        try:
            return console_record(given[0])
        except ValueError as exc:
            message = Msg("domain {domain}: DKIM public key: {error}", domain=domain.name, error=reason(exc))
            self.problems.append(Problem(message, given[1], Msg(ACCEPTED_FORMS)))
            return None

    def given_dkim_key(self, domain: Domain, mail: ProviderSpec) -> tuple[str, Location | None] | None:
        """The key text from the domain's ``dkim.public_key`` (``env:``/``file:`` read), else from the mail
        provider's ``dkim_public_key`` — which only a provider hosting one sending domain may carry."""
        path: NodePath = ("domains", domain.key, "dkim")
        own = domain.spec.dkim.public_key
        if own is not None:
            read = resolve({"public_key": own}, path, self.config.where, self.config.base_dir, self.problems)
            return str(read["public_key"]), self.where(*path, "public_key")
        shared = mail.settings.get("dkim_public_key")
        if not shared:
            return None
        where = self.where("providers", mail.name, "dkim_public_key")
        sending = sorted(d.name for d in self.config.domains.values() if d.mail == mail.name and d.spec.dns
                         and d.alias_of is None and d.spec.sends_mail is not False)
        if len(sending) > 1:
            self.problems.append(Problem(
                Msg("provider {provider}: dkim_public_key would publish one key for {count} domains "
                    "({domains}), but each domain has its own key in the console", provider=repr(mail.name),
                    count=len(sending), domains=", ".join(sending)), where,
                Msg("write each domain's key as domains.<domain>.dkim.public_key instead"),
            ))
            return None
        return str(shared), where

    # -- all -------------------------------------------------------------------------------------

    def run(self) -> Desired:
        specs = self.providers()
        if self.problems:
            raise ConfigError(self.problems)
        self.domains()
        self.departments()
        self.people_objects()
        self.mailboxes()
        self.groups()
        self.aliases()
        self.grants()
        self.admins()
        self.contacts()
        self.records(specs)
        if self.problems:
            raise ConfigError(self.problems)
        states: dict[str, State] = {}
        for name in self.doc.providers:
            try:
                states[name] = State(self.objects.get(name, []))
            except ValueError as exc:
                message = Msg("provider {provider}: {error}", provider=repr(name), error=reason(exc))
                raise ConfigError([Problem(message, self.where("providers", name))]) from None
        return Desired(
            providers=specs,
            objects=states,
            scopes=self.scopes(),
            origins=self.origins,
            config_fingerprint=self.config.fingerprint,
            config_path=str(self.config.path),
            config_files=tuple(str(f) for f in self.config.files),
            credentials_file=str(self.config.state_dir / "credentials.txt"),
            journal_file=str(self._journal()),
            journal_key=self.doc.journal_key or "",
            retention=self.retention(),
            deletions={name: tuple(sorted(boxes, key=lambda b: b.key)) for name, boxes in self.deletions.items()},
            retention_period=self.retention_period or "",
            warnings=self.config.warnings,
            mail_dns=self.mail_dns,
            safety=self.safety(),
        )

    def safety(self) -> SafetyLimits:
        """policies.safety, each limit left out taking its default."""
        policy = self.doc.policies.safety
        limits = {}
        for kind, default in DEFAULT_LIMITS.items():
            given = getattr(policy, kind)
            limits[kind] = Limit(
                default.max_percent if given.max_percent is None else given.max_percent,
                default.max_count if given.max_count is None else given.max_count,
            )
        return SafetyLimits(policy.window_days, limits)

    def _journal(self) -> Path:
        return journal_path(self.config)


def journal_path(config: Config) -> Path:
    """The audit journal: ``journal:`` in the config, else ``<state_dir>/journal.jsonl``."""
    journal = config.document.journal
    if journal is None:
        return config.state_dir / "journal.jsonl"
    return Path(journal) if Path(journal).is_absolute() else config.base_dir / journal


def compile_config(
    config: Config, today: dt.date, spf_resolver: spf.Resolver | None = None, create_keys: bool = True,
    secrets: bool = True,
) -> Desired:
    """The objects each provider should hold on ``today`` (people who left by then are frozen).

    With ``spf_resolver``, SPF lookups are counted through the includes as live DNS answers them.
    With ``create_keys`` false, DKIM keys that do not exist yet are not generated (and not published).
    With ``secrets`` false, the providers' secret settings are not read (their references stay as
    written): for commands that only read DNS, which must run where no provider secret is set.
    """
    return _Compiler(config, today, spf_resolver, create_keys, secrets).run()
