"""The audit log as one self-contained HTML page (no scripts, no links out): for an auditor's file."""

from __future__ import annotations

from html import escape
from typing import Any

from mailplan import i18n
from mailplan.i18n import _
from mailplan.render.audit_common import HEADINGS, headline, rows, sentence, summary, why

STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ccc; padding: .35em .6em; text-align: left; vertical-align: top; font-size: .92em; }
th { background: #f3f3f3; }
td.change { font-family: ui-monospace, monospace; }
tr.freeze td.change { color: #8b008b; } tr.remove td.change { color: #b00; } tr.create td.change { color: #070; }
ul { margin: 0; padding-left: 1.1em; }
"""


def render(entries: list[dict[str, Any]], person: str = "", since: str = "") -> str:
    title = _("mailplan audit log — {person}", person=person) if person else _("mailplan audit log")
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{i18n.language()}"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p>{escape(sentence(summary(entries, person, since)))}</p>",
    ]
    if entries:
        headings = "".join(f"<th>{escape(_(h))}</th>" for h in HEADINGS)
        out.append(f"<table><thead><tr><th>#</th>{headings}</tr></thead><tbody>")
        for row in rows(entries):
            details = ([why(row)] if row.reason else []) + list(row.details)
            items = "".join(f"<li>{escape(d)}</li>" for d in details)
            config = _("config {commit}", commit=row.commit)
            by = escape(row.actor) + (f"<br><small>{escape(config)}</small>" if row.commit else "")
            out.append(
                f'<tr class="{escape(row.action)}"><td>{row.seq}</td><td>{escape(row.time)}</td>'
                f'<td class="change">{escape(headline(row))}<br><small>{escape(row.provider)}</small></td>'
                f"<td>{by}</td><td><ul>{items}</ul></td><td>{escape(row.answer)}</td></tr>"
            )
        out.append("</tbody></table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
