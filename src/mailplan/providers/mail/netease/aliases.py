"""Writing NetEase account aliases (别名): ``account/addAccountAlias`` / ``deleteAccountAlias`` with the
alias's local part (``alias_name``) on its one owner, in the owner's domain."""

from __future__ import annotations

from mailplan.model.change import Action, Change
from mailplan.model.objects import Alias
from mailplan.providers.base import NotSupported, ProviderError
from mailplan.providers.mail.netease.client import NeteaseError
from mailplan.providers.mail.netease.directory import Directory


class Aliases:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.client = directory.client

    def apply(self, change: Change) -> str:
        before, after = change.before, change.after
        if isinstance(after, Alias) and len(after.targets) != 1:
            raise NotSupported(f"alias {after.address}: a NetEase alias belongs to exactly one account")
        if isinstance(before, Alias) and change.action in (Action.UPDATE, Action.REMOVE):
            self._remove(before)
        if isinstance(after, Alias) and change.action in (Action.CREATE, Action.UPDATE):
            self._add(after)
        return change.action.value + "d"

    def _names(self, alias: Alias) -> tuple[str, str]:
        return self.directory.local(alias.targets[0]), self.directory.local(alias.address)

    def _add(self, alias: Alias) -> None:
        owner, local = self._names(alias)
        if alias.address in self._aliases(owner):
            return
        try:
            self.client.call("account/addAccountAlias", account_name=owner, alias_name=local)
        except NeteaseError as exc:
            if exc.not_found:
                raise
            if alias.address not in self.directory.aliases_of(owner):  # a resent add that went through is fine
                raise ProviderError(f"alias {alias.address}: NetEase refused it ({exc}); is the name in use?") from None

    def _remove(self, alias: Alias) -> None:
        owner, local = self._names(alias)
        try:
            current = self.directory.aliases_of(owner)
        except NeteaseError as exc:
            if exc.not_found:
                return  # the owner is gone, and its aliases with it
            raise
        if alias.address in current:
            self.client.call("account/deleteAccountAlias", account_name=owner, alias_name=local)

    def _aliases(self, owner: str) -> tuple[str, ...]:
        # "not found" while an owner created a moment ago is not visible yet: wait for it
        return self.directory.eventually(lambda: self.directory.aliases_of(owner))
