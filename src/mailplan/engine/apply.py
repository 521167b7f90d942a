"""Apply a plan: one change at a time, each journaled before the provider is asked (its intent) and
as soon as the provider answers (its outcome).

A failed change does not stop the run: every change that does not depend on it
(``engine/depends.py``) is still made, what does depend on it is skipped, and the
report names every failure (the command exits 1). One person's failed auto-reply
never keeps another person — or the same person — from being frozen. The next
``plan`` reads the live state again and finishes exactly what is left, because
every change is idempotent and a create adopts what already exists.

Only a journal that cannot take an entry stops the run at once: a change made
but not on record must not be followed by more of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from mailplan.engine.depends import dependencies
from mailplan.engine.diff import mailbox_of
from mailplan.engine.gate import needs_allow_delete
from mailplan.engine.journal import Journal, Unrecorded, journaled
from mailplan.model.change import Action, Change
from mailplan.model.objects import Mailbox
from mailplan.providers.base import Provider, ProviderError
from mailplan.providers.redact import redact

# (index, total, change, status): status is "ok", "failed", "manual", "held back" or "skipped: <why>"
Progress = Callable[[int, int, Change, str], None]


@dataclass(frozen=True)
class Failure:
    change: Change | None  # None: the provider's ``finish`` (batched writes, waiting for them to show) failed
    provider: str
    error: str

    def describe(self) -> str:
        what = self.change.describe() if self.change else "finish the run's writes"
        return f"{what} ({self.provider}): {self.error}"


@dataclass(frozen=True)
class Skipped:
    change: Change
    waits_for: Change  # the failed (or held back) change it needs


@dataclass
class ApplyReport:
    applied: list[Change] = field(default_factory=list)
    manual: list[Change] = field(default_factory=list)
    held_back: list[Change] = field(default_factory=list)  # deletions without --allow-delete
    failures: list[Failure] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # needed a change that failed or was held back
    not_attempted: list[Change] = field(default_factory=list)  # after the journal failed: nothing more was tried

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def failed_changes(self) -> list[Change]:
        return [f.change for f in self.failures if f.change is not None]

    @property
    def error(self) -> str:
        return "; ".join(f.describe() for f in self.failures)


def apply_changes(
    changes: list[Change],
    providers: Mapping[str, Provider],
    journal: Journal,
    *,
    allow_delete: bool = False,
    progress: Progress | None = None,
) -> ApplyReport:
    report = ApplyReport()
    journal.prepare()  # before the first write: a change the journal cannot record is not made
    total = len(changes)
    # Deletions wait for --allow-delete, and the mailboxes they keep keep their rights and holds.
    held = set() if allow_delete else set(waiting_for_allow_delete(changes))
    needs = dependencies(changes, lambda name: name in providers and providers[name].FREEZE_STOPS_DELIVERY)
    not_done: dict[int, Change] = {}  # index -> the failed or held back change at the root of it
    used: set[str] = set()
    for index, change in enumerate(changes):
        status = _apply_one(index, change, needs[index], not_done, held, providers, journal, report)
        if status == "ok":
            used.add(change.provider)
        _tell(progress, index + 1, total, change, status)
        if status == "journal failed":
            report.not_attempted = changes[index + 1 :]
            return report
    _finish(used, providers, report)
    return report


def _apply_one(
    index: int,
    change: Change,
    needs: list[int],
    not_done: dict[int, Change],
    held: set[Change],
    providers: Mapping[str, Provider],
    journal: Journal,
    report: ApplyReport,
) -> str:
    """Apply one change (or account for why not); returns its progress status."""
    blocked = next((not_done[j] for j in needs if j in not_done), None)
    if blocked is not None:
        not_done[index] = blocked
        report.skipped.append(Skipped(change, blocked))
        return f"skipped: needs {blocked.describe()}, which " + ("waits" if blocked in held else "failed")
    if change.action is Action.MANUAL:
        report.manual.append(change)
        return "manual"
    if change in held:
        not_done[index] = change
        report.held_back.append(change)
        return "held back"
    try:
        # the journal's hook: intent written before the provider call, outcome after (journal.py)
        journaled(journal, change, partial(_make, providers[change.provider], change))
    except Unrecorded as exc:
        # the journal could not take it: say exactly what was done, and stop before doing more
        if exc.applied:
            report.applied.append(change)
        not_done[index] = change
        report.failures.append(Failure(change, change.provider, str(exc)))
        return "journal failed"
    except Exception as exc:  # any failure: recorded, and the run goes on with what does not need it
        not_done[index] = change
        report.failures.append(Failure(change, change.provider, _message(exc)))
        return "failed"
    report.applied.append(change)
    if change.instructions:  # applied in part (APPLIES_PARTLY): a person still has a step to do
        report.manual.append(change)
    return "ok"


def _make(provider: Provider, change: Change) -> str:
    answer = provider.apply(change)
    if change.action is Action.FREEZE:
        # its password works no more: the credentials file lists only those that do (before the outcome is
        # journaled, so a run killed in between has an open intent, which the next run settles the same way)
        provider.context.credentials.forget(change.key)
    return answer


def _finish(used: set[str], providers: Mapping[str, Provider], report: ApplyReport) -> None:
    """Let each provider that applied something complete what it batched (``Provider.finish``)."""
    for name in sorted(used):
        try:
            providers[name].finish()
        except Exception as exc:  # reported like a failed change: the command exits 1
            report.failures.append(Failure(None, name, _message(exc)))


def _message(exc: Exception) -> str:
    return redact(str(exc) if isinstance(exc, ProviderError) else f"{type(exc).__name__}: {exc}")


def _tell(progress: Progress | None, index: int, total: int, change: Change, status: str) -> None:
    if progress is not None:
        progress(index, total, change, "failed" if status == "journal failed" else status)


def waiting_for_allow_delete(changes: Sequence[Change]) -> list[Change]:
    """What an apply without ``--allow-delete`` holds back: the deletions, and the removal of the rights
    and holds on the mailboxes they keep. Proposed, not drift: only a person's flag changes them."""
    kept = {c.key for c in changes if needs_allow_delete(c) and c.kind == Mailbox.KIND}
    return [c for c in changes if needs_allow_delete(c) or (c.after is None and mailbox_of(c.before) in kept)]
