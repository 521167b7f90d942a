"""Mailboxes as Entra users: create (or adopt), update, keep the administrative unit in step with
the department, and the freeze (sign-in blocked; the mailbox, its licence and its mail stay)."""

from __future__ import annotations

import secrets
from typing import Any

from mailplan.model.change import Action, Change
from mailplan.model.objects import Mailbox
from mailplan.providers.base import CredentialSink
from mailplan.providers.http import ApiError
from mailplan.providers.mail.marks import RESENT_NOTE, made_by_resend

from . import codec
from .api import exists_already, fail
from .directory import Directory
from .units import AdministrativeUnits


def new_password() -> str:
    # Entra ID wants 3 of 4 character classes; token_urlsafe may lack some, so add one of each.
    return secrets.token_urlsafe(15) + "aA1!"


class Users:
    def __init__(
        self,
        directory: Directory,
        units: AdministrativeUnits,
        credentials: CredentialSink,
        usage_location: str | None,
        license_sku_id: str | None,
    ) -> None:
        self.directory = directory
        self.units = units
        self.credentials = credentials
        self.usage_location = usage_location  # needed before a licence can be assigned
        self.license_sku_id = license_sku_id  # the licence (with Exchange Online) new mailboxes get

    def apply(self, change: Change) -> str:
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Mailbox)
            self.directory.call("DELETE", f"users/{change.before.address}")
            return "user deleted (restorable for 30 days)"
        box = change.after
        assert isinstance(box, Mailbox)
        if box.quota_mb:
            raise fail(
                f"{box.address}: mailbox quotas are Exchange settings; run Set-Mailbox -Identity '{box.address}' "
                f"-ProhibitSendReceiveQuota {box.quota_mb}MB, and leave quota_mb out for this provider"
            )
        before = change.before if isinstance(change.before, Mailbox) else None
        done = [self._create(box) if before is None else self._update(before, box)]
        was_frozen = before is not None and before.frozen
        if box.frozen and not was_frozen:
            done.append(self._freeze(box.address))
        elif was_frozen and not box.frozen:
            done.append(self._unfreeze(box.address))
        return "; ".join(d for d in done if d)

    def _create(self, box: Mailbox) -> str:
        call, api = self.directory.call, self.directory.api
        password = new_password()
        body: dict[str, Any] = {
            "accountEnabled": True,
            "displayName": box.name,
            "mailNickname": box.address.split("@")[0],
            "userPrincipalName": box.address,
            "passwordProfile": {"forceChangePasswordNextSignIn": True, "password": password},
            "onPremisesExtensionAttributes": codec.mark([box.kind]),
        }
        if box.department:
            body["department"] = box.department
        if self.usage_location:
            body["usageLocation"] = self.usage_location
        sent = api.attempts("POST", "users")
        # written ahead: a run killed after Graph took the password, before its answer, loses nothing
        with self.credentials.issuing(box.address, password) as issued:
            try:
                created = call("POST", "users", body)
            except ApiError as exc:
                if not exists_already(exc):
                    raise
                attempts = api.attempts("POST", "users") - sent
                found = call("GET", f"users/{box.address}", **{"$select": "id,onPremisesExtensionAttributes"})
                if not made_by_resend(attempts, box.kind, codec.user_tokens(found)):
                    self.credentials.withdraw(issued)
                    return self._adopt(box, codec.user_tokens(found))
                created = found
                issued.note = RESENT_NOTE
        self.directory.known().users[box.address] = str(created["id"])
        self.directory.created(f"users/{box.address}", box.address)
        if self.license_sku_id:
            licence = {"addLicenses": [{"skuId": self.license_sku_id, "disabledPlans": []}], "removeLicenses": []}
            call("POST", f"users/{created['id']}/assignLicense", licence, fresh=box.address)
        self._join_unit(box.address, None, box.department)
        return "user created (initial password in the credentials file)"

    def _adopt(self, box: Mailbox, have: set[str]) -> str:
        tokens = (have - set(codec.KIND_TOKENS)) | {box.kind}
        patch = {
            "displayName": box.name,
            "department": box.department,
            "onPremisesExtensionAttributes": codec.mark(tokens),
        }
        self.directory.call("PATCH", f"users/{box.address}", patch)
        self._join_unit(box.address, None, box.department)
        return "user already there (adopted)"

    def _update(self, before: Mailbox, after: Mailbox) -> str:
        if (before.name, before.department, before.kind) == (after.name, after.department, after.kind):
            return ""
        tokens = (self.directory.user_tokens(after.address) - set(codec.KIND_TOKENS)) | {after.kind}
        body = {
            "displayName": after.name,
            "department": after.department,
            "onPremisesExtensionAttributes": codec.mark(tokens),
        }
        self.directory.call("PATCH", f"users/{after.address}", body, fresh=after.address)
        self._join_unit(after.address, before.department, after.department)
        return "user updated"

    def _join_unit(self, address: str, old: str | None, new: str | None) -> None:
        """Department admins act on the members of an administrative unit: keep membership in step."""
        if old == new:
            return
        call, unit_id = self.directory.call, self.units.unit_id
        user = self.directory.user_id(address)
        if old and old in self.directory.known().units:
            try:
                call("DELETE", f"directory/administrativeUnits/{unit_id(old)}/members/{user}/$ref")
            except ApiError as exc:
                if exc.status != 404:
                    raise
        if new:
            try:
                call("POST", f"directory/administrativeUnits/{unit_id(new)}/members/$ref", self.directory.api.ref(user))
            except ApiError as exc:
                if not exists_already(exc):
                    raise

    def _freeze(self, address: str) -> str:
        """Cut access in the research's order: sign-in blocked, every session revoked, then the password
        replaced by a random one nobody sees. The mailbox, its licence and its mail stay.

        The first call blocks the sign-in and marks the freeze as under way (``freezing``); the last
        clears the mark. A read takes a mailbox for frozen only without it, so a freeze that fails
        part-way reads as not frozen and the next plan runs it again whole (every part is idempotent)."""
        call = self.directory.call
        tokens = self.directory.user_tokens(address) - {codec.FREEZING}
        shared = address in self.directory.known().shared
        started = {"accountEnabled": False, "onPremisesExtensionAttributes": codec.mark(tokens | {codec.FREEZING})}
        call("PATCH", f"users/{address}", started, fresh=address)
        call("POST", f"users/{address}/revokeSignInSessions", fresh=address)
        # A shared mailbox never signs in: the mark says it is frozen (and that mailplan runs it).
        done = tokens | ({"frozen", "functional"} if shared else set())
        scrambled = {
            "passwordProfile": {"forceChangePasswordNextSignIn": False, "password": new_password()},  # never written
            "onPremisesExtensionAttributes": codec.mark(done),
        }
        call("PATCH", f"users/{address}", scrambled, fresh=address)
        return "sign-in blocked, sessions revoked, password replaced by one nobody knows"

    def _unfreeze(self, address: str) -> str:
        if address in self.directory.known().shared:
            # A shared mailbox is used through FullAccess, never by signing in: it stays without one.
            self.directory.mark(address, drop=["frozen"])
            return "shared mailbox back in use (sign-in stays blocked, as for every shared mailbox)"
        password = new_password()
        body = {
            "accountEnabled": True,
            "passwordProfile": {"forceChangePasswordNextSignIn": True, "password": password},
        }
        with self.credentials.issuing(address, password):
            self.directory.call("PATCH", f"users/{address}", body, fresh=address)
        return "sign-in allowed again (new password in the credentials file)"
