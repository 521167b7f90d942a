"""Apply a plan: one change at a time, each journaled as soon as the provider confirms it.

A provider that makes a run of changes durable at once (``Provider.BATCH``, a
database transaction) gets the run in one go; its changes are then journaled in
turn, each once it is durable. A run that fails is made again one change at a
time, so that the report names the very change that failed.

On the first failure apply stops and reports what was done and what was not;
the next ``plan`` reads the live state again and finishes the rest, because
every change is idempotent and a create adopts what already exists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from mailplan.engine.diff import mailbox_of
from mailplan.engine.gate import needs_allow_delete
from mailplan.engine.journal import Journal
from mailplan.errors import MailplanError
from mailplan.model.change import Action, Change
from mailplan.model.objects import Mailbox
from mailplan.providers.base import Provider, ProviderError

Progress = Callable[[int, int, Change, str], None]  # (index, total, change, "ok" | "failed" | "skipped")


@dataclass
class ApplyReport:
    applied: list[Change] = field(default_factory=list)
    manual: list[Change] = field(default_factory=list)
    held_back: list[Change] = field(default_factory=list)  # deletions without --allow-delete
    failed: Change | None = None
    error: str = ""
    not_attempted: list[Change] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed is None


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
    maker = _Maker(changes, providers, held)
    for index, change in enumerate(changes, start=1):
        if change.action is Action.MANUAL:
            report.manual.append(change)
            _tell(progress, index, total, change, "manual")
            continue
        if change in held:
            report.held_back.append(change)
            _tell(progress, index, total, change, "held back")
            continue
        try:
            answer = maker.make(index, change)
        except Exception as exc:  # any failure stops the run with an honest account of what was done
            error = str(exc) if isinstance(exc, ProviderError) else f"{type(exc).__name__}: {exc}"
            report.failed, report.error = change, error
            report.not_attempted = changes[index:]
            _tell(progress, index, total, change, "failed")
            break
        report.applied.append(change)
        try:
            journal.append(change, answer)
        except (OSError, MailplanError) as exc:
            # done at the provider, but not on record: say exactly that, and stop before doing more
            report.failed, report.error = change, f"applied ({answer}) but NOT written to the journal: {exc}"
            unrecorded = [changes[i - 1] for i in sorted(maker.made)]  # made in the same run as this one
            if unrecorded:
                report.error += f"; so are the {len(unrecorded)} changes made with it, listed as applied"
                report.applied += unrecorded
            report.not_attempted = changes[index + len(unrecorded) :]
            _tell(progress, index, total, change, "failed")
            break
        if change.instructions:  # applied in part (APPLIES_PARTLY): a person still has a step to do
            report.manual.append(change)
        _tell(progress, index, total, change, "ok")
    return report


class _Maker:
    """Makes each change at its provider, in runs where the provider takes them (``BATCH``)."""

    def __init__(self, changes: list[Change], providers: Mapping[str, Provider], held: set[Change]) -> None:
        self.changes, self.providers, self.held = changes, providers, held
        self.made: dict[int, str] = {}  # answers of a run already made, by index, until journaled
        self.alone_until = 0  # after a failed run its changes go one at a time

    def make(self, index: int, change: Change) -> str:
        if index not in self.made and index > self.alone_until:
            self._run_from(index, change)
        if index in self.made:
            return self.made.pop(index)
        return self.providers[change.provider].apply(change)

    def _run_from(self, index: int, first: Change) -> None:
        provider = self.providers[first.provider]
        run = [first]
        for change in self.changes[index : index - 1 + provider.BATCH]:
            if change.provider != first.provider or change.action is Action.MANUAL or change in self.held:
                break
            run.append(change)
        if len(run) < 2:
            return
        try:
            answers = provider.apply_batch(run)
        except Exception:  # none of the run was made
            self.alone_until = index + len(run) - 1
            return
        self.made.update(zip(range(index, index + len(run)), answers, strict=True))


def _tell(progress: Progress | None, index: int, total: int, change: Change, status: str) -> None:
    if progress is not None:
        progress(index, total, change, status)


def waiting_for_allow_delete(changes: Sequence[Change]) -> list[Change]:
    """What an apply without ``--allow-delete`` holds back: the deletions, and the removal of the rights
    and holds on the mailboxes they keep. Proposed, not drift: only a person's flag changes them."""
    kept = {c.key for c in changes if needs_allow_delete(c) and c.kind == Mailbox.KIND}
    return [c for c in changes if needs_allow_delete(c) or (c.after is None and mailbox_of(c.before) in kept)]
