"""The imported file's providers, domains, departments, access tiers, people and
functional mailboxes."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from mailplan.config.addresses import AddressError
from mailplan.config.models import AutoReplyText
from mailplan.config.naming import derive_local_part
from mailplan.i18n import Msg
from mailplan.importer.grants import TierFlags
from mailplan.importer.reading import Reading, alabel, escape_braces
from mailplan.model import objects as o

# Names the written tiers get, by what they grant.
ADMIN_TIER = {"super": "super_admin", "department": "dept_admin"}
ACCESS_TIER = {(True, True): "manager", (True, False): "reader", (False, True): "sender"}


class PeopleSections(Reading):
    """Writes the sections about who is in the organization."""

    def _providers(self) -> dict[str, Any]:
        wanted = {self.start.provider}
        for d in self.start.domains:
            dns = self.doc.domains[self.domain_keys[d]].dns
            if dns:
                wanted.add(dns)
        return {name: {"type": p.type, **p.settings()} for name, p in self.doc.providers.items() if name in wanted}

    def _domains(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        present = {d.name: d for d in self._of(o.Domain)}
        for name in self.start.domains:
            key = self.domain_keys[name]
            spec = self.doc.domains[key].model_dump(mode="json", exclude_unset=True)
            found = present.get(name)
            if found is None:
                provider = repr(self.start.provider)
                self.out.notes.append(Msg("domain {domain} is not on provider {provider}: the plan creates it",
                                          domain=key, provider=provider))
            elif found.description != self.doc.domains[key].description:
                spec["description"] = found.description
            if found is not None and (found.alias_of or None) != (alabel(self.doc.domains[key].alias_of or "") or None):
                self.skip(Msg("domain {domain}: the provider has `alias_of={target}`, the config another target",
                              domain=key, target=found.alias_of))
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
                    self.skip(Msg("department {department}: its manager {manager} is not a person of this import",
                                  department=key, manager=dept.manager))
            if dept.parent:
                if dept.parent in self.departments:
                    entry["parent"] = dept.parent
                else:
                    self.skip(Msg("department {department}: its parent {parent} is not a department of this import",
                                  department=key, parent=dept.parent))
            if dept.org_domain != self.primary:
                self.skip(Msg("department {department} belongs to {domain}, not the primary domain {primary}",
                              department=key, domain=dept.org_domain, primary=self.primary))
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
        department = repr(box.department)
        self.skip(Msg("mailbox {address}: its department {department} is not a department on the provider",
                      address=box.address, department=department))
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
            self.skip(Msg(
                "forwarding: mail to {address} goes to {targets}; a person who left hands over to one current person "
                "(`successor`)", address=box.address, targets=", ".join(forwarding.targets),
            ))
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
            self.skip(Msg("forwarding: {address} (not frozen) forwards to {targets}; only people who left forward",
                          address=box.address, targets=targets))
        if box.address in self.replies and box.kind == "person":
            self.skip(Msg("auto-reply of {address} (not frozen): only people who left and mailboxes have one",
                          address=box.address))

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
            self.skip(Msg("forwarding: the mailbox {address} forwards; only people who left forward",
                          address=box.address))
        return entry
