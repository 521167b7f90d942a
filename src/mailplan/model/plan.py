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
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Plan:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise MailplanError(f"{path}: no such plan file — create one with `mailplan plan --out {path}`") from None
        except (OSError, ValueError) as exc:
            raise MailplanError(f"{path}: not a readable plan file ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
            raise MailplanError(f"{path}: not a mailplan plan file")
        if data.get("version") != PLAN_VERSION:
            raise MailplanError(
                f"{path}: plan format version {data.get('version')} is not supported (this mailplan reads "
                f"{PLAN_VERSION}) — run `mailplan plan --out` again"
            )
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
