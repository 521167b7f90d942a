"""The audit log in a terminal: one block per applied change, oldest first."""

from __future__ import annotations

from typing import Any

from mailplan.render.audit_common import headline, rows, summary


def render(entries: list[dict[str, Any]], person: str = "", since: str = "") -> str:
    out = [summary(entries, person, since)]
    for row in rows(entries):
        commit = f", config {row.commit}" if row.commit else ""
        out.append(f"#{row.seq} {row.time}  {headline(row)}  ({row.provider})")
        out.append(f"    by {row.actor}{commit}")
        if row.reason:
            out.append(f"    why: {row.reason}")
        out += [f"    {line}" for line in row.details]
        if row.answer:
            out.append(f"    provider: {row.answer}")
    return "\n".join(out) + "\n"
