"""Observed objects → a mailplan.yaml document that compiles back to the same objects.

The rule for every choice here: the compiler, given the written document, must
produce exactly the objects that were read. Where the language cannot say what
the provider holds, the object is left out and named in ``skipped`` (it then
shows as unmanaged, or as a change, in the first plan).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from mailplan.config.addresses import to_unicode
from mailplan.config.models import AutoReplyText
from mailplan.i18n import Msg
from mailplan.importer.grants import split_grants
from mailplan.importer.people import PeopleSections
from mailplan.importer.reading import Imported, alabel
from mailplan.importer.start import Start
from mailplan.model import objects as o
from mailplan.model.periods import retention_days
from mailplan.model.state import Observed


class _Builder(PeopleSections):
    """Writes the whole document: the people's sections, then groups, aliases and policies."""

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
        doc["contacts"] = [self._contact(c) for c in sorted(self._of(o.Contact), key=lambda c: c.company)]
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
        return f"{local.lower()}@{alabel(domain)}"

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

    # -- groups and aliases ------------------------------------------------------------------------

    def _members(self, what: str, addresses: tuple[str, ...]) -> list[str]:
        out = []
        for address in addresses:
            if address in self.groups:
                self.skip(Msg("{what}: {address} is a group inside the group; the language expands nested groups",
                              what=what, address=address))
            elif not self.resolvable(address):
                self.skip(Msg("{what}: {address} is not an address of this import", what=what, address=address))
            else:
                out.append(self.ref(address))
        return out

    def _group(self, group: o.Group) -> dict[str, Any]:
        entry: dict[str, Any] = {"address": self.ref(group.address), "name": group.name}
        entry["members"] = self._members(Msg("group {group} member", group=group.address), group.members)
        post = group.post_policy
        senders = [
            "@" + to_unicode(s[1:]) if s.startswith("@") else s
            for s in self._members(
                Msg("group {group} sender", group=group.address),
                tuple(x for x in group.senders if not x.startswith("@")),
            )
        ] + ["@" + to_unicode(s[1:]) for s in group.senders if s.startswith("@")]
        if post == "senders" and not senders:
            self.skip(Msg("group {group}: post rule `senders` with nobody listed; written as `post: members`",
                          group=group.address))
            post = "members"
        entry["post"] = post
        if senders and post == "senders":
            entry["senders"] = senders
        elif senders:  # the provider keeps a list its post rule does not read; the config cannot say that
            listed = ", ".join(senders)
            self.skip(Msg("group {group}: senders {senders} are not used by its post rule `{post}`",
                          group=group.address, senders=listed, post=post))
        owners = []
        for owner in group.owners:
            box = self.mailboxes.get(owner)
            if box is None or box.kind != "person":
                self.skip(Msg("group {group} (imported): its owner {owner} is left out: not a person here",
                              group=group.address, owner=owner))
            elif box.frozen and self._successor(box, quiet=True):
                self.skip(Msg("group {group} (imported): its owner {owner} left; the first plan passes the ownership "
                              "to their successor", group=group.address, owner=owner))
            else:
                owners.append(owner)  # one who left, with nobody to pass it to, keeps it (remove_from_groups: false)
        if owners:
            entry["owners"] = [self.ref(a) for a in owners]
        return entry

    def _alias(self, alias: o.Alias) -> dict[str, Any] | None:
        if self._is_alias_domain(alias.address.rpartition("@")[2]):
            self.skip(Msg("alias {alias}: on an alias domain every address mirrors the target domain",
                          alias=alias.address))
            return None
        targets = self._members(Msg("alias {alias} target", alias=alias.address), alias.targets)
        if len(targets) != len(alias.targets) or not targets:
            self.skip(Msg("alias {alias} was left out: not all of its targets could be written", alias=alias.address))
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
                self.out.notes.append(Msg(
                    "{address} left without an auto-reply, so the offboarding auto-reply of the starting config is "
                    "not kept (each departed person's reply is written with them)", address=person.address,
                ))
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
            two_factor = "true" if start.require_2fa else "false"  # as the YAML says it
            self.out.notes.append(Msg(
                "the provider has no password policy; the first apply sets this one (`min_length: {min_length}`, "
                "`max_age_days: {max_age_days}`, `require_2fa: {require_2fa}`)", min_length=start.min_length,
                max_age_days=start.max_age_days, require_2fa=two_factor,
            ))
            return start.model_dump(mode="json", exclude_unset=True)
        missing = [d for d in hosted if d not in found]
        if missing:
            domains = ", ".join(missing)
            self.out.notes.append(Msg("no password policy on {domains}: the first apply sets it there",
                                      domains=domains))
        if len(values) > 1:
            self.skip(Msg("password policies differ between domains; the language has one: the primary domain's is "
                          "kept"))
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
            self.skip(Msg("archive copies differ between domains; the language has one: the primary domain's is kept"))
        rule = rules.get(self.primary) or next(iter(rules.values()))
        out: dict[str, Any] = {}
        if rule.retention_days:
            out["retention"] = period_of(rule.retention_days)
        elif start.retention:
            out["retention"] = start.retention
            self.skip(Msg("archive: retention {retention} of the starting config is not on the provider",
                          retention=start.retention))
        copy_to = self.mailboxes.get(rule.copy_to)
        domain = rule.copy_to.rpartition("@")[2]
        if copy_to is not None or domain not in self.own_domains:
            out["journal_to"] = self.ref(rule.copy_to)
        else:
            self.skip(Msg("archive: copies go to {address}, which is not a mailbox", address=rule.copy_to))
        return out

    def _offboarding_policy(self, text: AutoReplyText | None, people: list[o.Mailbox]) -> dict[str, Any]:
        start = self.doc.policies.offboarding
        out = start.model_dump(mode="json", exclude_unset=True, exclude={"auto_reply"})
        gone = {p.address for p in people if p.frozen}
        in_groups = sorted({m for g in self.groups.values() for m in (*g.members, *g.senders, *g.owners) if m in gone})
        if in_groups and start.remove_from_groups:
            out["remove_from_groups"] = False
            self.out.notes.append(Msg(
                "people who left are still group members ({addresses}): `remove_from_groups` is false; set it to true "
                "to take them out", addresses=", ".join(in_groups),
            ))
        if any(a in gone for a in self.forwardings) and not start.deliver_to_successor:
            out["deliver_to_successor"] = True
        if text is not None:
            out["auto_reply"] = text.model_dump(mode="json")
        return out

    def _contact(self, contact: o.Contact) -> dict[str, Any]:
        """A customer of the shared address book (only the local backend holds them)."""
        entry: dict[str, Any] = {"company": contact.company, "owner": self.ref(contact.owner), "addresses": [
            {"address": address, "role": role, **({"name": name} if name else {})}
            for role, address, name in contact.entries()
        ]}
        if contact.note:
            entry["note"] = contact.note
        return entry

    def _report_leftovers(self) -> None:
        for fwd in self.forwardings.values():
            if fwd.address not in self.mailboxes:
                self.skip(Msg("forwarding: {address} is not a mailbox of this import", address=fwd.address))
        for reply in self.replies.values():
            if reply.address not in self.mailboxes:
                self.skip(Msg("auto-reply: {address} is not a mailbox of this import", address=reply.address))


def period_of(days: int) -> str:
    """Retention days as the shortest period that compiles back to them (1826 -> 5y)."""
    for unit in ("y", "m"):
        for n in range(1, 201):
            if retention_days(f"{n}{unit}") == days:
                return f"{n}{unit}"
    return f"{days}d"


def build_document(start: Start, observed: Observed, today: dt.date) -> Imported:
    return _Builder(start, observed, today).run()
