"""Tencent Exmail (腾讯企业邮) through its ``cgi-bin`` admin API.

What maps where:
- Department  -> department (one name only: a title that differs from the key is shown as ``title [key]``)
- Mailbox     -> user (persons and functional mailboxes alike); frozen = ``enable: 0``, and
                 IMAP/SMTP and POP/SMTP client access off (``useroption``, the 功能设置 app)
- Alias       -> one of the owner's ``slaves`` (at most 5 per user, single target only)
- Group       -> mail group; post policy = ``allow_type`` (+ ``allow_userlist`` for "senders")
- Domain      -> read only (probed with ``user/batchcheck``); domains are added in the console

Exmail keeps no free-form field on users or departments, so what mailplan
created is marked with a tag (``tag/addtagusers``): users and departments in
the ``mailplan`` tag are managed, users also in ``mailplan-functional`` are
functional mailboxes. Groups carry no mark: mailplan never removes a group.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from mailplan.engine.change import Action, Change
from mailplan.model.objects import Alias, Department, Domain, Group, Mailbox, MailObject
from mailplan.model.state import Ident, Observed, State
from mailplan.providers.base import NotSupported, Provider, ProviderContext, ProviderError
from mailplan.providers.http import HttpClient
from mailplan.providers.mail.admin_api import Waiting, apply_by_kind, eventually
from mailplan.providers.mail.exmail import mapping as m
from mailplan.providers.mail.exmail.client import NOT_FOUND_CODES, ExmailClient, ExmailError
from mailplan.providers.mail.exmail.manual import MANUAL_WHY, instructions_for
from mailplan.providers.mail.local.passwords import generate_password

T = TypeVar("T")
MAX_SLAVES = 5  # aliases per user
BATCHCHECK_MAX = 20  # addresses per user/batchcheck call
ALL_INVALID = 40070  # tag/addtagusers: not one of the members is known (yet)
# user/batchcheck account types
ACCOUNT_INVALID, ACCOUNT_FREE, ACCOUNT_USER, ACCOUNT_ALIAS, ACCOUNT_GROUP = -1, 0, 1, 2, 3


def _not_found(exc: Exception) -> bool:
    return isinstance(exc, ExmailError) and exc.errcode in NOT_FOUND_CODES


class ExmailSettings(BaseModel):
    """``settings:`` of a ``type: tencent-exmail`` provider."""

    model_config = ConfigDict(extra="forbid")

    corp_id: str = Field(description="The company's CorpID (管理后台 → 工具箱 → 开发者接口)")
    corp_secret: str = Field(description="Secret of the 通讯录管理 app; reference it as env:NAME or file:PATH")
    function_secret: str | None = Field(
        default=None,
        description="Secret of the 功能设置 app: a freeze turns IMAP/POP/SMTP off with it (useroption), an "
        "unfreeze turns back on what the freeze turned off; reference it as env:NAME or file:PATH",
    )
    base_url: str = "https://api.exmail.qq.com/cgi-bin/"
    org_domain: str | None = Field(
        default=None, description="Domain departments are reported under; default: the first domain in scope"
    )
    marker_tag: str = Field(default="mailplan", max_length=32)
    functional_tag: str = Field(default="mailplan-functional", max_length=32)
    consistency_timeout: float = Field(
        default=15.0, ge=0, description="Seconds to keep retrying a just-written object that is not visible yet"
    )


class TencentExmailProvider(Provider):
    TYPE: ClassVar[str] = "tencent-exmail"
    ROLE: ClassVar[str] = "mail"
    SUPPORTS: ClassVar[frozenset[str]] = frozenset(
        {"department", "mailbox", "alias", "alias.multi", "group", "group.post.organization", "group.post.members",
         "group.post.senders"}
    )  # fmt: skip
    MANUAL: ClassVar[Mapping[str, str]] = MANUAL_WHY
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = ExmailSettings

    def __init__(self, name: str, settings: Mapping[str, Any], context: ProviderContext) -> None:
        super().__init__(name, settings, context)
        self.config = ExmailSettings.model_validate(dict(settings))
        self.http = HttpClient(base_url=self.config.base_url)
        self.client = ExmailClient(self.http, self.config.corp_id, self.config.corp_secret)
        # Each Exmail app has its own secret and token: user options belong to 功能设置.
        self.options = (
            ExmailClient(self.http, self.config.corp_id, self.config.function_secret)
            if self.config.function_secret
            else None
        )
        self.sleep: Callable[[float], None] = time.sleep
        self._departments: list[dict[str, Any]] | None = None
        self._tag_ids: dict[str, int] | None = None
        self._waiting = Waiting()

    # ------------------------------------------------------------------ read

    def read(self, domains: Sequence[str]) -> Observed:
        scope = {d.lower() for d in domains}
        org_domain = (self.config.org_domain or (domains[0] if domains else "")).lower()
        objects: list[MailObject] = []
        managed: set[Ident] = set()

        depts = self._department_list(refresh=True)
        key_of = self._department_keys(depts)
        self._tags(refresh=True)
        marked_users, marked_parties = self._tag_members(self.config.marker_tag)
        functional, _ = self._tag_members(self.config.functional_tag)
        managers = self._managers()
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
                department=self._department_of(user, key_of),
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
        return [m.domain_of(a) for a, kind in self._account_types(probes).items() if kind != ACCOUNT_INVALID]

    # ----------------------------------------------------------------- apply

    def apply(self, change: Change) -> str:
        handlers: dict[str, Callable[[Change], str]] = {
            "department": self._apply_department,
            "mailbox": self._apply_mailbox,
            "alias": self._apply_alias,
            "group": self._apply_group,
        }
        return apply_by_kind(change, handlers, "Tencent Exmail cannot {action} a {kind} through its API")

    def manual_instructions(self, change: Change) -> str:
        return instructions_for(change)

    # departments

    def _apply_department(self, change: Change) -> str:
        action = change.action
        before = change.before if isinstance(change.before, Department) else None
        if action is Action.REMOVE:
            assert before is not None
            dept_id = self._department_id(before.name)
            self.client.get("department/delete", id=dept_id)
            self._set_manager(before.name, before.manager, None)
            self._departments = None
            return f"deleted department {dept_id}"
        after = change.after
        assert isinstance(after, Department)
        try:
            label = m.department_label(after)
            m.manager_tag(after.name)  # checks the key fits a tag name
        except ValueError as exc:
            raise ProviderError(str(exc)) from None
        body = {"name": label, "parentid": self._parent_id(after)}
        if action is Action.CREATE:
            existing = self._find_department(after.name, refresh=True)
            if existing is None:
                dept_id = m.as_int(self.client.post("department/create", body).get("id"))
            else:  # there already: adopt it, as the config describes it
                dept_id = existing
                self.client.post("department/update", {"id": dept_id, **body})
            self._departments = None
            self._eventually(lambda: self._add_to_tag(self.config.marker_tag, parties=[dept_id]))
            self._set_manager(after.name, None, after.manager)
            self._waiting.now_there(f"department:{after.name}")
            return f"{'adopted' if existing else 'created'} department {dept_id}"
        dept_id = self._department_id(before.name if before else after.name)
        self.client.post("department/update", {"id": dept_id, **body})
        self._departments = None
        self._set_manager(after.name, before.manager if before else None, after.manager)
        return f"updated department {dept_id}"

    def _parent_id(self, dept: Department) -> int:
        """The parent's id. A parent not created yet (plans create departments in key
        order): start under the root and move there once the parent exists."""
        if not dept.parent:
            return m.ROOT_DEPARTMENT
        parent_id = self._find_department(dept.parent) or self._find_department(dept.parent, refresh=True)
        if parent_id is not None:
            return parent_id
        parent = dept.parent

        def move() -> None:
            self.client.post(
                "department/update", {"id": self._department_id(dept.name), "parentid": self._department_id(parent)}
            )

        self._waiting.once_there(f"department:{parent}", move)
        return m.ROOT_DEPARTMENT

    def _set_manager(self, dept_key: str, old: str | None, new: str | None) -> None:
        """Exmail departments have no manager field: the manager is the one member of
        the tag ``mp-mgr:<key>``, so that it reads back (it changes nothing in Exmail)."""
        if old == new:
            return
        name = m.manager_tag(dept_key)
        if new and self._account_types([new]).get(new) != ACCOUNT_USER:
            # a manager created later in this run (mailboxes come after departments)
            self._waiting.once_there(f"mailbox:{new}", lambda: self._set_manager(dept_key, old, new))
            return
        tags = self._tags(refresh=True)
        if name in tags:
            self.client.get("tag/delete", tagid=tags.pop(name))
        if new:
            self._eventually(lambda: self._add_to_tag(name, users=[new]))

    # mailboxes

    def _apply_mailbox(self, change: Change) -> str:
        action = change.action
        if action is Action.REMOVE:
            assert isinstance(change.before, Mailbox)
            self.client.get("user/delete", userid=change.before.address)
            return "deleted"
        after = change.after
        assert isinstance(after, Mailbox)
        if after.quota_mb:
            raise NotSupported(f"{after.address}: the Exmail API cannot set a quota; remove `quota_mb`")
        if action is Action.CREATE:
            return self._create_mailbox(after)
        # update, freeze and unfreeze alike: a freeze may come with other changes (a rename)
        before = change.before
        assert isinstance(before, Mailbox)
        body: dict[str, Any] = {"userid": after.address}
        if before.name != after.name:
            body["name"] = after.name
        if before.department != after.department:
            body["department"] = [self._department_id_or_root(after.department)]
        access = ""
        if before.frozen != after.frozen:
            body["enable"] = 0 if after.frozen else 1
            # Client access first: a failure then leaves the mailbox unfrozen (or frozen), so the next
            # plan shows the change again, instead of a half-done one that reads as finished.
            cut = self._cut_client_access if after.frozen else self._restore_client_access
            access = cut(after.address)
        if len(body) > 1:
            self._eventually(lambda: self.client.post("user/update", body))
        if before.kind != after.kind:
            self._set_functional(after.address, after.kind == "functional")
        return "updated" if "enable" not in body else f"updated, enable={body['enable']}{access}"

    def _create_mailbox(self, box: Mailbox) -> str:
        if box.frozen:
            self._options_client(f"creating {box.address} frozen")  # refused before anything is written
        password = generate_password()
        body = {
            "userid": box.address,
            "name": box.name,
            "department": [self._department_id_or_root(box.department)],
            "password": password,
            "cpwd_login": 1,  # the person sets their own password at first login
        }
        adopted = False
        try:
            self.client.post("user/create", body)
        except ExmailError:
            if self._account_types([box.address]).get(box.address) != ACCOUNT_USER:
                raise
            adopted = True  # it is there already: take it over as the config describes it
            update = {k: v for k, v in body.items() if k in ("userid", "name", "department")}
            self._eventually(lambda: self.client.post("user/update", update))
        else:
            self.context.credentials.put(box.address, password)
        self._eventually(lambda: self._add_to_tag(self.config.marker_tag, users=[box.address]))
        if box.kind == "functional":
            self._set_functional(box.address, True)
        access = ""
        if box.frozen:
            access = self._cut_client_access(box.address)
            self._eventually(lambda: self.client.post("user/update", {"userid": box.address, "enable": 0}))
        self._waiting.now_there(f"mailbox:{box.address}")
        return ("adopted existing user" if adopted else "created") + access

    # client access (IMAP/SMTP, POP/SMTP) of frozen mailboxes

    def _options_client(self, doing: str) -> ExmailClient:
        if self.options is None:
            raise ProviderError(
                f"{doing} needs the secret of Exmail's 功能设置 (function settings) app, to turn the mailbox's "
                "IMAP/SMTP and POP/SMTP access off and on: set `function_secret` in the provider's settings "
                "(see the README, Tencent Exmail); nothing was changed"
            )
        return self.options

    def _client_access(self, options: ExmailClient, address: str) -> dict[int, str]:
        answer = options.post("useroption/get", {"userid": address, "type": list(m.CLIENT_ACCESS)})
        return {m.as_int(o.get("type")): str(o.get("value")) for o in answer.get("option") or [] if isinstance(o, dict)}

    def _cut_client_access(self, address: str) -> str:
        """Freeze: IMAP/SMTP and POP/SMTP off. Those that were on are remembered first (a tag
        per option), so that an unfreeze turns on exactly those again."""
        options = self._options_client(f"freezing {address}")
        before = self._eventually(lambda: self._client_access(options, address))
        for option in (o for o in m.CLIENT_ACCESS if before.get(o) == "1"):
            self._eventually(partial(self._add_to_tag, m.client_off_tag(option), users=[address]))
        if all(before.get(o) == "0" for o in m.CLIENT_ACCESS):
            return ", IMAP/SMTP and POP/SMTP already off"
        off = [{"type": o, "value": "0"} for o in m.CLIENT_ACCESS]
        options.post("useroption/update", {"userid": address, "option": off})
        after = self._client_access(options, address)
        still = [m.CLIENT_NAMES[o] for o in m.CLIENT_ACCESS if after.get(o) != "0"]
        if still:
            raise ProviderError(f"{address}: Exmail still reports {' and '.join(still)} on after turning it off")
        return ", IMAP/SMTP and POP/SMTP off"

    def _restore_client_access(self, address: str) -> str:
        """Unfreeze: turn back on the client access the freeze turned off (nothing else)."""
        restore = [o for o in m.CLIENT_ACCESS if address in self._tag_members(m.client_off_tag(o))[0]]
        if not restore:
            return ""
        options = self._options_client(f"unfreezing {address}")
        on = [{"type": o, "value": "1"} for o in restore]
        self._eventually(lambda: options.post("useroption/update", {"userid": address, "option": on}))
        for option in restore:
            tag_id = self._tag_id(m.client_off_tag(option))
            self.client.post("tag/deltagusers", {"tagid": tag_id, "userlist": [address]})
        return ", " + " and ".join(m.CLIENT_NAMES[o] for o in restore) + " on again"

    def _set_functional(self, address: str, functional: bool) -> None:
        if functional:
            self._eventually(lambda: self._add_to_tag(self.config.functional_tag, users=[address]))
        else:
            tag_id = self._tag_id(self.config.functional_tag)
            self.client.post("tag/deltagusers", {"tagid": tag_id, "userlist": [address]})

    # aliases

    def _apply_alias(self, change: Change) -> str:
        """One target that is a user: one of its ``slaves``. Several targets: a group
        anyone may write to, named ``<local> [alias]`` so that it reads back as an alias."""
        before, after = change.before, change.after
        if isinstance(before, Alias) and change.action in (Action.UPDATE, Action.REMOVE):
            if self._account_types([before.address]).get(before.address) == ACCOUNT_GROUP:
                if isinstance(after, Alias) and len(after.targets) > 1:
                    self._eventually(lambda: self.client.post("group/update", self._alias_group_body(after)))
                    return "updated"
                self.client.get("group/delete", groupid=before.address)
            else:
                self._edit_slaves(before.targets[0], remove=before.address)
        if isinstance(after, Alias) and change.action in (Action.CREATE, Action.UPDATE):
            kinds = self._eventually(lambda: self._require_accounts(after.targets))
            if len(after.targets) == 1 and kinds[after.targets[0]] == ACCOUNT_USER:
                self._edit_slaves(after.targets[0], add=after.address)
            else:
                self._create_group(self._alias_group_body(after))
        return change.action.value + "d"

    def _alias_group_body(self, alias: Alias) -> dict[str, Any]:
        group = Group(address=alias.address, name=m.alias_group_name(alias.address), members=alias.targets)
        return self._group_body(group)

    def _edit_slaves(self, owner: str, add: str = "", remove: str = "") -> None:
        user = self._eventually(lambda: self.client.get("user/get", userid=owner))
        slaves = list(m.addresses(user.get("slaves")))
        wanted = [s for s in slaves if s != remove]
        if add and add not in wanted:
            wanted.append(add)
        if len(wanted) > MAX_SLAVES:
            raise ProviderError(f"{owner} would have {len(wanted)} aliases; Exmail allows {MAX_SLAVES} per user")
        if sorted(wanted) != slaves:
            self.client.post("user/update", {"userid": owner, "slaves": sorted(wanted)})

    # groups

    def _apply_group(self, change: Change) -> str:
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Group)
            self.client.get("group/delete", groupid=change.before.address)
            return "deleted"
        group = change.after
        assert isinstance(group, Group)
        if m.is_alias_group(group.name):
            raise ProviderError(f"group {group.address}: names ending in {m.ALIAS_MARK!r} are kept for aliases")
        body = self._group_body(group)
        if change.action is Action.CREATE:
            return self._create_group(body)
        self._eventually(lambda: self.client.post("group/update", body))
        return "updated"

    def _create_group(self, body: dict[str, Any]) -> str:
        try:
            self.client.post("group/create", body)
        except ExmailError:
            address = str(body["groupid"])
            if self._account_types([address]).get(address) != ACCOUNT_GROUP:
                raise
            self._eventually(lambda: self.client.post("group/update", body))
            return "adopted existing group"
        return "created"

    def _group_body(self, group: Group) -> dict[str, Any]:
        if group.owners:
            raise NotSupported(f"group {group.address}: Exmail groups have no owners; remove `owners`")
        if not group.members:
            raise ProviderError(f"group {group.address}: Exmail needs at least one member")
        outside = [s for s in group.senders if s.startswith("@")]
        if outside:
            raise NotSupported(f"group {group.address}: Exmail allows listed accounts only, not {outside[0]}")
        kinds = self._eventually(lambda: self._require_accounts(group.members))
        body: dict[str, Any] = {
            "groupid": group.address,
            "groupname": group.name,
            "userlist": [a for a in group.members if kinds[a] != ACCOUNT_GROUP],
            "grouplist": [a for a in group.members if kinds[a] == ACCOUNT_GROUP],
            "allow_type": m.ALLOW_TYPE[group.post_policy],
        }
        if group.post_policy == "senders":
            body["allow_userlist"] = list(group.senders)
        return body

    def _require_accounts(self, addresses: Sequence[str]) -> dict[str, int]:
        """The account type of each address; refused when one is outside the company."""
        kinds = self._account_types(addresses)
        outside = [a for a in addresses if kinds.get(a, ACCOUNT_INVALID) == ACCOUNT_INVALID]
        if outside:
            raise NotSupported(
                f"Exmail groups and aliases deliver to accounts of this company only, not {', '.join(outside)}"
            )
        missing = [a for a in addresses if kinds.get(a) not in (ACCOUNT_USER, ACCOUNT_ALIAS, ACCOUNT_GROUP)]
        if missing:
            # Shaped as "not found" so that a member created a moment ago gets time to appear.
            raise ExmailError(
                f"Exmail groups hold accounts of this company only; not one: {', '.join(missing)}", code="60111"
            )
        return kinds

    # --------------------------------------------------------------- helpers

    def _eventually(self, call: Callable[[], T]) -> T:
        """Run ``call``, retrying while it says "not found" (a fresh write may not be visible yet)."""
        return eventually(call, _not_found, self.config.consistency_timeout, self.sleep)

    def _account_types(self, addresses: Sequence[str]) -> dict[str, int]:
        kinds: dict[str, int] = {}
        for start in range(0, len(addresses), BATCHCHECK_MAX):
            chunk = list(addresses[start : start + BATCHCHECK_MAX])
            for entry in self.client.post("user/batchcheck", {"userlist": chunk}).get("list") or []:
                kinds[m.a_label_address(str(entry.get("user", "")))] = m.as_int(entry.get("type"), ACCOUNT_INVALID)
        return kinds

    def _department_list(self, refresh: bool = False) -> list[dict[str, Any]]:
        if self._departments is None or refresh:
            found = self.client.get("department/list", id=m.ROOT_DEPARTMENT).get("department") or []
            self._departments = [d for d in found if isinstance(d, dict)]
        return self._departments

    @staticmethod
    def _department_keys(depts: list[dict[str, Any]]) -> dict[int, str]:
        return {
            m.as_int(d.get("id")): m.department_key(str(d.get("name", "")))[0]
            for d in depts
            if m.as_int(d.get("id")) != m.ROOT_DEPARTMENT
        }

    @staticmethod
    def _department_of(user: dict[str, Any], key_of: dict[int, str]) -> str | None:
        ids = user.get("department") or user.get("t") or []  # "t": a key name seen in the doc's sample
        for dept_id in ids if isinstance(ids, list) else []:
            if m.as_int(dept_id) in key_of:
                return key_of[m.as_int(dept_id)]
        return None

    def _find_department(self, key: str, refresh: bool = False) -> int | None:
        for dept_id, found in self._department_keys(self._department_list(refresh)).items():
            if found == key:
                return dept_id
        return None

    def _department_id(self, key: str) -> int:
        dept_id = self._find_department(key)
        if dept_id is None:
            dept_id = self._find_department(key, refresh=True)
        if dept_id is None:
            raise ProviderError(f"department {key!r} does not exist in Exmail (yet)")
        return dept_id

    def _department_id_or_root(self, key: str | None) -> int:
        return self._department_id(key) if key else m.ROOT_DEPARTMENT

    def _tags(self, refresh: bool = False) -> dict[str, int]:
        if self._tag_ids is None or refresh:
            tags = self.client.get("tag/list").get("taglist") or []
            self._tag_ids = {str(t.get("tagname")): m.as_int(t.get("tagid")) for t in tags}
        return self._tag_ids

    def _tag_id(self, name: str) -> int:
        tags = self._tags()
        if name not in tags:
            tags[name] = m.as_int(self.client.post("tag/create", {"tagname": name}).get("tagid"))
        return tags[name]

    def _managers(self) -> dict[str, str]:
        """Department key -> manager address, from the ``mp-mgr:<key>`` tags."""
        found: dict[str, str] = {}
        for name in self._tags():
            key = m.manager_of_tag(name)
            if key is not None:
                users, _ = self._tag_members(name)
                if users:
                    found[key] = min(users)
        return found

    def _tag_members(self, name: str) -> tuple[set[str], set[int]]:
        """Users and department ids in the tag ``name`` (empty when the tag does not exist)."""
        tags = self._tags()
        if name not in tags:
            return set(), set()
        data = self.client.get("tag/get", tagid=tags[name])
        users = {m.a_label_address(str(u.get("userid", ""))) for u in data.get("userlist") or []}
        return users, {m.as_int(p) for p in data.get("partylist") or []}

    def _add_to_tag(self, name: str, users: Sequence[str] = (), parties: Sequence[int] = ()) -> None:
        body: dict[str, Any] = {"tagid": self._tag_id(name)}
        if users:
            body["userlist"] = list(users)
        if parties:
            body["partylist"] = list(parties)
        try:
            answer = self.client.post("tag/addtagusers", body)
        except ExmailError as exc:
            if exc.errcode != ALL_INVALID:
                raise
            answer = {"invalidlist": "|".join(users), "invalidparty": list(parties)}
        invalid = [a for a in str(answer.get("invalidlist") or "").split("|") if a]
        if invalid or answer.get("invalidparty"):
            # Partly invalid comes back as errcode 0: a member just created is not visible yet.
            raise ExmailError(f"tag {name}: not accepted: {invalid or answer.get('invalidparty')}", code="60111")
