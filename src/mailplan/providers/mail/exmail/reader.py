"""Reading a Tencent Exmail company into neutral objects: departments (managers from their
tags), users and their ``slaves`` as aliases, mail groups (those named ``<local> [alias]`` as
aliases), and the domains the company holds. Managed is what carries mailplan's tag."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mailplan.model.objects import Alias, Department, Domain, Group, Mailbox, MailObject
from mailplan.model.state import Ident, Observed, State
from mailplan.providers.mail.exmail import mapping as m
from mailplan.providers.mail.exmail.directory import ACCOUNT_INVALID, Directory, department_keys, department_of


class Reader:
    def __init__(self, directory: Directory, marker_tag: str, functional_tag: str, org_domain: str | None) -> None:
        self.directory = directory
        self.client = directory.client
        self.marker_tag = marker_tag
        self.functional_tag = functional_tag
        self.org_domain = org_domain  # departments are reported under it; default: the first domain in scope

    def read(self, domains: Sequence[str]) -> Observed:
        scope = {d.lower() for d in domains}
        org_domain = (self.org_domain or (domains[0] if domains else "")).lower()
        objects: list[MailObject] = []
        managed: set[Ident] = set()

        depts = self.directory.department_list(refresh=True)
        key_of = department_keys(depts)
        self.directory.tags(refresh=True)
        marked_users, marked_parties = self.directory.tag_members(self.marker_tag)
        functional, _ = self.directory.tag_members(self.functional_tag)
        managers = self.directory.managers()
        if org_domain in scope:
            for dept in depts:
                dept_id = m.as_int(dept.get("id"))
                if dept_id == m.ROOT_DEPARTMENT:
                    continue
                key, title = m.department_key(str(dept.get("name", "")))
                parent = key_of.get(m.as_int(dept.get("parentid")))
                obj = Department(name=key, org_domain=org_domain, title=title, manager=managers.get(key), parent=parent)
                objects.append(obj)
                if dept_id in marked_parties:
                    managed.add(obj.ident)

        users = self.client.get("user/list", department_id=m.ROOT_DEPARTMENT, fetch_child=1).get("userlist") or []
        for user in users:
            address = m.a_label_address(str(user.get("userid", "")))
            if m.domain_of(address) not in scope:
                continue
            box = Mailbox(
                address=address,
                name=str(user.get("name", "")),
                kind="functional" if address in functional else "person",
                department=department_of(user, key_of),
                frozen=m.as_int(user.get("enable"), 1) == 0,
            )
            objects.append(box)
            aliases = [Alias(address=a, targets=(address,)) for a in m.addresses(user.get("slaves"))]
            objects.extend(a for a in aliases if m.domain_of(a.address) in scope)
            if address in marked_users:
                managed.add(box.ident)
                managed.update(a.ident for a in aliases)

        for group in self._read_groups(scope):
            if m.is_alias_group(group.name):
                alias = Alias(address=group.address, targets=group.members)
                objects.append(alias)
                managed.add(alias.ident)  # the name is mailplan's own convention
            else:
                objects.append(group)
        objects.extend(Domain(name=d) for d in self._existing_domains(sorted(scope)))
        return Observed(State(objects), frozenset(managed))

    def _read_groups(self, scope: set[str]) -> list[Group]:
        # No list-with-members endpoint: the full search names every group, group/get reads each.
        found = self.client.get("group/fuzzysearch").get("groups") or []
        groups: list[Group] = []
        for entry in found:
            address = m.a_label_address(str(entry.get("groupid", "")))
            if m.domain_of(address) not in scope:
                continue
            groups.append(self._group_from(self.client.get("group/get", groupid=address)))
        return groups

    @staticmethod
    def _group_from(data: dict[str, Any]) -> Group:
        policy = m.POST_POLICY.get(m.as_int(data.get("allow_type"), 1), "anyone")
        return Group(
            address=m.a_label_address(str(data.get("groupid", ""))),
            name=str(data.get("groupname", "")),
            members=m.addresses((data.get("userlist") or []) + (data.get("grouplist") or [])),
            post_policy=policy,
            senders=m.addresses(data.get("allow_userlist")) if policy == "senders" else (),
        )

    def _existing_domains(self, domains: list[str]) -> list[str]:
        # A postmaster@ probe answers -1 ("invalid account") for a domain the company does not hold.
        probes = [f"postmaster@{d}" for d in domains]
        if not probes:
            return []
        return [m.domain_of(a) for a, kind in self.directory.account_types(probes).items() if kind != ACCOUNT_INVALID]
