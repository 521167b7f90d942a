"""Apply a plan: one change at a time, each journaled before the provider is asked (its intent) and
as soon as the provider answers (its outcome).

On the first failure apply stops and reports what was done and what was not;
the next ``plan`` reads the live state again and finishes the rest, because
every change is idempotent and a create adopts what already exists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from mailplan.engine.diff import mailbox_of
from mailplan.engine.gate import needs_allow_delete
from mailplan.engine.journal import Journal, Unrecorded, journaled
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
            # the journal's hook: intent written before the provider call, outcome after (journal.py)
            journaled(journal, change, partial(providers[change.provider].apply, change))
        except Unrecorded as exc:
            # the journal could not take it: say exactly what was done, and stop before doing more
            if exc.applied:
                report.applied.append(change)
            report.failed, report.error = change, str(exc)
            report.not_attempted = changes[index:]
            _tell(progress, index, total, change, "failed")
            break
        except Exception as exc:  # any failure stops the run with an honest account of what was done
            error = str(exc) if isinstance(exc, ProviderError) else f"{type(exc).__name__}: {exc}"
            report.failed, report.error = change, error
            report.not_attempted = changes[index:]
            _tell(progress, index, total, change, "failed")
            break
        report.applied.append(change)
        if change.instructions:  # applied in part (APPLIES_PARTLY): a person still has a step to do
            report.manual.append(change)
        _tell(progress, index, total, change, "ok")
    return report


def _tell(progress: Progress | None, index: int, total: int, change: Change, status: str) -> None:
    if progress is not None:
        progress(index, total, change, status)


def waiting_for_allow_delete(changes: Sequence[Change]) -> list[Change]:
    """What an apply without ``--allow-delete`` holds back: the deletions, and the removal of the rights
    and holds on the mailboxes they keep. Proposed, not drift: only a person's flag changes them."""
    kept = {c.key for c in changes if needs_allow_delete(c) and c.kind == Mailbox.KIND}
    return [c for c in changes if needs_allow_delete(c) or (c.after is None and mailbox_of(c.before) in kept)]
