"""Writing Exmail users (persons and functional mailboxes alike). A freeze is ``enable: 0``
with IMAP/SMTP and POP/SMTP client access off, through the 功能设置 app's ``useroption``."""

from __future__ import annotations

from functools import partial
from typing import Any

from mailplan.model.change import Action, Change
from mailplan.model.objects import Mailbox
from mailplan.providers.base import CredentialSink, NotSupported, ProviderError
from mailplan.providers.mail.admin_api import Waiting
from mailplan.providers.mail.exmail import mapping as m
from mailplan.providers.mail.exmail.client import ExmailClient, ExmailError
from mailplan.providers.mail.exmail.directory import ACCOUNT_USER, Directory
from mailplan.providers.mail.local.passwords import generate_password


class Mailboxes:
    def __init__(
        self,
        directory: Directory,
        options: ExmailClient | None,
        waiting: Waiting,
        credentials: CredentialSink,
        marker_tag: str,
        functional_tag: str,
    ) -> None:
        self.directory = directory
        self.client = directory.client
        self.options = options  # the 功能设置 app's client: None without its secret
        self.waiting = waiting
        self.credentials = credentials
        self.marker_tag = marker_tag
        self.functional_tag = functional_tag

    def apply(self, change: Change) -> str:
        action = change.action
        if action is Action.REMOVE:
            assert isinstance(change.before, Mailbox)
            self.client.get("user/delete", userid=change.before.address)
            return "deleted"
        after = change.after
        assert isinstance(after, Mailbox)
        if after.quota_mb:
            raise NotSupported(f"{after.address}: the Exmail API cannot set a quota; remove `quota_mb`")
        if action is Action.CREATE:
            return self._create(after)
        # update, freeze and unfreeze alike: a freeze may come with other changes (a rename)
        before = change.before
        assert isinstance(before, Mailbox)
        body: dict[str, Any] = {"userid": after.address}
        if before.name != after.name:
            body["name"] = after.name
        if before.department != after.department:
            body["department"] = [self.directory.department_id_or_root(after.department)]
        access = ""
        if before.frozen != after.frozen:
            body["enable"] = 0 if after.frozen else 1
            # Client access first: a failure then leaves the mailbox unfrozen (or frozen), so the next
            # plan shows the change again, instead of a half-done one that reads as finished.
            cut = self._cut_client_access if after.frozen else self._restore_client_access
            access = cut(after.address)
        if len(body) > 1:
            self.directory.eventually(lambda: self.client.post("user/update", body))
        if before.kind != after.kind:
            self._set_functional(after.address, after.kind == "functional")
        return "updated" if "enable" not in body else f"updated, enable={body['enable']}{access}"

    def _create(self, box: Mailbox) -> str:
        if box.frozen:
            self._options_client(f"creating {box.address} frozen")  # refused before anything is written
        password = generate_password()
        body = {
            "userid": box.address,
            "name": box.name,
            "department": [self.directory.department_id_or_root(box.department)],
            "password": password,
            "cpwd_login": 1,  # the person sets their own password at first login
        }
        adopted = False
        # written ahead: a run killed after Exmail took the password, before its answer, loses nothing
        with self.credentials.issuing(box.address, password) as issued:
            try:
                self.client.post("user/create", body)
            except ExmailError:
                if self.directory.account_types([box.address]).get(box.address) != ACCOUNT_USER:
                    raise
                adopted = True  # it is there already: take it over as the config describes it
                self.credentials.withdraw(issued)
        if adopted:
            update = {k: v for k, v in body.items() if k in ("userid", "name", "department")}
            self.directory.eventually(lambda: self.client.post("user/update", update))
        self.directory.eventually(lambda: self.directory.add_to_tag(self.marker_tag, users=[box.address]))
        if box.kind == "functional":
            self._set_functional(box.address, True)
        access = ""
        if box.frozen:
            access = self._cut_client_access(box.address)
            self.directory.eventually(lambda: self.client.post("user/update", {"userid": box.address, "enable": 0}))
        self.waiting.now_there(f"mailbox:{box.address}")
        return ("adopted existing user" if adopted else "created") + access

    def _set_functional(self, address: str, functional: bool) -> None:
        if functional:
            self.directory.eventually(lambda: self.directory.add_to_tag(self.functional_tag, users=[address]))
        else:
            self.directory.remove_from_tag(self.functional_tag, address)

    # client access (IMAP/SMTP, POP/SMTP) of frozen mailboxes

    def _options_client(self, doing: str) -> ExmailClient:
        if self.options is None:
            raise ProviderError(
                f"{doing} needs the secret of Exmail's 功能设置 (function settings) app, to turn the mailbox's "
                "IMAP/SMTP and POP/SMTP access off and on: set `function_secret` in the provider's settings "
                "(see the README, Tencent Exmail); nothing was changed"
            )
        return self.options

    def _client_access(self, options: ExmailClient, address: str) -> dict[int, str]:
        answer = options.post("useroption/get", {"userid": address, "type": list(m.CLIENT_ACCESS)})
        return {m.as_int(o.get("type")): str(o.get("value")) for o in answer.get("option") or [] if isinstance(o, dict)}

    def _cut_client_access(self, address: str) -> str:
        """Freeze: IMAP/SMTP and POP/SMTP off. Those that were on are remembered first (a tag
        per option), so that an unfreeze turns on exactly those again."""
        options = self._options_client(f"freezing {address}")
        before = self.directory.eventually(lambda: self._client_access(options, address))
        for option in (o for o in m.CLIENT_ACCESS if before.get(o) == "1"):
            self.directory.eventually(partial(self.directory.add_to_tag, m.client_off_tag(option), users=[address]))
        if all(before.get(o) == "0" for o in m.CLIENT_ACCESS):
            return ", IMAP/SMTP and POP/SMTP already off"
        off = [{"type": o, "value": "0"} for o in m.CLIENT_ACCESS]
        options.post("useroption/update", {"userid": address, "option": off})
        after = self._client_access(options, address)
        still = [m.CLIENT_NAMES[o] for o in m.CLIENT_ACCESS if after.get(o) != "0"]
        if still:
            raise ProviderError(f"{address}: Exmail still reports {' and '.join(still)} on after turning it off")
        return ", IMAP/SMTP and POP/SMTP off"

    def _restore_client_access(self, address: str) -> str:
        """Unfreeze: turn back on the client access the freeze turned off (nothing else)."""
        restore = [o for o in m.CLIENT_ACCESS if address in self.directory.tag_members(m.client_off_tag(o))[0]]
        if not restore:
            return ""
        options = self._options_client(f"unfreezing {address}")
        on = [{"type": o, "value": "1"} for o in restore]
        self.directory.eventually(lambda: options.post("useroption/update", {"userid": address, "option": on}))
        for option in restore:
            self.directory.remove_from_tag(m.client_off_tag(option), address)
        return ", " + " and ".join(m.CLIENT_NAMES[o] for o in restore) + " on again"
