"""An in-memory provider for engine tests: holds objects, can be told to fail a change."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mailplan.model.change import Action, Change
from mailplan.model.objects import MailObject
from mailplan.model.state import Ident, Observed, State
from mailplan.providers.base import CredentialSink, Provider, ProviderContext, ProviderError


class MemoryProvider(Provider):
    TYPE = "memory"
    SUPPORTS = frozenset(
        {"domain", "mailbox", "alias", "group", "group.post.members", "forwarding", "autoreply", "policy", "hold",
         "delegation", "delegation.read", "department"}
    )

    def __init__(self, objects: Sequence[MailObject] = (), managed: Sequence[Ident] = ()) -> None:
        self.objects: dict[Ident, MailObject] = {o.ident: o for o in objects}
        self.managed: set[Ident] = set(managed)
        self.fail_on: str | set[str] | None = None  # Change.describe() of the change(s) that must fail
        self.applied: list[str] = []
        self.name = "mem"
        # no password is made here: a credentials file nobody writes
        self.context = ProviderContext(base_dir=Path("."), credentials=CredentialSink(Path("/nonexistent/creds.txt")))

    def read(self, domains: Sequence[str]) -> Observed:
        return Observed(State(self.objects.values()), frozenset(self.managed))

    def apply(self, change: Change) -> str:
        failing = {self.fail_on} if isinstance(self.fail_on, str) else self.fail_on or set()
        if change.describe() in failing:
            raise ProviderError(f"HTTP 503 while trying to {change.describe()}")
        if change.action is Action.REMOVE:
            self.objects.pop(change.obj.ident, None)
            self.managed.discard(change.obj.ident)
        else:
            assert change.after is not None
            self.objects[change.after.ident] = change.after
            if change.action is Action.CREATE:
                self.managed.add(change.after.ident)
        self.applied.append(change.describe())
        return "ok"
