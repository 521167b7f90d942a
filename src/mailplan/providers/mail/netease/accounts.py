"""Writing NetEase accounts (persons and functional mailboxes alike) and the freeze.

A freeze sets a random password nobody is told (``account/updatePassword``), then disables the account
(``account/suspendAccount``, status 1) and reads it back: login stops everywhere, the mail stays. A rehire
(``unfreeze``) sets a new password, written to the credentials file with a change required at the next
web login, then ``account/recoverAccount``. A mailbox is deleted only when its retention has passed
(``account/deleteAccountSim``: NetEase keeps it recoverable for some days, seven by a client's note).
"""

from __future__ import annotations

from typing import Any

from mailplan.model.change import Action, Change
from mailplan.model.objects import Mailbox
from mailplan.notes import note
from mailplan.providers.base import CredentialSink, NotSupported, ProviderError
from mailplan.providers.mail.marks import RESENT_NOTE, made_by_resend
from mailplan.providers.mail.netease import mapping as m
from mailplan.providers.mail.netease.client import NeteaseError
from mailplan.providers.mail.netease.directory import Directory

# passchange_req: 2 = the web login must change the password, and mail clients cannot log in until then
CHANGE_AT_FIRST_LOGIN = 2


class Accounts:
    def __init__(self, directory: Directory, credentials: CredentialSink) -> None:
        self.directory = directory
        self.client = directory.client
        self.credentials = credentials
        self.last_created = ""  # the account this run created last (``settle`` waits until it reads back)

    def settle(self) -> None:
        """Wait until the last account this run created reads back: lists lag like gets, and a plan made
        right after the run would otherwise miss what it created."""
        if self.last_created:
            self.directory.eventually(lambda: self.directory.require_account(self.last_created))
            self.last_created = ""

    def apply(self, change: Change) -> str:
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Mailbox)
            self.client.call("account/deleteAccountSim", account_name=self.directory.local(change.before.address))
            return "deleted (NetEase keeps the account recoverable for some days)"
        box = change.after
        assert isinstance(box, Mailbox)
        name = self.directory.local(box.address)
        if box.quota_mb:
            raise NotSupported(
                f"{box.address}: NetEase sets quotas in its console (and only with free quota allocation); "
                "remove `quota_mb`"
            )
        before = change.before if isinstance(change.before, Mailbox) else None
        done = [self._create(name, box) if before is None else self._update(name, before, box)]
        if box.frozen and (before is None or not before.frozen):
            done.append(self._freeze(name))
        elif before is not None and before.frozen and not box.frozen:
            done.append(self._unfreeze(name, box.address))
        return ", ".join(d for d in done if d)

    def _create(self, name: str, box: Mailbox) -> str:
        password = m.new_password()
        form: dict[str, Any] = {
            "account_name": name,
            "nickname": box.name,
            "password": password,
            "pass_type": 0,
            "passchange_req": CHANGE_AT_FIRST_LOGIN,
            "unit_id": self.directory.unit_id_or_default(box.department),
            "remark": m.with_fields("", self._fields(box)),
        }
        sent = self.client.attempts("account/createAccount")
        try:
            created = self.client.call("account/createAccount", **form)
        except NeteaseError:
            found = self.directory.account(name)
            if found is None:
                raise
            if m.as_int(found.get("status")) == m.DELETED:
                raise ProviderError(
                    f"{box.address} was deleted a short while ago and NetEase still holds the name: restore it "
                    "in the admin console (企业邮箱管理后台) if it is the same person, or wait until NetEase lets "
                    "the name go; nothing was changed"
                ) from None
            _, mark = m.note_of(found.get("remark"))
            kinds = set() if mark is None else {mark.get("kind") or "person"}
            if not made_by_resend(self.client.attempts("account/createAccount") - sent, box.kind, kinds):
                return self._adopt(name, box, found)
            if not box.frozen:
                self.credentials.put(box.address, password, RESENT_NOTE)
            self.last_created = name
            return "created"
        if isinstance(created, dict) and created.get("remark") != form["remark"]:
            note(
                f"NetEase's answer for the new account {box.address} does not carry the remark mailplan marks its "
                "accounts with: NetEase may not keep remarks, and mailplan will then see its accounts as unmanaged "
                "(see docs/providers/netease-qiye.md, What is unverified)"
            )
        if not box.frozen:  # someone who left before mailplan ran: nobody is to log in with it
            self.credentials.put(box.address, password)
        self.last_created = name
        return "created (initial password in the credentials file)" if not box.frozen else "created"

    def _adopt(self, name: str, box: Mailbox, found: dict[str, Any]) -> str:
        form = {
            "account_name": name,
            "nickname": box.name,
            "unit_id": self.directory.unit_id_or_default(box.department),
            "remark": m.with_fields(found.get("remark"), self._fields(box)),
        }
        self.directory.eventually(lambda: self.client.call("account/updateAccount", **form))
        return "adopted the existing account"

    def _update(self, name: str, before: Mailbox, after: Mailbox) -> str:
        form: dict[str, Any] = {}
        if before.name != after.name:
            form["nickname"] = after.name
        if before.department != after.department:
            form["unit_id"] = self.directory.unit_id_or_default(after.department)
        if before.kind != after.kind:
            account = self.directory.eventually(lambda: self.directory.require_account(name))
            form["remark"] = m.with_fields(account.get("remark"), self._fields(after))
        if not form:
            return ""
        self.directory.eventually(lambda: self.client.call("account/updateAccount", account_name=name, **form))
        return "updated"

    def _freeze(self, name: str) -> str:
        # A password nobody is told first: should the suspend fail, the account is still shut, and the next
        # plan shows the freeze again.
        password = m.new_password()
        self.directory.eventually(
            lambda: self.client.call(
                "account/updatePassword", account_name=name, password=password, pass_type=0, passchange_req=0
            )
        )
        self.directory.eventually(lambda: self.client.call("account/suspendAccount", account_name=name))
        status = m.as_int(self.directory.eventually(lambda: self.directory.require_account(name)).get("status"))
        if status != m.SUSPENDED:
            address = self.directory.address(name)
            raise ProviderError(f"{address}: NetEase still reports status {status} after the freeze")
        return "password replaced, account disabled (status 1)"

    def _unfreeze(self, name: str, address: str) -> str:
        # The new password first, written down: should the recover fail, the account stays disabled.
        password = m.new_password()
        self.directory.eventually(
            lambda: self.client.call(
                "account/updatePassword",
                account_name=name,
                password=password,
                pass_type=0,
                passchange_req=CHANGE_AT_FIRST_LOGIN,
            )
        )
        self.credentials.put(address, password, "set at the rehire; to be changed at the first web login")
        self.client.call("account/recoverAccount", account_name=name)
        return "enabled again (new password in the credentials file)"

    @staticmethod
    def _fields(box: Mailbox) -> dict[str, str | None]:
        return {"kind": "functional" if box.kind == "functional" else None}
