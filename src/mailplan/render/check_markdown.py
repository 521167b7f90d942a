"""The check report as markdown (a CI job summary or a pull-request comment)."""

from __future__ import annotations

from mailplan.dns.check.model import Report
from mailplan.i18n import N_, _
from mailplan.render.check_common import folded, label, mark, show, summary, title


def _cell(text: str) -> str:
    return show(text).replace("|", "\\|").replace("\n", " ") if text else ""


HEADING = N_("Mail DNS check")


def render(report: Report, heading: str = HEADING) -> str:
    out = [f"# {_(heading)}", "", f"**{summary(report)}**", ""]
    columns = "| | " + " | ".join((_("rule"), _("check"), _("message"), _("expected"), _("found"))) + " |"
    for domain in report.domains:
        out += [f"## {title(domain.domain, domain.sends_mail, domain.receives_mail)}", "",
                columns, "|---|---|---|---|---|---|"]
        for f in folded(domain.findings):
            message = ""
            if f.status != "pass":
                message = _("**{label}**: {message}", label=label(f), message=_cell(f.message))
            expected = f"`{_cell(f.expected)}`" if f.expected else ""
            found = f"`{_cell(f.found)}`" if f.found else ""
            out.append(f"| {mark(f)} | {f.rule} | {f.title} | {message} | {expected} | {found} |")
        out.append("")
    return "\n".join(out)
