"""The check report as markdown (a CI job summary or a pull-request comment)."""

from __future__ import annotations

from mailplan.dns.check.model import Report
from mailplan.render.check_common import folded, label, mark, show, summary, title


def _cell(text: str) -> str:
    return show(text).replace("|", "\\|").replace("\n", " ") if text else ""


def render(report: Report, heading: str = "Mail DNS check") -> str:
    out = [f"# {heading}", "", f"**{summary(report)}**", ""]
    for domain in report.domains:
        out += [f"## {title(domain.domain, domain.sends_mail, domain.receives_mail)}", "",
                "| | rule | check | message | expected | found |", "|---|---|---|---|---|---|"]
        for f in folded(domain.findings):
            message = f"**{label(f)}**: {_cell(f.message)}" if f.status != "pass" else ""
            expected = f"`{_cell(f.expected)}`" if f.expected else ""
            found = f"`{_cell(f.found)}`" if f.found else ""
            out.append(f"| {mark(f)} | {f.rule} | {f.title} | {message} | {expected} | {found} |")
        out.append("")
    return "\n".join(out)
