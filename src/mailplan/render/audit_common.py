"""What every human audit-log renderer shows of a journal entry: one row per applied change, in the
run's language. The entries themselves stay as written (English); only what is shown is translated."""

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


def rows(entries: list[dict[str, Any]]) -> list[AuditRow]:
    return [_row(e) for e in entries]


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


def summary(count: int, person: str, since: str) -> str:
    """``3 applied changes concerning 张伟 <zhangwei@…> since 2026-03-01`` in the run's language."""
    changes = ngettext("{count} applied change", "{count} applied changes", count)
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
