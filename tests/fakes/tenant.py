"""A cloud provider on its fake, as the provider tests drive it: apply a change, read back, compare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mailplan.model.change import Action, Change
from mailplan.model.objects import MailObject
from mailplan.model.state import Ident


class Tenant:
    def __init__(self, fake: Any, provider: Any, creds: Path, name: str, domain: str = "example.com") -> None:
        self.fake = fake  # has .violations: requests that broke the published contract
        self.provider = provider  # a Provider with the shared HttpClient in .http
        self.creds = creds
        self.name = name
        self.domain = domain
        self.sleeps: list[float] = []
        self.managed: frozenset[Ident] = frozenset()
        provider.http.sleep = fake.waits(self.sleeps)  # recorded, and the fake's clock moves on

    def read(self) -> dict[tuple[str, str], MailObject]:
        observed = self.provider.read([self.domain])
        self.managed = observed.managed
        return {o.ident: o for o in observed.state}

    def apply(self, action: Action, before: MailObject | None, after: MailObject | None) -> str:
        answer: str = self.provider.apply(Change(action, self.name, before, after))
        self.provider.finish()  # as apply does at the end of a run (Exmail batches its tag calls)
        assert self.fake.violations == []
        return answer

    def converge(self, action: Action, before: MailObject | None, after: MailObject | None) -> str:
        """Apply, then read: the provider must hold exactly ``after`` (or nothing), marked as mailplan's."""
        answer = self.apply(action, before, after)
        state = self.read()
        if after is None:
            assert before is not None and before.ident not in state
        else:
            assert state.get(after.ident) == after
            assert after.ident in self.managed
        return answer

    def credential_lines(self) -> list[list[str]]:
        return [line.split("\t") for line in self.creds.read_text().splitlines()] if self.creds.exists() else []

    def passwords(self) -> dict[str, str]:
        return {line[0]: line[1] for line in self.credential_lines()}  # a third column is a note
