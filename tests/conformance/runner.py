"""Run scenario steps against one provider: apply each, then re-plan, which must be empty."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mailplan.engine.apply import apply_changes
from mailplan.engine.diff import diff_all
from mailplan.engine.journal import Journal
from mailplan.model.objects import MailObject
from mailplan.model.state import State
from mailplan.providers.base import CredentialSink, Provider, ProviderContext
from mailplan.providers.registry import provider_class

from .scenarios import Step


def make_provider(provider_type: str, settings: Mapping[str, Any], workdir: Path) -> Provider:
    context = ProviderContext(base_dir=workdir, credentials=CredentialSink(workdir / "credentials.txt"))
    return provider_class(provider_type)("p", settings, context)


def supported(provider: Provider, obj: MailObject) -> bool:
    return obj.features() <= type(provider).SUPPORTS


def run_steps(provider: Provider, steps: list[Step], scope: tuple[str, ...], workdir: Path) -> list[str]:
    """Apply every step; return the names of the steps run. Fails on a non-empty re-plan."""
    journal = Journal(workdir / "journal.jsonl", actor="conformance")
    ran = []
    for step in steps:
        desired = State(o for o in step.objects if supported(provider, o))
        changes, _, orphans = diff_all({"p": desired}, {"p": provider.read(scope)})
        assert not orphans, f"{step.name}: the step would orphan {orphans}"
        report = apply_changes(changes, {"p": provider}, journal)
        assert report.ok, f"{step.name}: {report.failed and report.failed.describe()} failed: {report.error}"
        again, _, _ = diff_all({"p": desired}, {"p": provider.read(scope)})
        assert again == [], f"{step.name}: re-plan not empty: " + "; ".join(
            f"{c.describe()} {c.attr_changes()}" for c in again
        )
        ran.append(step.name)
    assert journal.verify() == []
    return ran
