"""Writing Exmail users (persons and functional mailboxes alike). A freeze is a password nobody
knows, IMAP/SMTP and POP/SMTP client access off (the 功能设置 app's ``useroption``), and ``enable: 0``,
in that order; an unfreeze turns on again what the freeze turned off, with a new initial password."""

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

# Members per tag/addtagusers call: the limit of the WeCom API family Exmail's tag calls share (the Exmail
# excerpt names none; the fake refuses more, as WeCom does).
TAG_BATCH = 1000


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
        self.unmarked: list[str] = []  # created in this run, not in the marker tag yet

    def mark_created(self) -> None:
        """Put the mailboxes created since the last call in the marker tag: one ``tag/addtagusers`` call per
        ``TAG_BATCH`` of them, instead of one per mailbox. A member not visible yet is waited for."""
        while self.unmarked:
            batch = self.unmarked[:TAG_BATCH]
            self.directory.eventually(partial(self.directory.add_to_tag, self.marker_tag, users=batch))
            del self.unmarked[: len(batch)]

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
        access, password = "", ""
        if after.frozen and not before.frozen:
            access = self._freeze_parts(after.address)
            body["enable"] = 0
        elif before.frozen and not after.frozen:
            access = self._restore_client_access(after.address)
            password = generate_password()  # a new initial password, to be changed at the first login
            body.update(enable=1, password=password, cpwd_login=1)
        if len(body) > 1:
            # ``enable: 0`` is what a read takes for "frozen": it goes last, after every other part of the
            # freeze, so a freeze that fails part-way reads as not frozen and the next plan runs it again.
            self.directory.eventually(lambda: self.client.post("user/update", body))
        if password:
            self.credentials.put(after.address, password)
        if before.kind != after.kind:
            self._set_functional(after.address, after.kind == "functional")
        if "enable" not in body:
            return "updated"
        told = " (new password in the credentials file)" if password else ""
        return f"updated, enable={body['enable']}{access}{told}"

    def _freeze_parts(self, address: str) -> str:
        """Every part of a freeze but the last (``enable: 0``): first a password nobody knows (web mail,
        and IMAP, POP and SMTP with the password, stop here), then IMAP/SMTP and POP/SMTP client access off."""
        self._options_client(f"freezing {address}")  # refused before anything is written
        scrambled = {"userid": address, "password": generate_password(), "cpwd_login": 0}
        self.directory.eventually(lambda: self.client.post("user/update", scrambled))
        return ", password replaced by one nobody knows" + self._cut_client_access(address)

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
            if box.frozen:  # someone who left: whatever password the account had stops working
                update.update(password=generate_password(), cpwd_login=0)
            self.directory.eventually(lambda: self.client.post("user/update", update))
        if box.frozen:  # created as someone who left: the initial password goes to nobody
            self.credentials.forget(box.address)
        self.unmarked.append(box.address)  # tagged as mailplan's in one call with the others (``mark_created``)
        if len(self.unmarked) >= TAG_BATCH:
            self.mark_created()
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
