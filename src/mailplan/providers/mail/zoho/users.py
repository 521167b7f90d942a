"""Mailboxes as Zoho accounts: add (or adopt), rename, the freeze and its undoing, and the deletion
the retention path asks for.

The freeze is ``mode: disableUser`` with every choice that would lose mail or the handover turned
off: ``blockIncoming: false`` (new mail still arrives, and the handover forwarding passes it to the
successor), ``removeMailforward: false`` (that forwarding stays), ``removeGroupMembership: false``
and ``removeAlias: false`` (groups and aliases are the config's: the plan changes them, each as its
own step). The account can no longer be used; its mail is kept. It is read back before the freeze
is reported done. An unfreeze is ``mode: enableUser`` with ``unblockIncoming: true``."""

from __future__ import annotations

from typing import Any

from mailplan.model.change import Action, Change
from mailplan.model.objects import Mailbox
from mailplan.providers.base import CredentialSink, NotSupported
from mailplan.providers.mail.local.passwords import generate_password
from mailplan.providers.mail.marks import RESENT_NOTE
from mailplan.providers.mail.zoho import accounts as acc
from mailplan.providers.mail.zoho.client import ZohoError
from mailplan.providers.mail.zoho.directory import Directory

FREEZE = {"blockIncoming": False, "removeMailforward": False, "removeGroupMembership": False, "removeAlias": False}


class Mailboxes:
    def __init__(self, directory: Directory, credentials: CredentialSink) -> None:
        self.directory = directory
        self.client = directory.client
        self.credentials = credentials

    def apply(self, change: Change) -> str:
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Mailbox)
            return self._delete(change.before.address)
        box = change.after
        assert isinstance(box, Mailbox)
        if box.quota_mb:
            raise NotSupported(f"{box.address}: mailplan does not set Zoho storage; remove `quota_mb`")
        if change.action is Action.CREATE:
            done = [self._create(box)]
            was_frozen = False
        else:
            assert isinstance(change.before, Mailbox)
            done = [self._rename(box) if change.before.name != box.name else ""]
            was_frozen = change.before.frozen
        if box.frozen and not was_frozen:
            done.append(self._freeze(box.address))
        elif was_frozen and not box.frozen:
            done.append(self._unfreeze(box.address))
        return "; ".join(d for d in done if d) or "unchanged"

    def _put(self, address: str, body: dict[str, Any]) -> None:
        account = self.directory.account(address)
        body = {"zuid": account["zuid"], **body}
        self.client.call("PUT", f"{self.client.org}/accounts/{acc.ident(account.get('accountId'))}", body=body)

    def _create(self, box: Mailbox) -> str:
        password = generate_password()
        body = {
            "primaryEmailAddress": box.address,
            "password": password,
            "displayName": box.name,
            "firstName": box.name,
            "role": "member",
            "oneTimePassword": True,  # the person sets their own password at first login
        }
        sent = f"POST {self.client.org}/accounts"
        before = self.client.http.calls[sent]
        try:
            created = self.client.call("POST", f"{self.client.org}/accounts", body=body)
        except ZohoError:
            existing = self.directory.find(box.address)
            if existing is None:
                raise
            if self.client.http.calls[sent] - before > 1:
                # sent again after no answer: the first one made the account, with this password
                self.credentials.put(box.address, password, RESENT_NOTE)
            if acc.name(existing) != box.name:
                self._rename(box)
            return "adopted existing account"
        if isinstance(created, dict) and acc.ident(created.get("zuid")):
            self.directory.remember(created)
        self.credentials.put(box.address, password)
        return "created"

    def _rename(self, box: Mailbox) -> str:
        self._put(box.address, {"mode": "updatePersonalInfo", "displayName": box.name})
        self.directory.refreshed(box.address, lambda a: acc.name(a) == box.name, f"the name of {box.address}")
        return "renamed"

    def _freeze(self, address: str) -> str:
        self._put(address, {"mode": "disableUser", **FREEZE})
        self.directory.refreshed(
            address,
            lambda a: acc.disabled(a) and not acc.incoming_blocked(a),
            f"{address} disabled, still receiving mail",
        )
        return "disabled (login refused; mail still arrives, forwarding and groups kept)"

    def _unfreeze(self, address: str) -> str:
        self._put(address, {"mode": "enableUser", "unblockIncoming": True})
        self.directory.refreshed(address, lambda a: not acc.disabled(a), f"{address} enabled")
        return "enabled"

    def _delete(self, address: str) -> str:
        account = self.directory.find(address)
        if account is None:
            return "already deleted"
        self.client.call("DELETE", f"{self.client.org}/accounts", body={"accountList": [account["zuid"]]})
        self.directory.accounts.pop(address, None)
        return "account and its mail deleted (retention ended)"
