"""What every human audit-log renderer shows of a journal entry, in the run's language: one row per change
(its outcome, or its intent while no outcome is recorded), and one per recovery of the journal. The
entries themselves stay as written (English); only what is shown is translated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from mailplan import i18n
from mailplan.i18n import N_, _, ngettext
from mailplan.render.common import fmt_change, unicode_text
from mailplan.render.labels import change_name, word

# The columns of the tables (markdown, html), after "#"
HEADINGS = (N_("when (UTC)"), N_("change"), N_("by"), N_("details"), N_("provider's answer"))

# Fields of a neutral object that are its identity or its type, not what changed.
_NOT_CHANGES = frozenset({"object"})


@dataclass(frozen=True)
class AuditRow:
    seq: int
    time: str  # when, in the locale's form
    actor: str
    commit: str  # the config applied, for display ("" when unknown)
    provider: str
    action: str
    change: str  # "freeze mailbox zhangwei@…", in the run's language, the key in Unicode
    reason: str  # in the run's language
    answer: str  # the provider's answer, quoted as recorded
    details: tuple[str, ...]  # "attribute: before → after"
    event: str = "applied"


def shown(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries a person reads: an intent is left out once its outcome (which names it) is there."""
    answered = {e.get("intent") for e in entries if e.get("intent") is not None}
    return [e for e in entries if not (e.get("event") == "intended" and e.get("seq") in answered)]


def rows(entries: list[dict[str, Any]]) -> list[AuditRow]:
    return [_row(e) for e in shown(entries)]


def _row(entry: dict[str, Any]) -> AuditRow:
    action = str(entry.get("action", ""))
    return AuditRow(
        seq=int(entry.get("seq", 0)),
        time=_when(str(entry.get("time", ""))),
        actor=str(entry.get("actor", "")),
        commit=_config(entry),
        provider=str(entry.get("provider", "")),
        action=action,
        change=change_name(action, str(entry.get("kind", "")), unicode_text(str(entry.get("key", "")))),
        reason=i18n.localized(str(entry.get("reason", ""))),
        answer=str(entry.get("answer", "")),
        details=tuple(_details(entry.get("before"), entry.get("after"), action)),
        event=str(entry.get("event") or "applied"),
    )


def _when(stored: str) -> str:
    try:
        return i18n.format_datetime(dt.datetime.fromisoformat(stored))
    except ValueError:
        return stored  # shown as written: the journal is evidence, even where it is odd


def _config(entry: dict[str, Any]) -> str:
    """Which config was applied: its commit, marked when the files had edits not in that commit."""
    commit = str(entry.get("config_commit") or "")[:12]
    if not entry.get("config_dirty"):
        return commit
    fingerprint = str(entry.get("config_fingerprint") or "")[:12]
    edited = _("{commit} with uncommitted edits", commit=commit) if commit else _("uncommitted")
    return _("{edited} (fingerprint {fingerprint})", edited=edited, fingerprint=fingerprint) if fingerprint else edited


def _details(before: Any, after: Any, action: str) -> list[str]:
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    if action in ("create", "remove"):
        return []  # the whole object came or went; its key says which
    names = [n for n in new if n not in _NOT_CHANGES] + [n for n in old if n not in new and n not in _NOT_CHANGES]
    return [
        _("{attribute}: {change}", attribute=word(n), change=fmt_change(old.get(n), new.get(n)))
        for n in names
        if old.get(n) != new.get(n)
    ]


# how an entry that is not a plain "applied" reads after its change
_EVENT_NOTES = {
    "intended": N_("intended, no outcome recorded (the run was stopped, or is still running)"),
    "failed": N_("failed"),
    "not applied": N_("not applied (found so after an interrupted run)"),
    "partly applied": N_("partly applied (found so after an interrupted run)"),
    "unknown": N_("outcome unknown (its provider left the config)"),
}


def headline(row: AuditRow) -> str:
    """The change, and what became of it when it is not a plain "applied"."""
    if row.event == "recovered":
        return _("journal recovered: a torn last line was moved aside")
    note = _EVENT_NOTES.get(row.event)
    return _("{change} — {outcome}", change=row.change, outcome=_(note)) if note else row.change


def summary(entries: list[dict[str, Any]], person: str, since: str) -> str:
    """``3 applied changes concerning 张伟 <zhangwei@…> since 2026-03-01`` in the run's language."""
    listed = shown(entries)
    count = sum(1 for e in listed if (e.get("event") or "applied") == "applied")
    changes = ngettext("{count} applied change", "{count} applied changes", count)
    if len(listed) > count:
        others = ngettext("{count} other entry", "{count} other entries", len(listed) - count)
        changes = _("{changes} and {others}", changes=changes, others=others)
    day = i18n.format_date(dt.date.fromisoformat(since)) if since else ""
    if person and since:
        return _("{changes} concerning {person} since {day}", changes=changes, person=person, day=day)
    if person:
        return _("{changes} concerning {person}", changes=changes, person=person)
    if since:
        return _("{changes} since {day}", changes=changes, day=day)
    return changes


def why(row: AuditRow) -> str:
    return _("why: {reason}", reason=row.reason)


def sentence(text: str) -> str:
    # Translators: a sentence's full stop after a text already translated
    return _("{sentence}.", sentence=text)
