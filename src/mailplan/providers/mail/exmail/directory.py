"""Exmail as the reads and writes look it up, cached for a run: departments by key, account
types, and tags. Exmail keeps no free-form field, so tags hold what mailplan needs to remember:
what it manages, functional mailboxes, department managers, client access a freeze turned off."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from mailplan.providers.base import ProviderError
from mailplan.providers.mail.admin_api import eventually
from mailplan.providers.mail.exmail import mapping as m
from mailplan.providers.mail.exmail.client import NOT_FOUND_CODES, ExmailClient, ExmailError

T = TypeVar("T")
BATCHCHECK_MAX = 20  # addresses per user/batchcheck call
ALL_INVALID = 40070  # tag/addtagusers: not one of the members is known (yet)
# user/batchcheck account types
ACCOUNT_INVALID, ACCOUNT_FREE, ACCOUNT_USER, ACCOUNT_ALIAS, ACCOUNT_GROUP = -1, 0, 1, 2, 3


def _not_found(exc: Exception) -> bool:
    return isinstance(exc, ExmailError) and exc.errcode in NOT_FOUND_CODES


def department_keys(depts: list[dict[str, Any]]) -> dict[int, str]:
    return {
        m.as_int(d.get("id")): m.department_key(str(d.get("name", "")))[0]
        for d in depts
        if m.as_int(d.get("id")) != m.ROOT_DEPARTMENT
    }


def department_of(user: dict[str, Any], key_of: dict[int, str]) -> str | None:
    ids = user.get("department") or user.get("t") or []  # "t": a key name seen in the doc's sample
    for dept_id in ids if isinstance(ids, list) else []:
        if m.as_int(dept_id) in key_of:
            return key_of[m.as_int(dept_id)]
    return None


class Directory:
    def __init__(self, client: ExmailClient, timeout: float, sleep: Callable[[float], None]) -> None:
        self.client = client
        self.timeout = timeout  # how long a just-written object may take to become visible
        self.sleep = sleep
        self._departments: list[dict[str, Any]] | None = None
        self._tag_ids: dict[str, int] | None = None

    def eventually(self, call: Callable[[], T]) -> T:
        """Run ``call``, retrying while it says "not found" (a fresh write may not be visible yet)."""
        return eventually(call, _not_found, self.timeout, self.sleep)

    def account_types(self, addresses: Sequence[str]) -> dict[str, int]:
        kinds: dict[str, int] = {}
        for start in range(0, len(addresses), BATCHCHECK_MAX):
            chunk = list(addresses[start : start + BATCHCHECK_MAX])
            for entry in self.client.post("user/batchcheck", {"userlist": chunk}).get("list") or []:
                kinds[m.a_label_address(str(entry.get("user", "")))] = m.as_int(entry.get("type"), ACCOUNT_INVALID)
        return kinds

    # departments

    def department_list(self, refresh: bool = False) -> list[dict[str, Any]]:
        if self._departments is None or refresh:
            found = self.client.get("department/list", id=m.ROOT_DEPARTMENT).get("department") or []
            self._departments = [d for d in found if isinstance(d, dict)]
        return self._departments

    def forget_departments(self) -> None:
        """After a department write: the next lookup lists them again."""
        self._departments = None

    def find_department(self, key: str, refresh: bool = False) -> int | None:
        for dept_id, found in department_keys(self.department_list(refresh)).items():
            if found == key:
                return dept_id
        return None

    def department_id(self, key: str) -> int:
        dept_id = self.find_department(key)
        if dept_id is None:
            dept_id = self.find_department(key, refresh=True)
        if dept_id is None:
            raise ProviderError(f"department {key!r} does not exist in Exmail (yet)")
        return dept_id

    def department_id_or_root(self, key: str | None) -> int:
        return self.department_id(key) if key else m.ROOT_DEPARTMENT

    # tags

    def tags(self, refresh: bool = False) -> dict[str, int]:
        if self._tag_ids is None or refresh:
            tags = self.client.get("tag/list").get("taglist") or []
            self._tag_ids = {str(t.get("tagname")): m.as_int(t.get("tagid")) for t in tags}
        return self._tag_ids

    def tag_id(self, name: str) -> int:
        tags = self.tags()
        if name not in tags:
            tags[name] = m.as_int(self.client.post("tag/create", {"tagname": name}).get("tagid"))
        return tags[name]

    def managers(self) -> dict[str, str]:
        """Department key -> manager address, from the ``mp-mgr:<key>`` tags."""
        found: dict[str, str] = {}
        for name in self.tags():
            key = m.manager_of_tag(name)
            if key is not None:
                users, _ = self.tag_members(name)
                if users:
                    found[key] = min(users)
        return found

    def tag_members(self, name: str) -> tuple[set[str], set[int]]:
        """Users and department ids in the tag ``name`` (empty when the tag does not exist)."""
        tags = self.tags()
        if name not in tags:
            return set(), set()
        data = self.client.get("tag/get", tagid=tags[name])
        users = {m.a_label_address(str(u.get("userid", ""))) for u in data.get("userlist") or []}
        return users, {m.as_int(p) for p in data.get("partylist") or []}

    def add_to_tag(self, name: str, users: Sequence[str] = (), parties: Sequence[int] = ()) -> None:
        body: dict[str, Any] = {"tagid": self.tag_id(name)}
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

    def remove_from_tag(self, name: str, address: str) -> None:
        self.client.post("tag/deltagusers", {"tagid": self.tag_id(name), "userlist": [address]})
