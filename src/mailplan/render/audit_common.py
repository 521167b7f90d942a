"""What every audit-log renderer shows of a journal entry: one row per change (its outcome, or its intent
while no outcome is recorded), and one per recovery of the journal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mailplan.render.common import fmt_change, unicode_text

# Fields of a neutral object that are its identity or its type, not what changed.
_NOT_CHANGES = frozenset({"object"})


@dataclass(frozen=True)
class AuditRow:
    seq: int
    time: str
    actor: str
    commit: str  # the config applied, for display ("" when unknown)
    provider: str
    action: str
    kind: str
    key: str  # Unicode for display
    reason: str
    answer: str
    details: tuple[str, ...]  # "attribute: before → after"
    event: str = "applied"


def shown(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries a person reads: an intent is left out once its outcome (which names it) is there."""
    answered = {e.get("intent") for e in entries if e.get("intent") is not None}
    return [e for e in entries if not (e.get("event") == "intended" and e.get("seq") in answered)]


def rows(entries: list[dict[str, Any]]) -> list[AuditRow]:
    return [_row(e) for e in shown(entries)]


def _row(entry: dict[str, Any]) -> AuditRow:
    return AuditRow(
        seq=int(entry.get("seq", 0)),
        time=str(entry.get("time", "")),
        actor=str(entry.get("actor", "")),
        commit=_config(entry),
        provider=str(entry.get("provider", "")),
        action=str(entry.get("action", "")),
        kind=str(entry.get("kind", "")),
        key=unicode_text(str(entry.get("key", ""))),
        reason=str(entry.get("reason", "")),
        answer=str(entry.get("answer", "")),
        details=tuple(_details(entry.get("before"), entry.get("after"), str(entry.get("action", "")))),
        event=str(entry.get("event") or "applied"),
    )


def _config(entry: dict[str, Any]) -> str:
    """Which config was applied: its commit, marked when the files had edits not in that commit."""
    commit = str(entry.get("config_commit") or "")[:12]
    if not entry.get("config_dirty"):
        return commit
    fingerprint = str(entry.get("config_fingerprint") or "")[:12]
    edited = f"{commit} with uncommitted edits" if commit else "uncommitted"
    return f"{edited} (fingerprint {fingerprint})" if fingerprint else edited


def _details(before: Any, after: Any, action: str) -> list[str]:
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    if action in ("create", "remove"):
        return []  # the whole object came or went; its key says which
    names = [n for n in new if n not in _NOT_CHANGES] + [n for n in old if n not in new and n not in _NOT_CHANGES]
    return [f"{n}: {fmt_change(old.get(n), new.get(n))}" for n in names if old.get(n) != new.get(n)]


# how an entry that is not a plain "applied" reads after its change
_EVENT_NOTES = {
    "intended": "intended, no outcome recorded (the run was stopped, or is still running)",
    "failed": "failed",
    "not applied": "not applied (found so after an interrupted run)",
    "partly applied": "partly applied (found so after an interrupted run)",
    "unknown": "outcome unknown (its provider left the config)",
}


def headline(row: AuditRow) -> str:
    if row.event == "recovered":
        return "journal recovered: a torn last line was moved aside"
    note = _EVENT_NOTES.get(row.event)
    return f"{row.action} {row.kind} {row.key}" + (f" — {note}" if note else "")


def summary(entries: list[dict[str, Any]], person: str, since: str) -> str:
    listed = shown(entries)
    count = sum(1 for e in listed if (e.get("event") or "applied") == "applied")
    what = f"{count} applied change{'s' if count != 1 else ''}"
    if len(listed) > count:
        what += f" and {len(listed) - count} other entr{'ies' if len(listed) - count != 1 else 'y'}"
    if person:
        what += f" concerning {person}"
    if since:
        what += f" since {since}"
    return what
