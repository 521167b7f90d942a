"""Alibaba Mail (阿里邮箱企业版) through its open platform (``/v2/...``).

What maps where:
- Domain      -> ``GET /v2/domains`` (master domains and their aliases); read only
- Department  -> department (one name: a title that differs from the key shows as ``title [key]``),
                 manager = the first of ``managers``
- Mailbox     -> user; functional = ``employeeType: SERVICE`` (shared account); frozen = a password nobody
                 knows (``resetPassword``), then ``status: FREEZE``
- Alias       -> one of the owner's ``emailAliases``

Users mailplan created carry ``managed-by=mailplan`` in their ``info`` field;
only those (and their aliases) are ever removed. Departments have no free
field: mailplan never removes a department. Mail groups are not in the public
API reference: they are manual steps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Literal, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from mailplan.model.change import Action, Change
from mailplan.model.objects import Alias, Department, Domain, Mailbox, MailObject
from mailplan.model.state import Ident, Observed, State
from mailplan.providers import http
from mailplan.providers.base import NotSupported, Provider, ProviderContext, ProviderError
from mailplan.providers.http import ALIMAIL_POLICY, HttpClient
from mailplan.providers.mail.admin_api import Waiting, apply_by_kind, eventually
from mailplan.providers.mail.alimail.client import AlimailClient, AlimailError
from mailplan.providers.mail.alimail.manual import MANUAL_WHY, instructions_for
from mailplan.providers.mail.contacts_manual import WHY, contact_steps
from mailplan.providers.mail.exmail.mapping import (
    a_label_address,
    a_label_domain,
    addresses,
    department_key,
    domain_of,
    titled_name,
)
from mailplan.providers.mail.local.passwords import generate_password

T = TypeVar("T")
ROOT = "$root"
PAGE_MAX = 100  # the largest ``limit`` the list endpoints take
MARK = "managed-by=mailplan"


def _segment(dept_id: str) -> str:
    # "$root" goes as it is: "$" is allowed in a path segment and is how the API names the root.
    return quote(dept_id, safe="$")


def _not_found(exc: Exception) -> bool:
    return isinstance(exc, AlimailError) and exc.status == 404


class AlimailSettings(BaseModel):
    """``settings:`` of a ``type: alibaba-mail`` provider."""

    model_config = ConfigDict(extra="forbid")

    client_id: str = Field(description="AppId of the open-platform application (管理后台 → 开放平台)")
    client_secret: str = Field(description="Its secret; reference it as env:NAME or file:PATH")
    base_url: str = Field(
        default="https://alimail-cn.aliyuncs.com",
        description="Regional endpoint: alimail-cn / -sg / -hk / -de / -us .aliyuncs.com",
    )
    org_domain: str | None = Field(
        default=None, description="Domain departments are reported under; default: the first domain in scope"
    )
    page_size: int = Field(default=PAGE_MAX, ge=1, le=PAGE_MAX, description="Items per list call")
    # read-after-write lag: as long as Google's documented window (Alibaba Mail documents none)
    consistency_timeout: float = Field(
        default=60.0, ge=0, description="Seconds a write waits for a user created a moment ago to become visible"
    )
    # an input of the DNS records mailplan derives (docs/dns.md)
    mx_form: Literal["qiye", "legacy"] = Field(
        default="qiye", description="MX: mx1-3.qiye.aliyun.com, or the legacy mxhichina set"
    )


class AlibabaMailProvider(Provider):
    TYPE: ClassVar[str] = "alibaba-mail"
    ROLE: ClassVar[str] = "mail"
    SUPPORTS: ClassVar[frozenset[str]] = frozenset({"department", "mailbox", "alias"})
    MANUAL: ClassVar[Mapping[str, str]] = {**MANUAL_WHY, "contact": WHY["alibaba-mail"]}
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = AlimailSettings
    ENDPOINTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "base_url": tuple(f"alimail-{region}.aliyuncs.com" for region in ("cn", "sg", "hk", "de", "us"))
    }

    def __init__(self, name: str, settings: Mapping[str, Any], context: ProviderContext) -> None:
        super().__init__(name, settings, context)
        self.config = AlimailSettings.model_validate(dict(settings))
        self.http = HttpClient(self.config.base_url, ALIMAIL_POLICY, label=self.TYPE)
        self.client = AlimailClient(self.http, self.config.client_id, self.config.client_secret)
        self.sleep: Callable[[float], None] = lambda seconds: http.pause(seconds)  # looked up when it waits
        self._departments: dict[str, dict[str, Any]] | None = None  # id -> department
        self._waiting = Waiting()
        self._last_created = ""  # the address of the last user this run created

    # ------------------------------------------------------------------ read

    def read(self, domains: Sequence[str]) -> Observed:
        scope = {d.lower() for d in domains}
        org_domain = (self.config.org_domain or (domains[0] if domains else "")).lower()
        objects: list[MailObject] = list(self._read_domains(scope))
        managed: set[Ident] = set()

        depts = self._department_tree(refresh=True)
        users = self._read_users(depts)
        email_of = {str(u.get("id")): a_label_address(str(u.get("email", ""))) for u in users}
        if org_domain in scope:
            objects.extend(self._department_from(d, depts, email_of, org_domain) for d in depts.values())
        for user in users:
            box = self._mailbox_from(user, depts)
            if domain_of(box.address) not in scope:
                continue
            aliases = [Alias(address=a, targets=(box.address,)) for a in addresses(user.get("emailAliases"))]
            objects.append(box)
            objects.extend(a for a in aliases if domain_of(a.address) in scope)
            if MARK in str(user.get("info") or ""):
                managed.add(box.ident)
                managed.update(a.ident for a in aliases)
        return Observed(State(objects), frozenset(managed))

    def _read_domains(self, scope: set[str]) -> list[Domain]:
        found: list[Domain] = []
        for entry in (self.client.call("GET", "/v2/domains") or {}).get("domains") or []:
            name = a_label_domain(str(entry.get("domain", "")))
            if name in scope:
                found.append(Domain(name=name))
            for alias in entry.get("aliases") or []:
                alias_name = a_label_domain(str(alias))
                if alias_name in scope:
                    found.append(Domain(name=alias_name, alias_of=name))
        return found

    def _pages(self, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of an offset/limit list, at the largest page size."""
        items: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = self.client.call("GET", path, params={**params, "offset": offset, "limit": self.config.page_size})
            batch = [i for i in (page or {}).get(key) or [] if isinstance(i, dict)]
            items.extend(batch)
            offset += len(batch)
            if not batch or offset >= int((page or {}).get("total", 0)):
                return items

    def _department_tree(self, refresh: bool = False) -> dict[str, dict[str, Any]]:
        """Every department below the root, by id; only departments said to have children are opened."""
        if self._departments is not None and not refresh:
            return self._departments
        found: dict[str, dict[str, Any]] = {}
        queue = [ROOT]
        while queue:
            parent = queue.pop(0)
            for dept in self._pages(f"/v2/departments/{_segment(parent)}/departments", "departments"):
                dept_id = str(dept.get("id"))
                found[dept_id] = {**dept, "parentId": str(dept.get("parentId") or parent)}
                if dept.get("hasSubDepartments", True):
                    queue.append(dept_id)
        self._departments = found
        return found

    def _read_users(self, depts: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        # Users are listed per department; departments that say they hold none are skipped.
        users: dict[str, dict[str, Any]] = {}
        holders = [ROOT] + [i for i, d in depts.items() if d.get("hasUsers", True)]
        for dept_id in holders:
            for user in self._pages(f"/v2/departments/{_segment(dept_id)}/users", "users"):
                users.setdefault(str(user.get("id") or user.get("email")), user)
        return list(users.values())

    @staticmethod
    def _department_from(
        dept: dict[str, Any], depts: dict[str, dict[str, Any]], email_of: dict[str, str], org_domain: str
    ) -> Department:
        key, title = department_key(str(dept.get("name", "")))
        parent = depts.get(str(dept.get("parentId")))
        managers = [email_of.get(str(m), "") for m in dept.get("managers") or []]
        return Department(
            name=key,
            org_domain=org_domain,
            title=title,
            manager=managers[0] if managers and managers[0] else None,
            parent=department_key(str(parent.get("name", "")))[0] if parent else None,
        )

    @staticmethod
    def _mailbox_from(user: dict[str, Any], depts: dict[str, dict[str, Any]]) -> Mailbox:
        department = next((str(d) for d in user.get("departmentIds") or [] if str(d) in depts), None)
        return Mailbox(
            address=a_label_address(str(user.get("email", ""))),
            name=str(user.get("name", "")),
            kind="functional" if user.get("employeeType") == "SERVICE" else "person",
            department=department_key(str(depts[department].get("name", "")))[0] if department else None,
            frozen=str(user.get("status", "NORMAL")).upper() == "FREEZE",
        )

    # ----------------------------------------------------------------- apply

    def apply(self, change: Change) -> str:
        handlers: dict[str, Callable[[Change], str]] = {
            "department": self._apply_department,
            "mailbox": self._apply_mailbox,
            "alias": self._apply_alias,
        }
        return apply_by_kind(change, handlers, "Alibaba Mail cannot {action} a {kind} through its public API")

    def manual_instructions(self, change: Change) -> str:
        return contact_steps(change, self.TYPE) if change.kind == "contact" else instructions_for(change)

    def finish(self) -> None:
        """Wait until the last user this run created reads back: lists lag like gets, and a plan made
        right after the run would otherwise show what it created as still to create."""
        if self._last_created:
            self._eventually(lambda: self._require_user(self._last_created))
            self._last_created = ""

    # departments

    def _apply_department(self, change: Change) -> str:
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Department)
            dept_id = self._department_id(change.before.name)
            self.client.call("DELETE", f"/v2/departments/{_segment(dept_id)}")
            self._departments = None
            return f"deleted department {dept_id}"
        after = change.after
        assert isinstance(after, Department)
        body: dict[str, Any] = {
            "name": titled_name(after),
            "parentId": self._parent_id(after),
            "managers": self._managers(after),
        }
        if change.action is Action.CREATE:
            existing = self._find_department(after.name, refresh=True)
            if existing is None:
                created = self.client.call("POST", "/v2/departments", body=body) or {}
                answer = f"created department {created.get('id', '')}"
            else:
                self.client.call("PATCH", f"/v2/departments/{_segment(existing)}", body=body)
                answer = f"adopted department {existing}"
            self._departments = None
            self._waiting.now_there(f"department:{after.name}")
            return answer
        assert isinstance(change.before, Department)
        dept_id = self._department_id(change.before.name)
        self.client.call("PATCH", f"/v2/departments/{_segment(dept_id)}", body=body)
        self._departments = None
        return f"updated department {dept_id}"

    def _parent_id(self, dept: Department) -> str:
        """The parent's id. A parent not created yet (plans create departments in key
        order): start under the root and move there once the parent exists."""
        if not dept.parent:
            return ROOT
        found = self._find_department(dept.parent) or self._find_department(dept.parent, refresh=True)
        if found is not None:
            return found
        parent = dept.parent

        def move() -> None:
            path = f"/v2/departments/{_segment(self._department_id(dept.name))}"
            self.client.call("PATCH", path, body={"parentId": self._department_id(parent)})

        self._waiting.once_there(f"department:{parent}", move)
        return ROOT

    def _managers(self, dept: Department) -> list[str]:
        """``managers`` (user ids). A manager created later in this run (mailboxes come
        after departments) is set once the mailbox exists."""
        if not dept.manager:
            return []
        user = self._get_user(dept.manager)
        if user is not None:
            return [str(user.get("id"))]

        def set_manager() -> None:
            path = f"/v2/departments/{_segment(self._department_id(dept.name))}"
            self.client.call("PATCH", path, body={"managers": self._managers(dept)})

        self._waiting.once_there(f"mailbox:{dept.manager}", set_manager)
        return []

    # mailboxes

    def _apply_mailbox(self, change: Change) -> str:
        action = change.action
        if action is Action.REMOVE:
            assert isinstance(change.before, Mailbox)
            self.client.call("DELETE", self._user_path(change.before.address))
            return "deleted"
        after = change.after
        assert isinstance(after, Mailbox)
        if after.quota_mb:
            raise NotSupported(f"{after.address}: the Alibaba Mail API cannot set a quota; remove `quota_mb`")
        if action is Action.CREATE:
            return self._create_mailbox(after)
        # update, freeze and unfreeze alike: a freeze may come with other changes (a rename)
        before = change.before
        assert isinstance(before, Mailbox)
        if before.kind != after.kind:
            raise NotSupported(
                f"{after.address}: Alibaba Mail cannot turn a {before.kind} mailbox into a {after.kind} one; "
                "create a new address instead"
            )
        body: dict[str, Any] = {}
        if before.name != after.name:
            body["name"] = after.name
        if before.department != after.department:
            body["departmentIds"] = [self._department_id_or_root(after.department)]
        password = ""
        if after.frozen and not before.frozen:
            # First a password nobody knows (the login stops here); ``status: FREEZE`` — what a read takes
            # for "frozen" — goes last, so a freeze that fails part-way reads as not frozen and runs again.
            self._set_password(after.address, generate_password(), change_at_sign_in=False)
            body["status"] = "FREEZE"
        elif before.frozen and not after.frozen:
            body["status"] = "NORMAL"
            password = generate_password()  # back with a new initial password, changed at the first sign-in
        if body:
            self._eventually(lambda: self.client.call("PATCH", self._user_path(after.address), body=body))
        if password:
            self._set_password(after.address, password, change_at_sign_in=True)
            self.context.credentials.put(after.address, password)
        if "status" not in body:
            return "updated"
        if body["status"] == "FREEZE":
            return "updated, status=FREEZE, password replaced by one nobody knows"
        return "updated, status=NORMAL (new password in the credentials file)"

    def _set_password(self, address: str, password: str, change_at_sign_in: bool) -> None:
        body = {"password": password, "forceChangePasswordNextSignIn": change_at_sign_in}
        self._eventually(lambda: self.client.call("POST", self._user_path(address) + "/resetPassword", body=body))

    def _create_mailbox(self, box: Mailbox) -> str:
        password = generate_password()
        body: dict[str, Any] = {
            "email": box.address,
            "password": password,
            "name": box.name,
            "departmentIds": [self._department_id_or_root(box.department)],
            "employeeType": "SERVICE" if box.kind == "functional" else "EMPLOYEE",
            "forceChangePasswordNextSignIn": True,
            "info": MARK,
            "status": "FREEZE" if box.frozen else "NORMAL",
        }
        existing: dict[str, Any] | None = None
        # written ahead: a run killed after Alibaba Mail took the password, before its answer, loses nothing
        with self.context.credentials.issuing(box.address, password) as issued:
            try:
                self.client.call("POST", "/v2/users", body=body)
            except AlimailError:
                existing = self._get_user(box.address)
                if existing is None:
                    raise
                self.context.credentials.withdraw(issued)  # it was there already, with its own password
        if existing is not None:
            if box.frozen:  # someone who left: whatever password the account had stops working
                self._set_password(box.address, generate_password(), change_at_sign_in=False)
            if (existing.get("employeeType") == "SERVICE") != (box.kind == "functional"):
                raise ProviderError(
                    f"{box.address} already exists as a different kind of account; it cannot be adopted as {box.kind}"
                ) from None
            info = str(existing.get("info") or "")
            update = {k: body[k] for k in ("name", "departmentIds", "status")}
            update["info"] = info if MARK in info else f"{info} {MARK}".strip()
            self._eventually(lambda: self.client.call("PATCH", self._user_path(box.address), body=update))
            self._waiting.now_there(f"mailbox:{box.address}")
            return "adopted existing user"
        if box.frozen:  # created as someone who left: the initial password goes to nobody
            self.context.credentials.forget(box.address)
        self._last_created = box.address
        self._waiting.now_there(f"mailbox:{box.address}")
        return "created"

    # aliases

    def _apply_alias(self, change: Change) -> str:
        before, after = change.before, change.after
        if isinstance(after, Alias) and len(after.targets) != 1:
            raise NotSupported(f"alias {after.address}: an Alibaba Mail alias belongs to exactly one user")
        if isinstance(before, Alias) and change.action in (Action.UPDATE, Action.REMOVE):
            owner = before.targets[0]
            if before.address in self._aliases_of(owner):
                self.client.call("DELETE", self._user_path(owner) + "/emailAliases", body={"alias": before.address})
        if isinstance(after, Alias) and change.action in (Action.CREATE, Action.UPDATE):
            owner = after.targets[0]
            if after.address not in self._aliases_of(owner):
                self.client.call(
                    "POST", self._user_path(owner) + "/emailAliases", body={"alias": after.address, "asDefault": False}
                )
        return change.action.value + "d"

    def _aliases_of(self, owner: str) -> tuple[str, ...]:
        user = self._eventually(lambda: self._require_user(owner))
        return addresses(user.get("emailAliases"))

    # --------------------------------------------------------------- helpers

    @staticmethod
    def _user_path(address: str) -> str:
        return f"/v2/users/{quote(address, safe='@')}"

    def _get_user(self, address: str) -> dict[str, Any] | None:
        try:
            found = self.client.call("GET", self._user_path(address))
        except AlimailError as exc:
            if exc.status == 404:
                return None
            raise
        return found if isinstance(found, dict) else None

    def _require_user(self, address: str) -> dict[str, Any]:
        user = self._get_user(address)
        if user is None:
            raise AlimailError(f"user {address} not found", status=404)
        return user

    def _eventually(self, call: Callable[[], T]) -> T:
        """Run ``call``, retrying while it answers 404 (a user written a moment ago may not be visible yet)."""
        return eventually(call, _not_found, self.config.consistency_timeout, self.sleep)

    def _find_department(self, key: str, refresh: bool = False) -> str | None:
        for dept_id, dept in self._department_tree(refresh).items():
            if department_key(str(dept.get("name", "")))[0] == key:
                return dept_id
        return None

    def _department_id(self, key: str) -> str:
        found = self._find_department(key) or self._find_department(key, refresh=True)
        if found is None:
            raise ProviderError(f"department {key!r} does not exist in Alibaba Mail (yet)")
        return found

    def _department_id_or_root(self, key: str | None) -> str:
        return self._department_id(key) if key else ROOT
