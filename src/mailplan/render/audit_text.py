"""The audit log in a terminal: one block per applied change, oldest first."""

from __future__ import annotations

from typing import Any

from mailplan.i18n import _
from mailplan.render.audit_common import headline, rows, summary, why


def render(entries: list[dict[str, Any]], person: str = "", since: str = "") -> str:
    out = [summary(entries, person, since)]
    for row in rows(entries):
        out.append(_("#{seq} {time}  {change}  ({provider})", seq=row.seq, time=row.time, change=headline(row),
                     provider=row.provider))  # fmt: skip
        if row.commit:
            out.append("    " + _("by {actor}, config {commit}", actor=row.actor, commit=row.commit))
        else:
            out.append("    " + _("by {actor}", actor=row.actor))
        if row.reason:
            out.append("    " + why(row))
        out += [f"    {line}" for line in row.details]
        if row.answer:
            out.append("    " + _("provider: {answer}", answer=row.answer))
    return "\n".join(out) + "\n"
