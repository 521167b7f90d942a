"""The check report as plain text (colored on a terminal)."""

from __future__ import annotations

import typer

from mailplan.dns.check.model import Report
from mailplan.i18n import _, ngettext
from mailplan.render.check_common import folded, label, mark, show, summary, title

COLORS = {"error": "red", "warning": "yellow", "info": "blue"}


def render(report: Report, color: bool = False, passes: bool = False) -> str:
    """Failures with expected/found; passed rules only counted unless ``passes``."""
    lines: list[str] = []
    for domain in report.domains:
        lines.append(title(domain.domain, domain.sends_mail, domain.receives_mail))
        for f in folded(domain.findings):
            if f.status == "pass" and not passes:
                continue
            # one line for the rules one cause left unchecked: their ids say enough
            head = f"  {mark(f)} {f.rule}" if "," in f.rule else f"  {mark(f)} {f.rule:<5} {f.title}"
            if f.undecided or f.skipped:
                head += " " + _("[not checked]: {message}", message=show(f.message))
                if color:
                    head = typer.style(head, fg="magenta")
            elif f.failed:
                head += " " + _("[{label}]: {message}", label=label(f), message=show(f.message))
                if color:
                    head = typer.style(head, fg=COLORS[f.severity])
            elif f.found:
                head += f" — {show(f.found)}"
            lines.append(head)
            if f.failed and f.expected:
                lines.append("          " + _("expected: {value}", value=show(f.expected)))
            if f.failed and f.found:
                lines.append("          " + _("found:    {value}", value=show(f.found)))
        if not passes:
            passed = sum(1 for f in domain.findings if f.status == "pass")
            lines.append("  ✓ " + ngettext("{count} check passed", "{count} checks passed", passed))
        lines.append("")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"
