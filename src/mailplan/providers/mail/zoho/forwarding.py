"""The handover forwarding of a leaver: new mail to their address also goes to the successor, and a
copy stays in their mailbox (nothing is lost). Modes on ``…/accounts/{accountId}`` with the
``zuid``: ``addMailForward`` then ``enableMailForward`` for each new target, ``deleteZohoMailCopy``
with ``deleteCopy: false`` (keep the copy), ``disableMailForward`` then ``deleteMailForward`` for a
target that goes. Read back from the account's own path (``GET /api/accounts/{accountId}``).

Zoho forwards to at most three addresses, and to one outside the organization only once its owner
confirmed it: such a target is a console step (``wholly_manual``)."""

from __future__ import annotations

from typing import Any

from mailplan.model.change import Change
from mailplan.model.objects import Forwarding, domain_of
from mailplan.providers.base import ProviderError
from mailplan.providers.mail.zoho import accounts as acc
from mailplan.providers.mail.zoho.directory import Directory

MAX_TARGETS = 3


class Forwardings:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.client = directory.client

    def outside(self, change: Change) -> list[str]:
        """Targets not in one of the organization's domains."""
        obj = change.after if isinstance(change.after, Forwarding) else None
        return [t for t in (obj.targets if obj else ()) if not self.directory.holds_domain(domain_of(t))]

    def apply(self, change: Change) -> str:
        before = change.before if isinstance(change.before, Forwarding) else None
        after = change.after if isinstance(change.after, Forwarding) else None
        address = (after or before).address  # type: ignore[union-attr]
        want = set(after.targets) if after else set()
        if len(want) > MAX_TARGETS:
            raise ProviderError(f"{address}: Zoho forwards to at most {MAX_TARGETS} addresses, not {len(want)}")
        account = self.directory.account(address)
        current = acc.forwards(self._details(account))
        have = set(current)
        for target in sorted(want - have):
            self._mode(account, "addMailForward", mailForward=target)
        for target in sorted(t for t in want if not current.get(t, (False, False))[0]):
            self._mode(account, "enableMailForward", mailForward=target)
        if want and (want - have or any(gone for _, gone in current.values())):
            self._mode(account, "deleteZohoMailCopy", deleteCopy=False)
        for target in sorted(have - want):
            self._mode(account, "disableMailForward", mailForward=target)
            self._mode(account, "deleteMailForward", mailForward=target)
        self.directory.poll(
            lambda: acc.forwards(self._details(account)),
            lambda now: {t for t, (on, _) in now.items() if on} == want and not any(gone for _, gone in now.values()),
            f"the forwarding of {address} to {', '.join(sorted(want)) or 'nobody'}",
        )
        return f"forwards to {', '.join(sorted(want))}, keeping a copy" if want else "forwarding removed"

    def _details(self, account: dict[str, Any]) -> dict[str, Any]:
        found = self.client.call("GET", f"/api/accounts/{acc.ident(account.get('accountId'))}")
        return found if isinstance(found, dict) else {}

    def _mode(self, account: dict[str, Any], mode: str, **fields: Any) -> None:
        body = {"zuid": account["zuid"], "mode": mode, **fields}
        self.client.call("PUT", f"{self.client.org}/accounts/{acc.ident(account.get('accountId'))}", body=body)
