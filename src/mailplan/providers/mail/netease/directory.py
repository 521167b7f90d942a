"""The NetEase enterprise as the reads and writes look it up: its units by key, accounts by name, and the
addresses of its one mail domain. Units are cached for a run and listed again after a unit write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from mailplan.providers.base import NotSupported
from mailplan.providers.mail.admin_api import eventually
from mailplan.providers.mail.exmail.mapping import a_label_address, a_label_domain, department_key
from mailplan.providers.mail.netease import mapping as m
from mailplan.providers.mail.netease.client import NeteaseClient, NeteaseError

T = TypeVar("T")


def not_yet(exc: Exception) -> bool:
    """NetEase says "does not exist": right after a write, the object may not be visible yet."""
    return isinstance(exc, NeteaseError) and exc.not_found


class Directory:
    def __init__(self, client: NeteaseClient, domain: str, timeout: float, sleep: Callable[[float], None]) -> None:
        self.client = client
        self.domain = a_label_domain(domain)
        self.timeout = timeout  # how long a just-written object may take to become visible
        self.sleep = sleep
        self._units: dict[str, dict[str, Any]] | None = None
        self.accounts: set[str] = set()  # addresses of the accounts the last read saw (deleted ones left out)

    def eventually(self, call: Callable[[], T]) -> T:
        return eventually(call, not_yet, self.timeout, self.sleep)

    # addresses

    def local(self, address: str) -> str:
        """The account name (local part) of ``address``; an address outside the domain is refused."""
        local, _, dom = a_label_address(address).rpartition("@")
        if dom != self.domain:
            raise NotSupported(
                f"{address}: this netease-qiye provider manages {self.domain} only (NetEase's API is called per "
                "domain); give the other domain its own provider with that domain's product and key"
            )
        return local

    def address(self, account_name: str) -> str:
        return a_label_address(f"{account_name}@{self.domain}")

    # units

    def units(self, refresh: bool = False) -> dict[str, dict[str, Any]]:
        if self._units is None or refresh:
            found = self.client.call("unit/getUnitList") or []
            self._units = {str(u.get("unit_id")): u for u in found if isinstance(u, dict) and u.get("unit_id")}
        return self._units

    def forget_units(self) -> None:
        self._units = None

    def key_of(self, unit_id: str) -> str | None:
        unit = self.units().get(unit_id)
        return department_key(str(unit.get("unit_name", "")))[0] if unit else None

    def find_unit(self, key: str, refresh: bool = False) -> str | None:
        for unit_id, unit in self.units(refresh).items():
            if department_key(str(unit.get("unit_name", "")))[0] == key:
                return unit_id
        return None

    def unit_id(self, key: str) -> str:
        found = self.find_unit(key) or self.find_unit(key, refresh=True)
        if found is None:
            raise NeteaseError(f"department {key!r} does not exist in NetEase (yet)", code="UNIT.NOTEXIST")
        return found

    def unit_id_or_default(self, key: str | None) -> str:
        return self.eventually(lambda: self.unit_id(key)) if key else m.DEFAULT_UNIT

    # accounts

    def account(self, name: str) -> dict[str, Any] | None:
        """``getAccount``: the account (deleted ones too, status 2), or None when NetEase knows no such name."""
        try:
            found = self.client.call("account/getAccount", account_name=name)
        except NeteaseError as exc:
            if exc.not_found:
                return None
            raise
        return found if isinstance(found, dict) else None

    def require_account(self, name: str) -> dict[str, Any]:
        found = self.account(name)
        if found is None or m.as_int(found.get("status")) == m.DELETED:
            raise NeteaseError(f"account {name} does not exist", code="ACCOUNT.NOTEXIST")
        return found

    def aliases_of(self, name: str) -> tuple[str, ...]:
        return m.alias_addresses(self.client.call("account/getAccountAliasList", account_name=name), self.domain)

    def set_remark(self, name: str, changes: dict[str, str | None]) -> None:
        """Add ``changes`` to the mailplan note in the account's remark, keeping the rest."""
        account = self.eventually(lambda: self.require_account(name))
        remark = m.with_fields(account.get("remark"), changes)
        if remark != str(account.get("remark") or ""):
            self.eventually(lambda: self.client.call("account/updateAccount", account_name=name, remark=remark))
