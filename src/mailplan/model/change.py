"""A Change: one step of a plan, applied by one provider."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from mailplan.model.objects import MailObject, from_dict


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    FREEZE = "freeze"  # a mailbox stops accepting logins; its mail is kept
    UNFREEZE = "unfreeze"
    REMOVE = "remove"
    MANUAL = "manual"  # the provider's API cannot do it: a person must, following ``instructions``

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "freeze": "!", "unfreeze": "^", "remove": "-", "manual": "?"}[
            self.value
        ]


@dataclass(frozen=True)
class Change:
    action: Action
    provider: str  # the provider instance name from the config
    before: MailObject | None
    after: MailObject | None
    reason: str = ""
    instructions: str = ""  # for MANUAL changes: what a person has to do

    @property
    def obj(self) -> MailObject:
        found = self.after if self.after is not None else self.before
        assert found is not None, "a change has a before or an after"
        return found

    @property
    def kind(self) -> str:
        return self.obj.KIND

    @property
    def key(self) -> str:
        return self.obj.key

    @property
    def domain(self) -> str:
        return self.obj.domain

    def attr_changes(self) -> list[tuple[str, Any, Any]]:
        """``(attribute, before, after)`` for every attribute that differs."""
        before = self.before.attrs() if self.before else {}
        after = self.after.attrs() if self.after else {}
        names = list(after) + [n for n in before if n not in after]
        return [(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "provider": self.provider,
            "kind": self.kind,
            "key": self.key,
            "domain": self.domain,
            "reason": self.reason,
            "instructions": self.instructions,
            "before": self.before.to_dict() if self.before else None,
            "after": self.after.to_dict() if self.after else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Change:
        return cls(
            action=Action(data["action"]),
            provider=data["provider"],
            before=from_dict(data["before"]) if data.get("before") else None,
            after=from_dict(data["after"]) if data.get("after") else None,
            reason=data.get("reason", ""),
            instructions=data.get("instructions", ""),
        )

    def describe(self) -> str:
        return f"{self.action.value} {self.kind} {self.key}"
