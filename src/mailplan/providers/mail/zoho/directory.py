"""Zoho as the writes look it up during a run: accounts by address (from the read, or fetched one by
one), groups by address, and the waits until Zoho shows what was written (it lags behind a write:
a new account is not found at once, a name or role read back right after its change can be the
old one)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from mailplan.providers.base import ProviderError
from mailplan.providers.mail.marks import address as normal_address
from mailplan.providers.mail.zoho import accounts as acc
from mailplan.providers.mail.zoho.client import ZohoClient, ZohoError

T = TypeVar("T")


def not_found(exc: Exception) -> bool:
    """Zoho answers an id or address it does not know (yet) with 404 ("Invalid Input")."""
    return isinstance(exc, ZohoError) and exc.status == 404


class Directory:
    def __init__(self, client: ZohoClient, timeout: float, sleep: Callable[[float], None]) -> None:
        self.client = client
        self.timeout = timeout
        self.sleep = sleep
        self.accounts: dict[str, dict[str, Any]] = {}  # primary address -> account
        self.groups: dict[str, dict[str, Any]] = {}  # group address -> group details
        self.domains: dict[str, bool] = {}  # domain -> whether the organization holds it (asked once)

    # waiting for Zoho

    def poll(self, call: Callable[[], T], done: Callable[[T], bool], what: str) -> T:
        """Call until ``done`` holds of the answer (or it stops being "not found"), for ``timeout``
        seconds of pauses in all; then fail naming ``what`` was not seen."""
        waited, delay = 0.0, 0.5
        while True:
            try:
                answer = call()
            except ZohoError as exc:
                if not not_found(exc) or waited + delay > self.timeout:
                    raise
            else:
                if done(answer):
                    return answer
                if waited + delay > self.timeout:
                    raise ProviderError(
                        f"Zoho did not show {what} within {self.timeout:.0f}s of writing it; run plan again "
                        "in a minute: if it still differs, the write did not take"
                    )
            self.sleep(delay)
            waited, delay = waited + delay, min(delay * 2, 4.0)

    def eventually(self, call: Callable[[], T], what: str) -> T:
        """``call``, retried while Zoho answers "not found" (a write of a moment ago)."""
        return self.poll(call, lambda _: True, what)

    def holds_domain(self, domain: str) -> bool:
        """Whether ``domain`` is one of the organization's (``GET …/domains/{name}``, asked once a run)."""
        if domain not in self.domains:
            try:
                self.domains[domain] = isinstance(self.client.call("GET", f"{self.client.org}/domains/{domain}"), dict)
            except ZohoError as exc:
                if exc.status not in (400, 404):
                    raise
                self.domains[domain] = False
        return self.domains[domain]

    # accounts

    def remember(self, account: dict[str, Any]) -> dict[str, Any]:
        self.accounts[acc.primary(account)] = account
        return account

    def fetch(self, key: str) -> dict[str, Any]:
        """``GET …/accounts/{zuid or address}``, fresh."""
        answer = self.client.call("GET", f"{self.client.org}/accounts/{key}")
        if not isinstance(answer, dict) or not acc.ident(answer.get("zuid")):
            raise ZohoError(f"no account {key}", status=404)
        return answer

    def find(self, address: str) -> dict[str, Any] | None:
        """The account whose primary address ``address`` is, or None."""
        address = normal_address(address)
        if address in self.accounts:
            return self.accounts[address]
        try:
            return self.remember(self.fetch(address))
        except ZohoError as exc:
            if not_found(exc):
                return None
            raise

    def account(self, address: str) -> dict[str, Any]:
        """The account of ``address``, waiting for one created a moment ago."""
        found = self.find(address)
        if found is not None:
            return found
        return self.remember(self.eventually(lambda: self.fetch(normal_address(address)), f"the account {address}"))

    def refreshed(self, address: str, done: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        """Read ``address``'s account again until ``done`` holds of it."""
        zuid = acc.ident(self.account(address).get("zuid"))
        return self.remember(self.poll(lambda: self.fetch(zuid), done, what))
