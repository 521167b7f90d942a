"""The audit log as a Markdown table (for a ticket, a pull request, an auditor's report)."""

from __future__ import annotations

from typing import Any

from mailplan.render.audit_common import headline, rows, summary


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(entries: list[dict[str, Any]], person: str = "", since: str = "") -> str:
    out = ["## Audit log", "", summary(entries, person, since) + ".", ""]
    if not entries:
        return "\n".join(out)
    out += ["| # | when (UTC) | change | by | details | provider's answer |", "|---|---|---|---|---|---|"]
    for row in rows(entries):
        details = "<br>".join(_cell(d) for d in ((f"why: {row.reason}",) if row.reason else ()) + row.details)
        by = row.actor + (f" (config {row.commit})" if row.commit else "")
        out.append(
            f"| {row.seq} | {row.time} | `{_cell(headline(row))}` ({_cell(row.provider)}) | {_cell(by)} "
            f"| {details} | {_cell(row.answer)} |"
        )
    return "\n".join(out) + "\n"
