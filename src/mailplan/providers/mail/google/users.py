"""Mailboxes as Google users: create (or adopt), update, and the freeze, which blocks the login
but keeps the account active (a suspended Google account receives no mail)."""

from __future__ import annotations

import secrets
from typing import Any

from mailplan import clock
from mailplan.model.change import Action, Change
from mailplan.model.objects import Mailbox
from mailplan.providers.base import CredentialSink
from mailplan.providers.http import ApiError
from mailplan.providers.mail.marks import RESENT_NOTE, made_by_resend

from . import codec
from .api import exists_already, fail
from .directory import DirectoryApi
from .orgunits import OrgUnits


def new_password() -> str:
    return secrets.token_urlsafe(18)


class Users:
    def __init__(self, directory: DirectoryApi, orgunits: OrgUnits, credentials: CredentialSink) -> None:
        self.directory = directory
        self.orgunits = orgunits
        self.credentials = credentials

    def apply(self, change: Change) -> str:
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Mailbox)
            self.directory.call("DELETE", f"users/{change.before.address}")
            return "user deleted"
        box = change.after
        assert isinstance(box, Mailbox)
        if box.quota_mb:
            raise fail(f"{box.address}: Google Workspace storage is pooled; there is no per-mailbox quota to set")
        if change.action is Action.CREATE:
            done = [self._create(box)]
            was_frozen = False
        else:
            assert isinstance(change.before, Mailbox)
            done = [self._update(change.before, box)]
            was_frozen = change.before.frozen
        if box.frozen and not was_frozen:
            done.append(self._freeze(box.address))
        elif was_frozen and not box.frozen:
            done.append(self._unfreeze(box.address))
        return "; ".join(d for d in done if d)

    def _body(self, box: Mailbox) -> dict[str, Any]:
        return {"name": codec.split_name(box.name), "orgUnitPath": self.orgunits.path(box.department)}

    def _create(self, box: Mailbox) -> str:
        password = new_password()
        body = {
            "primaryEmail": box.address,
            **self._body(box),
            "password": password,
            "changePasswordAtNextLogin": True,
            "externalIds": codec.with_tokens({}, add=[box.kind]),
        }
        api = self.directory.api
        sent = api.attempts("directory", "POST", "users")
        # written ahead: a run killed after Google took the password, before its answer, loses nothing
        with self.credentials.issuing(box.address, password) as issued:
            try:
                self.directory.call("POST", "users", body)
            except ApiError as exc:
                if not exists_already(exc):
                    raise
                attempts = api.attempts("directory", "POST", "users") - sent
                user = self.directory.user(box.address)
                if not made_by_resend(attempts, box.kind, codec.user_tokens(user)):
                    self.credentials.withdraw(issued)
                    patch = {**self._body(box), "externalIds": codec.with_tokens(user, [box.kind], codec.KIND_TOKENS)}
                    self.directory.call("PATCH", f"users/{box.address}", patch)
                    return "user already there (adopted)"
                issued.note = RESENT_NOTE
        self.directory.created("users", box.address)
        return "user created (initial password in the credentials file)"

    def _update(self, before: Mailbox, after: Mailbox) -> str:
        if (before.name, before.department, before.kind) == (after.name, after.department, after.kind):
            return ""
        user = self.directory.user(after.address)
        body = {**self._body(after), "externalIds": codec.with_tokens(user, [after.kind], codec.KIND_TOKENS)}
        self.directory.call("PATCH", f"users/{after.address}", body, fresh=after.address)
        return "user updated"

    def _freeze(self, address: str) -> str:
        """Cut access, part by part; the Vault hold came before, as its own change. The account stays
        active, so forwarding and the auto-reply keep working (a suspended Google account receives no mail).

        The first call cuts the login (a password nobody knows); the ``frozen`` mark, which is what a
        read takes for "frozen", is written by the last, once the revocations read back as done. A
        freeze that fails part-way therefore reads as not frozen, and the next plan runs it again
        whole (every part is idempotent)."""
        call = self.directory.call
        user = self.directory.user(address)
        body = {"password": new_password(), "changePasswordAtNextLogin": False}  # nobody learns it
        call("PATCH", f"users/{address}", body, fresh=address)
        call("POST", f"users/{address}/signOut", fresh=address)  # web and device sessions, sign-in cookies
        asps = self._listed(address, "asps")
        for asp in asps:
            call("DELETE", f"users/{address}/asps/{asp['codeId']}")
        tokens = self._listed(address, "tokens")
        for token in tokens:
            call("DELETE", f"users/{address}/tokens/{token['clientId']}")
        call("POST", f"users/{address}/verificationCodes/invalidate")  # 2-Step Verification backup codes
        left = [f"app password {a.get('name') or a['codeId']}" for a in self._listed(address, "asps")]
        left += [f"OAuth token of {t.get('displayText') or t['clientId']}" for t in self._listed(address, "tokens")]
        if left:
            raise fail(f"{address}: still holds {', '.join(left)} after revoking them; the freeze is not done")
        # the day goes with the mark: retention counts from it, whatever the journal holds
        marks = codec.with_tokens(user, ["frozen", codec.frozen_on_token(clock.today())], codec.frozen_on_tokens(user))
        call("PATCH", f"users/{address}", {"externalIds": marks}, fresh=address)
        return f"login blocked, signed out, {len(asps)} app passwords and {len(tokens)} tokens revoked"

    def _listed(self, address: str, what: str) -> list[dict[str, Any]]:
        """The user's app passwords (``asps``) or OAuth tokens (``tokens``)."""
        return list((self.directory.call("GET", f"users/{address}/{what}") or {}).get("items") or [])

    def _unfreeze(self, address: str) -> str:
        user = self.directory.user(address)
        password = new_password()
        body = {
            "suspended": False,
            "password": password,
            "changePasswordAtNextLogin": True,
            "externalIds": codec.with_tokens(user, drop=["frozen", *codec.frozen_on_tokens(user)]),
        }
        with self.credentials.issuing(address, password):
            self.directory.call("PATCH", f"users/{address}", body, fresh=address)
        return "login allowed again (new password in the credentials file)"
