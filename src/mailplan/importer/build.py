"""Observed objects → a mailplan.yaml document that compiles back to the same objects.

The rule for every choice here: the compiler, given the written document, must
produce exactly the objects that were read. Where the language cannot say what
the provider holds, the object is left out and named in ``skipped`` (it then
shows as unmanaged, or as a change, in the first plan).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mailplan.config.addresses import AddressError, to_alabel, to_unicode
from mailplan.config.compile import retention_days
from mailplan.config.models import AutoReplyText, Document
from mailplan.config.naming import derive_local_part
from mailplan.importer.grants import TierFlags, split_grants
from mailplan.importer.start import Start
from mailplan.model import objects as o
from mailplan.model.state import Observed

T = TypeVar("T", bound=o.MailObject)

# Names the written tiers get, by what they grant.
ADMIN_TIER = {"super": "super_admin", "department": "dept_admin"}
ACCESS_TIER = {(True, True): "manager", (True, False): "reader", (False, True): "sender"}


@dataclass
class Imported:
    document: dict[str, Any]
    skipped: list[str] = field(default_factory=list)  # what the language cannot express
    notes: list[str] = field(default_factory=list)  # choices the reader should know about
    counts: Counter[str] = field(default_factory=Counter)


def _alabel(domain: str) -> str:
    try:
        return to_alabel(domain)
    except AddressError:
        return domain


def escape_braces(text: str) -> str:
    """Auto-reply texts are templates: a literal brace is written doubled."""
    return text.replace("{", "{{").replace("}", "}}")


class _Builder:
    def __init__(self, start: Start, observed: Observed, today: dt.date) -> None:
        self.start = start
        self.doc: Document = start.document
        self.today = today
        self.out = Imported(document={})
        self.objects = list(observed.state)
        self.domain_keys = {_alabel(k): k for k in self.doc.domains}
        self.own_domains = set(start.domains)
        self.primary = _alabel(self.doc.organization.primary_domain)
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

    # -- sections ----------------------------------------------------------------------------------

    def run(self) -> Imported:
        referenced = self._referenced()
        attached = self._attached_aliases(referenced)
        attached_addresses = {a for aliases in attached.values() for a in aliases}
        parents = {k: d.parent for k, d in self.departments.items()}
        people = sorted((m for m in self.mailboxes.values() if m.kind == "person"), key=self._reading_order)
        functional = sorted((m for m in self.mailboxes.values() if m.kind == "functional"), key=self._reading_order)
        successors = {p.address: s.address for p in people if p.frozen and (s := self._successor(p, quiet=True))}
        managers = {d.manager for d in self.departments.values() if d.manager}
        grants = split_grants(
            people, functional, parents, self._of(o.Delegation), self._of(o.AdminRole), successors, managers
        )
        self.out.skipped += grants.skipped
        tier_names = self._tier_names(set(grants.tiers.values()))
        default_quota = self._default_quota()
        doc: dict[str, Any] = {"version": 1}
        doc["organization"] = {"name": self.doc.organization.name, "primary_domain": to_unicode(self.primary)}
        for key in ("state_dir", "journal", "naming"):
            if key in self.doc.model_fields_set:
                value = getattr(self.doc, key)
                doc[key] = value.model_dump(mode="json", exclude_unset=True) if key == "naming" else value
        doc["providers"] = self._providers()
        doc["domains"] = self._domains()
        doc["departments"] = self._departments()
        doc["tiers"] = {name: self._tier_dict(flags) for flags, name in tier_names.items()}
        offboarding = self._offboarding(people)
        doc["people"] = [
            self._person(m, attached.get(m.address, []), grants.tiers, tier_names, default_quota, offboarding)
            for m in people
        ]
        doc["mailboxes"] = [
            self._mailbox(m, attached.get(m.address, []), grants.owners.get(m.address, []), default_quota)
            for m in functional
        ]
        doc["groups"] = [self._group(g) for g in self.groups.values()]
        top_level = [a for a in self.aliases.values() if a.address not in attached_addresses]
        doc["aliases"] = [entry for entry in map(self._alias, top_level) if entry]
        doc["policies"] = self._policies(default_quota, offboarding, people)
        self._report_leftovers()
        self.out.document = {k: v for k, v in doc.items() if v or k in ("providers", "domains")}
        for obj in self.objects:
            self.out.counts[obj.KIND] += 1
        return self.out

    def _referenced(self) -> set[str]:
        """Addresses other entries point at: an alias among them must stay an alias of its own."""
        refs: set[str] = set()
        for g in self.groups.values():
            refs.update(g.members, g.senders, g.owners)
        for a in self.aliases.values():
            refs.update(a.targets)
        for r in self._of(o.ArchiveRule):
            refs.add(r.copy_to)
        for spec in self.doc.domains.values():
            reports = [*spec.dmarc.rua, *spec.dmarc.ruf, *(spec.tls_rpt.rua if spec.tls_rpt else [])]
            refs.update(self._written_address(r.removeprefix("mailto:")) for r in reports)
        return refs

    def _written_address(self, written: str) -> str:
        """An address as the starting config wrote it (``dmarc-reports``) in full, A-label domain."""
        local, _, domain = written.rpartition("@") if "@" in written else (written, "", self.primary)
        return f"{local.lower()}@{_alabel(domain)}"

    def _attached_aliases(self, referenced: set[str]) -> dict[str, list[str]]:
        """Aliases of one mailbox, written under that person or mailbox; the rest stay under aliases:."""
        out: dict[str, list[str]] = {}
        for alias in self.aliases.values():
            domain = alias.address.rpartition("@")[2]
            if (
                len(alias.targets) == 1
                and alias.targets[0] in self.mailboxes
                and alias.address not in referenced
                and not self._is_alias_domain(domain)
            ):
                out.setdefault(alias.targets[0], []).append(alias.address)
        return {target: sorted(aliases) for target, aliases in out.items()}

    def _providers(self) -> dict[str, Any]:
        wanted = {self.start.provider}
        for d in self.start.domains:
            dns = self.doc.domains[self.domain_keys[d]].dns
            if dns:
                wanted.add(dns)
        return {
            name: {"type": p.type, **p.settings()} for name, p in self.doc.providers.items() if name in wanted
        }

    def _domains(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        present = {d.name: d for d in self._of(o.Domain)}
        for name in self.start.domains:
            key = self.domain_keys[name]
            spec = self.doc.domains[key].model_dump(mode="json", exclude_unset=True)
            found = present.get(name)
            if found is None:
                self.out.notes.append(f"domain {key} is not on provider {self.start.provider!r}: the plan creates it")
            elif found.description != self.doc.domains[key].description:
                spec["description"] = found.description
            if found is not None and (found.alias_of or None) != (
                _alabel(self.doc.domains[key].alias_of or "") or None
            ):
                self.skip(f"domain {key}: the provider has alias_of={found.alias_of}, the config another target")
            out[key] = spec
        return out

    def _departments(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in self._departments_in_order():
            dept = self.departments[key]
            entry: dict[str, Any] = {"name": dept.title}
            if dept.manager:
                person = self.mailboxes.get(dept.manager)
                if person is not None and person.kind == "person":
                    entry["manager"] = self.ref(dept.manager)
                else:
                    self.skip(f"department {key}: its manager {dept.manager} is not a person of this import")
            if dept.parent:
                if dept.parent in self.departments:
                    entry["parent"] = dept.parent
                else:
                    self.skip(f"department {key}: its parent {dept.parent} is not a department of this import")
            if dept.org_domain != self.primary:
                self.skip(f"department {key} belongs to {dept.org_domain}, not the primary domain {self.primary}")
            out[key] = entry
        return out

    def _reading_order(self, box: o.Mailbox) -> tuple[int, bool, str]:
        """Department by department (as listed), people who left last in each, then by address."""
        order = list(self._departments_in_order())
        rank = order.index(box.department) if box.department in order else len(order)
        return (rank, box.frozen, box.address)

    def _departments_in_order(self) -> list[str]:
        return sorted(self.departments, key=lambda key: (self._depth(key), key))

    def _depth(self, key: str) -> int:
        depth, seen = 0, {key}
        parent = self.departments[key].parent
        while parent in self.departments and parent not in seen:
            seen.add(parent)
            depth += 1
            parent = self.departments[parent].parent
        return depth

    def _department_of(self, box: o.Mailbox) -> str | None:
        if box.department is None or box.department in self.departments:
            return box.department
        self.skip(f"mailbox {box.address}: its department {box.department!r} is not a department on the provider")
        return None

    # -- tiers -------------------------------------------------------------------------------------

    def _tier_names(self, used: set[TierFlags]) -> dict[TierFlags, str]:
        """Reuse the starting config's tier names where one grants the same; else a name that says it."""
        existing = {
            TierFlags(t.admin, t.read_department_mailboxes, t.send_as_department_mailboxes): name
            for name, t in self.doc.tiers.items()
        }
        out: dict[TierFlags, str] = {}
        for flags in sorted(used, key=lambda f: (f.admin or "", f.read, f.send)):
            if flags in existing:
                out[flags] = existing[flags]
                continue
            parts = [ADMIN_TIER[flags.admin]] if flags.admin else []
            if flags.read or flags.send:
                parts.append(ACCESS_TIER[(flags.read, flags.send)])
            out[flags] = "_".join(parts)
        return out

    @staticmethod
    def _tier_dict(flags: TierFlags) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if flags.admin:
            out["admin"] = flags.admin
        if flags.read:
            out["read_department_mailboxes"] = True
        if flags.send:
            out["send_as_department_mailboxes"] = True
        return out

    # -- people and mailboxes ----------------------------------------------------------------------

    def _default_quota(self) -> int:
        quotas = Counter(m.quota_mb for m in self.mailboxes.values())
        if not quotas:
            return self.doc.policies.mailbox.quota_mb
        return min(quotas.items(), key=lambda kv: (-kv[1], kv[0]))[0]

    def _derives(self, box: o.Mailbox) -> bool:
        local, _, domain = box.address.rpartition("@")
        if domain != self.primary:
            return False
        naming = self.doc.naming
        try:
            return derive_local_part(box.name, naming.pattern, naming.latin_pattern) == local
        except AddressError:
            return False

    def _person(
        self,
        box: o.Mailbox,
        aliases: list[str],
        tiers: dict[str, TierFlags],
        tier_names: dict[TierFlags, str],
        default_quota: int,
        offboarding: AutoReplyText | None,
    ) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": box.name}
        if not self._derives(box):
            entry["address"] = self.ref(box.address)
        if aliases:
            entry["aliases"] = [self.ref(a) for a in aliases]
        department = self._department_of(box)
        if department:
            entry["department"] = department
        if box.address in tiers:
            entry["tier"] = tier_names[tiers[box.address]]
        if box.quota_mb != default_quota:
            entry["quota_mb"] = box.quota_mb
        if box.frozen:
            self._departed(box, entry, offboarding)
        else:
            self._not_expressible_on_current(box)
        return entry

    def _departed(self, box: o.Mailbox, entry: dict[str, Any], offboarding: AutoReplyText | None) -> None:
        entry["left_on"] = self.today
        successor = self._successor(box)
        if successor is not None:
            entry["successor"] = self.ref(successor.address)
        reply = self.replies.get(box.address)
        if reply is not None:
            policy_text = offboarding if successor is not None else None
            if policy_text is None or self._rendered(policy_text, box, successor) != (reply.subject, reply.body):
                entry["auto_reply"] = {"subject": escape_braces(reply.subject), "body": escape_braces(reply.body)}

    def _successor(self, box: o.Mailbox, quiet: bool = False) -> o.Mailbox | None:
        forwarding = self.forwardings.get(box.address)
        if forwarding is None:
            return None
        targets = [self.mailboxes.get(t) for t in forwarding.targets]
        if len(targets) == 1 and targets[0] is not None and targets[0].kind == "person" and not targets[0].frozen:
            return targets[0]
        if not quiet:
            self.skip(
                f"forwarding: mail to {box.address} goes to {', '.join(forwarding.targets)}; a person who left "
                "hands over to one current person (successor)"
            )
        return None

    def _rendered(self, text: AutoReplyText, box: o.Mailbox, successor: o.Mailbox | None) -> tuple[str, str]:
        values = {
            "name": box.name,
            "address": box.address,
            "successor_name": successor.name if successor else "",
            "successor_address": successor.address if successor else "",
            "left_on": self.today.isoformat(),
            "organization": self.doc.organization.name,
        }
        return text.subject.format_map(values), text.body.format_map(values)

    def _current_person(self, address: str) -> bool:
        box = self.mailboxes.get(address)
        return box is not None and box.kind == "person" and not box.frozen

    def _not_expressible_on_current(self, box: o.Mailbox) -> None:
        if box.address in self.forwardings:
            targets = ", ".join(self.forwardings[box.address].targets)
            self.skip(f"forwarding: {box.address} (not frozen) forwards to {targets}; only people who left forward")
        if box.address in self.replies and box.kind == "person":
            self.skip(f"auto-reply of {box.address} (not frozen): only people who left and mailboxes have one")

    def _mailbox(self, box: o.Mailbox, aliases: list[str], owners: list[str], default_quota: int) -> dict[str, Any]:
        entry: dict[str, Any] = {"address": self.ref(box.address), "name": box.name}
        department = self._department_of(box)
        if department:
            entry["department"] = department
        if owners:
            entry["owners"] = [self.ref(a) for a in sorted(owners)]
        if aliases:
            entry["aliases"] = [self.ref(a) for a in aliases]
        reply = self.replies.get(box.address)
        if reply is not None:
            entry["auto_reply"] = {"subject": escape_braces(reply.subject), "body": escape_braces(reply.body)}
        if box.frozen:
            entry["expires_on"] = self.today - dt.timedelta(days=1)
        if box.quota_mb != default_quota:
            entry["quota_mb"] = box.quota_mb
        if box.address in self.forwardings:
            self.skip(f"forwarding: the mailbox {box.address} forwards; only people who left forward")
        return entry

    # -- groups and aliases ------------------------------------------------------------------------

    def _members(self, what: str, addresses: tuple[str, ...]) -> list[str]:
        out = []
        for address in addresses:
            if address in self.groups:
                self.skip(f"{what}: {address} is a group inside the group; the language expands nested groups")
            elif not self.resolvable(address):
                self.skip(f"{what}: {address} is not an address of this import")
            else:
                out.append(self.ref(address))
        return out

    def _group(self, group: o.Group) -> dict[str, Any]:
        entry: dict[str, Any] = {"address": self.ref(group.address), "name": group.name}
        entry["members"] = self._members(f"group {group.address} member", group.members)
        post = group.post_policy
        senders = [
            "@" + to_unicode(s[1:]) if s.startswith("@") else s
            for s in self._members(f"group {group.address} sender", tuple(x for x in group.senders
                                                                          if not x.startswith("@")))
        ] + ["@" + to_unicode(s[1:]) for s in group.senders if s.startswith("@")]
        if post == "senders" and not senders:
            self.skip(f"group {group.address}: post rule 'senders' with nobody listed; written as post: members")
            post = "members"
        entry["post"] = post
        if senders:
            entry["senders"] = senders
        owners = [a for a in group.owners if self._current_person(a)]
        for other in sorted(set(group.owners) - set(owners)):
            self.skip(f"group {group.address}: owner {other} is not a person of this import")
        if owners:
            entry["owners"] = [self.ref(a) for a in owners]
        return entry

    def _alias(self, alias: o.Alias) -> dict[str, Any] | None:
        if self._is_alias_domain(alias.address.rpartition("@")[2]):
            self.skip(f"alias {alias.address}: on an alias domain every address mirrors the target domain")
            return None
        targets = self._members(f"alias {alias.address} target", alias.targets)
        if len(targets) != len(alias.targets) or not targets:
            self.skip(f"alias {alias.address} was left out: not all of its targets could be written")
            return None
        return {"address": self.ref(alias.address), "to": targets}

    # -- policies ----------------------------------------------------------------------------------

    def _offboarding(self, people: list[o.Mailbox]) -> AutoReplyText | None:
        """Keep the starting config's offboarding auto-reply only if every departed person with a successor has one."""
        text = self.doc.policies.offboarding.auto_reply
        if text is None:
            return None
        for person in people:
            if person.frozen and person.address in self.forwardings and person.address not in self.replies:
                self.out.notes.append(
                    f"{person.address} left without an auto-reply, so the offboarding auto-reply of the starting "
                    "config is not kept (each departed person's reply is written with them)"
                )
                return None
        return text

    def _policies(
        self, default_quota: int, offboarding: AutoReplyText | None, people: list[o.Mailbox]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        password = self._password()
        if password:
            out["password"] = password
        archive = self._archive()
        if archive:
            out["archive"] = archive
        out["offboarding"] = self._offboarding_policy(offboarding, people)
        if default_quota:
            out["mailbox"] = {"quota_mb": default_quota}
        return {k: v for k, v in out.items() if v}

    def _hosted(self) -> list[str]:
        return [d for d in self.start.domains if not self._is_alias_domain(d)]

    def _password(self) -> dict[str, Any]:
        found = {p.scope: p for p in self._of(o.Policy)}
        values = {(p.password_min_length, p.password_max_age_days, p.require_2fa) for p in found.values()}
        hosted = self._hosted()
        if not found:
            start = self.doc.policies.password
            self.out.notes.append(
                "the provider holds no password policy; the first apply sets this one "
                f"(min_length {start.min_length}, max_age_days {start.max_age_days}, require_2fa {start.require_2fa})"
            )
            return start.model_dump(mode="json", exclude_unset=True)
        missing = [d for d in hosted if d not in found]
        if missing:
            self.out.notes.append(f"no password policy on {', '.join(missing)}: the first apply sets it there")
        if len(values) > 1:
            self.skip("password policies differ between domains; the language has one: the primary domain's is kept")
        policy = found.get(self.primary) or next(iter(found.values()))
        return {
            "min_length": policy.password_min_length,
            "max_age_days": policy.password_max_age_days,
            "require_2fa": policy.require_2fa,
        }

    def _archive(self) -> dict[str, Any]:
        rules = {r.scope: r for r in self._of(o.ArchiveRule)}
        start = self.doc.policies.archive
        if not rules:
            return {"retention": start.retention} if start.retention else {}
        kinds = {(r.copy_to, r.retention_days) for r in rules.values()}
        missing = [d for d in self._hosted() if d not in rules]
        if len(kinds) > 1 or missing:
            self.skip("archive copies differ between domains; the language has one: the primary domain's is kept")
        rule = rules.get(self.primary) or next(iter(rules.values()))
        out: dict[str, Any] = {}
        if rule.retention_days:
            out["retention"] = period_of(rule.retention_days)
        elif start.retention:
            out["retention"] = start.retention
            self.skip(f"archive: retention {start.retention} of the starting config is not on the provider")
        copy_to = self.mailboxes.get(rule.copy_to)
        domain = rule.copy_to.rpartition("@")[2]
        if copy_to is not None or domain not in self.own_domains:
            out["journal_to"] = self.ref(rule.copy_to)
        else:
            self.skip(f"archive: copies go to {rule.copy_to}, which is not a mailbox")
        return out

    def _offboarding_policy(self, text: AutoReplyText | None, people: list[o.Mailbox]) -> dict[str, Any]:
        start = self.doc.policies.offboarding
        out = start.model_dump(mode="json", exclude_unset=True, exclude={"auto_reply"})
        gone = {p.address for p in people if p.frozen}
        in_groups = sorted({m for g in self.groups.values() for m in (*g.members, *g.senders) if m in gone})
        if in_groups and start.remove_from_groups:
            out["remove_from_groups"] = False
            self.out.notes.append(
                f"people who left are still group members ({', '.join(in_groups)}): remove_from_groups is false; "
                "set it to true to take them out"
            )
        if any(a in gone for a in self.forwardings) and not start.deliver_to_successor:
            out["deliver_to_successor"] = True
        if text is not None:
            out["auto_reply"] = text.model_dump(mode="json")
        return out

    def _report_leftovers(self) -> None:
        for fwd in self.forwardings.values():
            if fwd.address not in self.mailboxes:
                self.skip(f"forwarding: {fwd.address} is not a mailbox of this import")
        for reply in self.replies.values():
            if reply.address not in self.mailboxes:
                self.skip(f"auto-reply: {reply.address} is not a mailbox of this import")


def period_of(days: int) -> str:
    """Retention days as the shortest period that compiles back to them (1826 -> 5y)."""
    for unit in ("y", "m"):
        for n in range(1, 201):
            if retention_days(f"{n}{unit}") == days:
                return f"{n}{unit}"
    return f"{days}d"


def build_document(start: Start, observed: Observed, today: dt.date) -> Imported:
    return _Builder(start, observed, today).run()
