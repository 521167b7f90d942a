"""Apply a plan: one change at a time, each journaled before the provider is asked (its intent) and
as soon as the provider answers (its outcome).

A failed change does not stop the run: every change that does not depend on it
(``engine/depends.py``) is still made, what does depend on it is skipped, and the
report names every failure (the command exits 1). One person's failed auto-reply
never keeps another person — or the same person — from being frozen. The next
``plan`` reads the live state again and finishes exactly what is left, because
every change is idempotent and a create adopts what already exists.

A provider that makes a batch of changes durable at once (``Provider.BATCH``: the local
backend's database transaction) is handed consecutive changes together, up to its batch size and
only while none of them waits for a change that failed or was held back. The batch's intents are
journaled (in one durable write) before it is handed over, its outcomes once it is committed, so a
run killed anywhere leaves what a killed single change leaves: nothing, or intents the next run
reconciles. A batch that fails is journaled so and made again one change at a time: each failure is
named, and only what depends on it is skipped.

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
from mailplan.engine.journal import Journal, Unrecorded, journaled_all
from mailplan.i18n import Msg
from mailplan.model.change import Action, Change
from mailplan.model.objects import Mailbox
from mailplan.providers.base import Provider, ProviderError
from mailplan.providers.redact import redact
from mailplan.render import labels

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
    index = 0
    while index < total:
        batch = _batch_at(index, changes, needs, not_done, held, providers)
        statuses = _apply_batch([changes[i] for i in batch], providers, journal, report) if len(batch) > 1 else []
        if not statuses:  # one change, or a batch that failed and was journaled so: one at a time
            for i in batch:
                statuses.append(_apply_one(i, changes[i], needs[i], not_done, held, providers, journal, report))
                if statuses[-1] == "journal failed":
                    break
        for i, status in zip(batch, statuses, strict=False):  # fewer statuses: the journal failed
            if status == "ok":
                used.add(changes[i].provider)
            _tell(progress, i + 1, total, changes[i], status)
        if "journal failed" in statuses:
            report.not_attempted = changes[batch[len(statuses) - 1] + 1 :]
            return report
        index = batch[-1] + 1
    _finish(used, providers, report)
    return report


def _batch_at(
    index: int,
    changes: list[Change],
    needs: list[list[int]],
    not_done: dict[int, Change],
    held: set[Change],
    providers: Mapping[str, Provider],
) -> list[int]:
    """The indexes of the changes from ``index`` on that their provider makes in one batch: consecutive,
    of that provider, each of its own object, none manual, held back or waiting for a change not done.
    Just ``[index]`` when that is one change, or the provider takes one at a time."""
    first = changes[index]
    provider = providers.get(first.provider)
    size = provider.BATCH if provider is not None else 1
    batch: list[int] = []
    objects: set[tuple[str, str]] = set()  # one change per object: a killed batch's intents are judged apart
    for i in range(index, min(index + size, len(changes))):
        change = changes[i]
        if change.provider != first.provider or change.action is Action.MANUAL or change in held:
            break
        if change.obj.ident in objects or any(j in not_done for j in needs[i]):
            break
        objects.add(change.obj.ident)
        batch.append(i)
    return batch if len(batch) > 1 else [index]


def _apply_batch(
    changes: list[Change], providers: Mapping[str, Provider], journal: Journal, report: ApplyReport
) -> list[str]:
    """Make ``changes`` in one go. Their progress statuses; none when the batch failed and was journaled
    so: the caller makes them one at a time, so that each failure is named and skips only what needs it."""
    first = changes[0]
    try:
        journaled_all(journal, changes, partial(_make, providers[first.provider], changes))
    except Unrecorded as exc:
        if not exc.applied:  # nothing was asked: the first is reported, the others were not attempted
            report.failures.append(Failure(first, first.provider, str(exc)))
            return ["journal failed"]
        # all of them made, none on record: the next run finds them done (journal_reconcile.py)
        report.applied += changes
        others = f"; so are the {len(changes) - 1} other changes made with it, listed as applied"
        report.failures.append(Failure(first, first.provider, str(exc) + others))
        return ["journal failed"] * len(changes)
    except Exception:
        return []
    report.applied += changes
    report.manual += [c for c in changes if c.instructions]  # applied in part: a person has a step to do
    return ["ok"] * len(changes)


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
        need = labels.change_msg(blocked.action.value, blocked.kind, blocked.key)
        if blocked in held:
            return Msg("skipped: needs {change}, which waits", change=need)
        return Msg("skipped: needs {change}, which failed", change=need)
    if change.action is Action.MANUAL:
        report.manual.append(change)
        return "manual"
    if change in held:
        not_done[index] = change
        report.held_back.append(change)
        return "held back"
    try:
        # the journal's hook: intent written before the provider call, outcome after (journal.py)
        journaled_all(journal, [change], partial(_make, providers[change.provider], [change]))
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


def _make(provider: Provider, changes: list[Change]) -> list[str]:
    answers = provider.apply_batch(changes) if len(changes) > 1 else [provider.apply(changes[0])]
    for change in changes:
        if change.action is Action.FREEZE:
            # its password works no more: the credentials file lists only those that do (before the outcome
            # is journaled, so a run killed in between has an open intent, which the next run settles the
            # same way)
            provider.context.credentials.forget(change.key)
    return answers


def _finish(used: set[str], providers: Mapping[str, Provider], report: ApplyReport) -> None:
    """Let each provider that applied something complete what it batched (``Provider.finish``)."""
    for name in sorted(used):
        try:
            providers[name].finish()
        except Exception as exc:  # reported like a failed change: the command exits 1
            report.failures.append(Failure(None, name, _message(exc)))


def _message(exc: Exception) -> str:
    if not isinstance(exc, ProviderError):
        return redact(f"{type(exc).__name__}: {exc}")
    said = exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], Msg) else str(exc)
    return redact(said)  # a Msg stays one: the journal gets the English, the reader their language


def _tell(progress: Progress | None, index: int, total: int, change: Change, status: str) -> None:
    if progress is not None:
        progress(index, total, change, "failed" if status == "journal failed" else status)


def waiting_for_allow_delete(changes: Sequence[Change]) -> list[Change]:
    """What an apply without ``--allow-delete`` holds back: the deletions, and the removal of the rights
    and holds on the mailboxes they keep. Proposed, not drift: only a person's flag changes them."""
    kept = {c.key for c in changes if needs_allow_delete(c) and c.kind == Mailbox.KIND}
    return [c for c in changes if needs_allow_delete(c) or (c.after is None and mailbox_of(c.before) in kept)]
