"""The Plan: ordered changes, what is left alone, and what the safety gate refused.

A plan can be saved (``plan --out``) and applied later (``apply --plan``). It
carries a fingerprint of the config and of each provider's observed state; a
saved plan is only applied while both still match, so what was reviewed is
exactly what runs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailplan.errors import MailplanError, Problem
from mailplan.files import write_atomically
from mailplan.i18n import Msg
from mailplan.model.change import Action, Change
from mailplan.model.objects import MailObject, from_dict

PLAN_FORMAT = "mailplan-plan"
PLAN_VERSION = 1


@dataclass(frozen=True)
class Unmanaged:
    """An object a provider holds that the config does not mention: reported, never touched."""

    provider: str
    obj: MailObject

    def to_dict(self) -> dict[str, Any]:
        return {"provider": self.provider, "object": self.obj.to_dict()}


@dataclass(frozen=True)
class LimitUse:
    """How close a plan comes to the safety limit of one kind on one provider (policies.safety)."""

    provider: str
    kind: str
    planned: int  # frozen or removed by this plan
    recent: int  # frozen or removed in the last ``window_days`` (the journal)
    window_days: int
    held: int  # objects of the kind the provider holds (and held at the window's start)
    allowed: int  # the lower of max_count and max_percent of held
    max_percent: float
    max_count: int

    @property
    def total(self) -> int:
        return self.planned + self.recent

    @property
    def exceeded(self) -> bool:
        return self.total > self.allowed

    def describe(self) -> Msg:
        shown = {
            "kind": Msg(self.kind),  # an identifier: its label in the catalog
            "provider": self.provider, "planned": self.planned, "total": self.total,
            "allowed": self.allowed, "percent": f"{self.max_percent:g}%", "held": self.held, "most": self.max_count,
        }  # fmt: skip
        if self.window_days:
            return Msg(
                "{kind} on {provider}: {planned} frozen or removed by this plan + {recent} in the last {days} days "
                "= {total} of {allowed} allowed ({percent} of {held}, at most {most})",
                recent=self.recent, days=self.window_days, **shown,
            )
        return Msg(
            "{kind} on {provider}: {planned} frozen or removed by this plan = {total} of {allowed} allowed "
            "({percent} of {held}, at most {most})",
            **shown,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider, "kind": self.kind, "planned": self.planned, "recent": self.recent,
            "window_days": self.window_days, "held": self.held, "allowed": self.allowed,
            "max_percent": self.max_percent, "max_count": self.max_count, "exceeded": self.exceeded,
        }  # fmt: skip


@dataclass
class Plan:
    changes: list[Change]
    unmanaged: list[Unmanaged] = field(default_factory=list)
    # Changes the safety gate refuses; a plan with any cannot be applied.
    blocked: list[Problem] = field(default_factory=list)
    # What a reviewer should look at before applying (a policy set to warn, a date that makes a mailbox
    # exist only frozen); they do not stop the apply.
    warnings: list[Problem] = field(default_factory=list)
    config_fingerprint: str = ""
    observed_fingerprints: dict[str, str] = field(default_factory=dict)
    safety: list[LimitUse] = field(default_factory=list)  # how close it comes to the safety limits
    created_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

    @property
    def has_changes(self) -> bool:
        """Changes mailplan would make. Manual steps do not count: no apply can clear them, and a
        provider that cannot read them back would otherwise report changes (exit 2) forever."""
        return any(c.action is not Action.MANUAL for c in self.changes)

    @property
    def manual(self) -> list[Change]:
        return [c for c in self.changes if c.action is Action.MANUAL]

    def counts(self) -> dict[str, int]:
        found = Counter(c.action.value for c in self.changes)
        return {a.value: found.get(a.value, 0) for a in Action}

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": PLAN_FORMAT,
            "version": PLAN_VERSION,
            "created_at": self.created_at,
            "config_fingerprint": self.config_fingerprint,
            "observed_fingerprints": dict(sorted(self.observed_fingerprints.items())),
            "summary": self.counts(),
            "changes": [c.to_dict() for c in self.changes],
            "unmanaged": [u.to_dict() for u in self.unmanaged],
            "blocked": [_problem(p) for p in self.blocked],
            "warnings": [_problem(p) for p in self.warnings],
            "safety": [u.to_dict() for u in self.safety],
        }

    def save(self, path: Path) -> None:
        write_atomically(path, json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> Plan:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise MailplanError(Msg("{path}: no such plan file — create one with `mailplan plan --out {path}`",
                                    path=path)) from None  # fmt: skip
        except (OSError, ValueError) as exc:
            raise MailplanError(Msg("{path}: not a readable plan file ({error})", path=path, error=exc)) from None
        if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
            raise MailplanError(Msg("{path}: not a mailplan plan file", path=path))
        if data.get("version") != PLAN_VERSION:
            raise MailplanError(Msg("{path}: plan format version {version} is not supported (this mailplan reads "
                                    "{supported}) — run `mailplan plan --out` again", path=path,
                                    version=data.get("version"), supported=PLAN_VERSION))  # fmt: skip
        return cls(
            changes=[Change.from_dict(c) for c in data["changes"]],
            unmanaged=[Unmanaged(u["provider"], from_dict(u["object"])) for u in data.get("unmanaged", [])],
            blocked=[Problem(b["message"], None, b.get("hint", "")) for b in data.get("blocked", [])],
            warnings=[Problem(w["message"], None, w.get("hint", "")) for w in data.get("warnings", [])],
            config_fingerprint=data["config_fingerprint"],
            observed_fingerprints=dict(data["observed_fingerprints"]),
            created_at=data.get("created_at", ""),
        )


def _problem(p: Problem) -> dict[str, Any]:
    return {"message": p.message, "hint": p.hint, "location": str(p.location) if p.location else None}
