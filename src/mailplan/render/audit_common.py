"""What every audit-log renderer shows of a journal entry: one row per applied change."""

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


def rows(entries: list[dict[str, Any]]) -> list[AuditRow]:
    return [_row(e) for e in entries]


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


def headline(row: AuditRow) -> str:
    return f"{row.action} {row.kind} {row.key}"


def summary(count: int, person: str, since: str) -> str:
    what = f"{count} applied change{'s' if count != 1 else ''}"
    if person:
        what += f" concerning {person}"
    if since:
        what += f" since {since}"
    return what
