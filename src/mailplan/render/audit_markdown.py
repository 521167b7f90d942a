"""The audit log as a Markdown table (for a ticket, a pull request, an auditor's report)."""

from __future__ import annotations

from typing import Any

from mailplan.i18n import _
from mailplan.render.audit_common import HEADINGS, headline, rows, sentence, summary, why


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(entries: list[dict[str, Any]], person: str = "", since: str = "") -> str:
    out = ["## " + _("Audit log"), "", sentence(summary(entries, person, since)), ""]
    if not entries:
        return "\n".join(out)
    out += ["| # | " + " | ".join(_cell(_(h)) for h in HEADINGS) + " |", "|---|" + "---|" * len(HEADINGS)]
    for row in rows(entries):
        details = "<br>".join(_cell(d) for d in ((why(row),) if row.reason else ()) + row.details)
        by = _("{actor} (config {commit})", actor=row.actor, commit=row.commit) if row.commit else row.actor
        out.append(
            f"| {row.seq} | {row.time} | `{_cell(headline(row))}` ({_cell(row.provider)}) | {_cell(by)} "
            f"| {details} | {_cell(row.answer)} |"
        )
    return "\n".join(out) + "\n"
