"""Gmail settings (auto-reply, forwarding, delegates) and the Vault hold: the preserve and
handover steps of offboarding. Gmail calls act as the mailbox owner (domain-wide delegation).

Order on offboarding (the core orders the changes): the hold first (a change of its own), then
auto-reply, forwarding and delegates, written while the account can still log in, then the freeze.
mailplan keeps one hold: ``HOLD_NAME`` (corpus MAIL) in the matter named by ``vault_matter``;
every account in it is mailplan's (https://developers.google.com/vault/reference/rest/v1/matters.holds).
"""

from __future__ import annotations

from mailplan.model.change import Action, Change
from mailplan.model.objects import AutoReply, Delegation, Forwarding
from mailplan.providers.http import ApiError

from . import codec
from .api import GoogleApi, exists_already, fail, not_found

HOLD_NAME = "mailplan: departed staff mail"


def settings_path(owner: str, what: str) -> str:
    return f"users/{owner}/settings/{what}"


class Handover:
    def __init__(self, api: GoogleApi, fresh: set[str], matter_name: str) -> None:
        self.api = api
        self.fresh = fresh  # addresses created in this run: a 404 may only mean "not visible yet"
        self.matter_name = matter_name
        self._hold: tuple[str, str] | None = None  # (matterId, holdId)
        self._accounts: dict[str, str] = {}  # held address -> Vault accountId, as last listed

    def gmail(self, owner: str, method: str, what: str, body: object = None) -> object:
        # A 404 on a new account may mean "not visible yet"; a DELETE of something absent is done already.
        fresh = owner in self.fresh and method != "DELETE"
        return self.api.call("gmail", method, settings_path(owner, what), body=body, subject=owner, fresh=fresh)

    def autoreply(self, change: Change) -> str:
        if change.action is Action.REMOVE:
            assert isinstance(change.before, AutoReply)
            self.gmail(change.before.address, "PUT", "vacation", {"enableAutoReply": False})
            return "auto-reply off"
        reply = change.after
        assert isinstance(reply, AutoReply)
        body = {
            "enableAutoReply": True,
            "responseSubject": reply.subject,
            "responseBodyPlainText": reply.body,
            "restrictToContacts": False,
            "restrictToDomain": False,
        }
        self.gmail(reply.address, "PUT", "vacation", body)
        return "auto-reply on"

    def forwarding(self, change: Change) -> str:
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Forwarding)
            self.gmail(change.before.address, "PUT", "autoForwarding", {"enabled": False})
            return "forwarding off"
        fwd = change.after
        assert isinstance(fwd, Forwarding)
        if len(fwd.targets) != 1:
            raise fail(
                f"{fwd.address}: Gmail forwards to exactly one address, not {len(fwd.targets)}; "
                "forward to a group that holds them"
            )
        target = fwd.targets[0]
        try:
            found = self.gmail(fwd.address, "POST", "forwardingAddresses", {"forwardingEmail": target})
        except ApiError as exc:
            if not exists_already(exc):
                raise
            found = self.gmail(fwd.address, "GET", f"forwardingAddresses/{target}")
        status = found.get("verificationStatus") if isinstance(found, dict) else None
        if status != "accepted":
            raise fail(
                f"{fwd.address}: Google sent a confirmation mail to {target}; forwarding starts once someone "
                "there confirms it. Apply again afterwards."
            )
        body = {"enabled": True, "emailAddress": target, "disposition": "leaveInInbox"}
        self.gmail(fwd.address, "PUT", "autoForwarding", body)
        return f"forwarding to {target}"

    def delegation(self, change: Change) -> str:
        """Read access is a Gmail delegate of the mailbox (who may also send *on behalf of* it);
        sending *as* the mailbox is a send-as address in the grantee's own Gmail."""
        was = change.before if isinstance(change.before, Delegation) else None
        now = change.after if isinstance(change.after, Delegation) else None
        grant = now or was
        assert grant is not None
        done = []
        reads, read = bool(now and now.read), bool(was and was.read)
        sends, sent = bool(now and now.send), bool(was and was.send)
        if reads != read:
            if reads:
                self._create(grant.mailbox, "delegates", {"delegateEmail": grant.grantee})
                done.append("delegate added")
            else:
                self._delete(grant.mailbox, f"delegates/{grant.grantee}")
                done.append("delegate removed")
        if sends != sent:
            if sends:
                body = {"sendAsEmail": grant.mailbox, "treatAsAlias": True}
                answer = self._create(grant.grantee, "sendAs", body)
                if isinstance(answer, dict) and answer.get("verificationStatus") == "pending":
                    raise fail(
                        f"{grant.grantee} may send as {grant.mailbox} once Google's confirmation mail is answered"
                    )
                done.append("send-as added")
            else:
                self._delete(grant.grantee, f"sendAs/{grant.mailbox}")
                done.append("send-as removed")
        return ", ".join(done) or "nothing to change"

    def _create(self, owner: str, what: str, body: object) -> object:
        try:
            return self.gmail(owner, "POST", what, body)
        except ApiError as exc:
            if not exists_already(exc):
                raise
            return None

    def _delete(self, owner: str, what: str) -> None:
        try:
            self.gmail(owner, "DELETE", what)
        except ApiError as exc:
            if not not_found(exc):
                raise

    def held(self) -> list[str]:
        """The addresses in mailplan's hold (2 calls: the matter list, the holds of the matter)."""
        found = self._find_hold()
        if found is None:
            return []
        return sorted(self._accounts)

    def release(self, address: str) -> str:
        """Take ``address`` out of mailplan's hold (a rehire): its mail is no longer kept beyond its own rules."""
        if address not in self._accounts:
            self._find_hold()
        if self._hold is None or address not in self._accounts:
            return "not on hold (nothing to release)"
        matter, hold = self._hold
        # Vault's account id is the Directory user id (matters.holds: HeldAccount.accountId).
        account = self._accounts[address] or str(self.api.call("directory", "GET", f"users/{address}")["id"])
        path = f"matters/{matter}/holds/{hold}:removeHeldAccounts"
        answer = self.api.call("vault", "POST", path, body={"accountIds": [account]}) or {}
        for status in answer.get("statuses") or []:
            if status.get("code", 0) not in (0, 5):  # OK, NOT_FOUND (released already)
                raise fail(f"Vault refused to release {address}: {status.get('message', status.get('code'))}")
        del self._accounts[address]
        return "released from the Vault hold"

    def hold(self, address: str) -> str:
        """Put ``address``'s mail on mailplan's Vault hold (matter and hold created on first use)."""
        if self._hold is None:
            matter, hold, created = self._find_or_create_hold(address)
            self._hold = (matter, hold)
            if created:
                return "mail held in Vault (new hold)"
        matter, hold = self._hold
        path = f"matters/{matter}/holds/{hold}:addHeldAccounts"
        answer = self.api.call("vault", "POST", path, body={"emails": [address]}) or {}
        for item in answer.get("responses") or []:
            status = item.get("status") or {}
            if status.get("code", 0) not in (0, 6):  # OK, ALREADY_EXISTS
                raise fail(f"Vault refused to hold {address}: {status.get('message', status.get('code'))}")
            account = item.get("account") or {}
            if account.get("accountId"):
                self._accounts[address] = str(account["accountId"])
        return "mail held in Vault"

    def _matter(self) -> str:
        return next(
            (
                str(m["matterId"])
                for m in self.api.pages("vault", "matters", "matters", {"state": "OPEN", "pageSize": 100})
                if m.get("name") == self.matter_name
            ),
            "",
        )

    def _find_hold(self, matter: str = "") -> tuple[str, str] | None:
        """mailplan's ``(matterId, holdId)``, or None; notes the accounts it holds."""
        matter = matter or self._matter()
        if not matter:
            return None
        params = {"pageSize": 100, "view": "FULL_HOLD"}
        for item in self.api.pages("vault", f"matters/{matter}/holds", "holds", params):
            if item.get("name") == HOLD_NAME and item.get("corpus") == "MAIL":
                self._hold = (matter, str(item["holdId"]))
                self._accounts = {
                    codec.address(str(a["email"])): str(a.get("accountId", ""))
                    for a in item.get("accounts") or []
                    if a.get("email")
                }
                return self._hold
        return None

    def _find_or_create_hold(self, address: str) -> tuple[str, str, bool]:
        """``(matterId, holdId, created)``; a new hold is created already holding ``address``."""
        matter = self._matter()
        if not matter:
            about = {"name": self.matter_name, "description": "Mail of departed staff, kept by mailplan"}
            matter = str(self.api.call("vault", "POST", "matters", body=about)["matterId"])
        found = self._find_hold(matter)
        if found is not None:
            return *found, False
        body = {"name": HOLD_NAME, "corpus": "MAIL", "accounts": [{"email": address}]}
        created = self.api.call("vault", "POST", f"matters/{matter}/holds", body=body)
        for account in created.get("accounts") or []:
            self._accounts[codec.address(str(account.get("email", address)))] = str(account.get("accountId", ""))
        return matter, str(created["holdId"]), True
