"""Run scenario steps against one provider: apply each, then re-plan, which must be empty.

Each step is planned as ``mailplan plan`` plans it: an optional kind the provider cannot hold is
left out, what it leaves to a person becomes a manual step (which no apply clears, so it is no
change), and a kind it applies in part keeps its action. What the provider neither supports nor
can leave to a person is left out of its run (a config asking for it fails ``validate``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailplan.engine import capabilities
from mailplan.engine.apply import apply_changes
from mailplan.engine.diff import diff_all
from mailplan.engine.journal import Journal
from mailplan.engine.journal_check import verify
from mailplan.engine.order import leavers, plan_order
from mailplan.model.change import Action, Change
from mailplan.model.objects import KINDS, MailObject
from mailplan.model.state import State
from mailplan.providers.base import CredentialSink, Provider, ProviderContext
from mailplan.providers.registry import provider_class

from .scenarios import Step


def make_provider(provider_type: str, settings: Mapping[str, Any], workdir: Path) -> Provider:
    context = ProviderContext(base_dir=workdir, credentials=CredentialSink(workdir / "credentials.txt"))
    return provider_class(provider_type)("p", settings, context)


def held(provider: Provider, objects: Iterable[MailObject]) -> State:
    """What a config holding ``objects`` asks of ``provider``, as far as it can be asked."""
    cls = type(provider)
    return State(o for o in capabilities.held_by(cls, State(objects)) if not capabilities.missing_features(cls, o))


def plan(provider: Provider, desired: State, scope: tuple[str, ...]) -> tuple[list[Change], list[MailObject]]:
    """The changes a plan shows for ``desired`` (manual steps included), and what it would orphan."""
    changes, _, orphans = diff_all({"p": desired}, {"p": provider.read(scope)})
    # in diff order, as the engine asks: a provider may decide a change from the ones before it
    planned = [capabilities.as_planned(provider, c) for c in changes]
    return plan_order(planned, leavers({"p": desired})), orphans.get("p", [])


@dataclass
class Run:
    """What a scenario did on one provider."""

    provider_type: str
    steps: list[str] = field(default_factory=list)
    # kind -> actions the provider applied (and re-read with an empty re-plan)
    applied: dict[str, set[str]] = field(default_factory=dict)
    features: set[str] = field(default_factory=set)  # capability ids of the objects it applied
    manual: set[str] = field(default_factory=set)  # kinds the plan left to a person
    partly: set[str] = field(default_factory=set)  # kinds applied with a step left to a person

    def record(self, change: Change) -> None:
        self.applied.setdefault(change.kind, set()).add(change.action.value)
        self.features |= change.obj.features()
        if change.instructions:
            self.partly.add(change.kind)

    def supported_not_exercised(self) -> list[str]:
        """Capability ids the provider says it supports that no applied change needed."""
        cls = provider_class(self.provider_type)
        return sorted(f for f in cls.SUPPORTS if f not in self.features and f.partition(".")[0] in KINDS)

    def summary(self) -> str:
        kinds = ", ".join(f"{k} ({'/'.join(sorted(a))})" for k, a in sorted(self.applied.items()))
        line = f"{self.provider_type}: applied {kinds}"
        if self.partly:
            line += f"; in part: {', '.join(sorted(self.partly))}"
        if self.manual:
            line += f"; manual: {', '.join(sorted(self.manual))}"
        missing = self.supported_not_exercised()
        return line + (f"; SUPPORTED BUT NOT EXERCISED: {', '.join(missing)}" if missing else "")


RUNS: list[Run] = []  # every run of the session, for the closing coverage summary


def run_steps(provider: Provider, steps: list[Step], scope: tuple[str, ...], workdir: Path) -> Run:
    """Apply every step and re-plan it; fails on a re-plan that still has changes."""
    journal = Journal(workdir / "journal.jsonl", actor="conformance")
    run = Run(provider.TYPE)
    for step in steps:
        desired = held(provider, step.objects)
        changes, orphans = plan(provider, desired, scope)
        assert not orphans, f"{step.name}: the step would orphan {orphans}"
        report = apply_changes(changes, {"p": provider}, journal)
        assert report.ok, f"{step.name}: {report.error}"
        again, _ = plan(provider, desired, scope)
        left = [c for c in again if c.action is not Action.MANUAL]
        assert left == [], f"{step.name}: re-plan not empty: " + "; ".join(
            f"{c.describe()} {c.attr_changes()}" for c in left
        )
        for change in report.applied:
            run.record(change)
        run.manual |= {c.kind for c in changes if c.action is Action.MANUAL}
        run.steps.append(step.name)
    assert verify(journal) == []
    RUNS.append(run)
    return run
