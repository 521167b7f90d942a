"""The check report as one self-contained HTML page (inline CSS, no scripts, nothing fetched)."""

from __future__ import annotations

from html import escape

from mailplan.dns.check.model import DomainReport, Finding, Report, Severity
from mailplan.i18n import N_, _, language, localized, ngettext
from mailplan.render.check_common import counted, folded, label, mark, show, summary, title
from mailplan.render.check_markdown import HEADING

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
 margin:0;background:#f4f5f7;color:#1d2330}
header{background:#1d2330;color:#fff;padding:20px 32px}
header h1{margin:0 0 4px;font-size:22px}
.counts span{display:inline-block;margin-right:10px;padding:2px 10px;border-radius:12px;font-weight:600}
main{padding:16px 32px 40px;max-width:1400px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);margin:18px 0;overflow:hidden}
section h2{margin:0;padding:12px 18px;font-size:17px;border-bottom:1px solid #e3e6eb;display:flex;
 justify-content:space-between;gap:12px}
table{border-collapse:collapse;width:100%}
td,th{padding:7px 12px;text-align:left;vertical-align:top;border-bottom:1px solid #eef0f3}
th{font-size:12px;text-transform:uppercase;color:#6b7280;letter-spacing:.04em}
td.m{font-size:18px;width:26px;text-align:center;font-weight:700}
td.id{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:nowrap;color:#4b5563}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;word-break:break-all;
 background:#f3f4f6;padding:1px 4px;border-radius:3px}
.error{background:#fff1f1}.error td.m{color:#c62828}
.warning{background:#fff9e8}.warning td.m{color:#b26a00}
.info td.m{color:#1d5fbf}.pass td.m{color:#2e7d32}
.unknown{background:#f3effa}.unknown td.m{color:#6b3fa0}.skipped td.m{color:#6b7280}
.b-error{background:#fde2e2;color:#a11}.b-warning{background:#fff0c2;color:#7a4b00}
.b-info{background:#dde9fb;color:#1d4f9c}.b-ok{background:#dcf2df;color:#1b5e20}
.b-unknown{background:#e9e0f5;color:#4a2a7a}
.sev{font-size:12px;font-weight:700;text-transform:uppercase;margin-right:6px}
.label{color:#6b7280;font-size:12px}
details summary{cursor:pointer;padding:9px 18px;color:#2e7d32;font-weight:600;border-top:1px solid #eef0f3}
ul.toc{list-style:none;padding:0;margin:8px 0}ul.toc li{padding:3px 0}ul.toc a{color:#1d2330}
ul.toc .counts span{font-size:12px;padding:0 8px}
"""

COLUMNS = (N_("rule"), N_("check"), N_("expected"), N_("found"))
ORDER = {"error": 0, "warning": 1, "info": 2}
UNDECIDED = -1  # rules that could not be checked come first: the report is incomplete without them
SKIPPED = 3  # rules that had nothing to examine come after the failures


def _badges(errors: int, warnings: int, notes: int, undecided: int = 0) -> str:
    if not (errors or warnings or notes or undecided):
        return '<span class="b-ok">✓ ' + escape(_("all good")) + "</span>"
    parts: list[tuple[int, Severity]] = [(errors, "error"), (warnings, "warning"), (notes, "info")]
    shown = "".join(f'<span class="b-{k}">{escape(counted(n, k))}</span>' for n, k in parts if n)
    unchecked = escape(_("{count} not checked", count=undecided))
    return (f'<span class="b-unknown">{unchecked}</span>' if undecided else "") + shown


def _row(f: Finding) -> str:
    css = f.status if f.undecided or f.skipped else f.severity if f.failed else "pass"
    what = escape(localized(f.title))
    if f.status != "pass":
        what += f'<br><span class="sev">{escape(label(f))}</span>{escape(show(f.message))}'
    name = f'<br><span class="label">{escape(show(f.name))}</span>' if f.name else ""
    exp = f"<code>{escape(show(f.expected))}</code>" if f.expected else ""
    found = f"<code>{escape(show(f.found))}</code>" if f.found else ""
    return (f'<tr class="{css}"><td class="m">{mark(f)}</td><td class="id">{escape(f.rule)}</td>'
            f"<td>{what}{name}</td><td>{exp}</td><td>{found}</td></tr>")


def _table(findings: list[Finding]) -> str:
    rows = "\n".join(_row(f) for f in findings)
    heads = "".join(f"<th>{escape(_(word))}</th>" for word in COLUMNS)
    return f"<table><tr><th></th>{heads}</tr>{rows}</table>"


def _section(d: DomainReport) -> str:
    failed = sorted((f for f in folded(d.findings) if f.status != "pass"),
                    key=lambda f: (UNDECIDED if f.undecided else SKIPPED if f.skipped else ORDER[f.severity], f.rule))
    passed = [f for f in folded(d.findings) if f.status == "pass"]  # in the reader's language too
    counts = _badges(d.count("error"), d.count("warning"), d.count("info"), len(d.undecided))
    body = _table(failed) if failed else ""
    if passed:  # passes fold away so the problems are what a reader sees first
        shown = escape(ngettext("{count} check passed", "{count} checks passed", len(passed)))
        body += f"<details><summary>✓ {shown}</summary>{_table(passed)}</details>"
    return (f'<section id="{escape(d.domain)}"><h2><span>{escape(title(d.domain, d.sends_mail, d.receives_mail))}'
            f'</span><span class="counts">{counts}</span></h2>{body}</section>')


def _contents(report: Report) -> str:
    items = "".join(
        f'<li><a href="#{escape(d.domain)}">{escape(title(d.domain, d.sends_mail, d.receives_mail))}</a> '
        f'<span class="counts">{_badges(d.count("error"), d.count("warning"), d.count("info"), len(d.undecided))}'
        "</span></li>"
        for d in report.domains
    )
    return f'<ul class="toc">{items}</ul>'


def render(report: Report, heading: str = HEADING) -> str:
    heading = _(heading)
    counts = _badges(report.count("error"), report.count("warning"), report.count("info"), len(report.undecided))
    body = "\n".join(_section(d) for d in report.domains)
    return (
        f"<!DOCTYPE html>\n<html lang=\"{language()}\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        f"<title>{escape(heading)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(heading)}</h1><div>{escape(summary(report))}</div>"
        f'<div class="counts" style="margin-top:8px">{counts}</div></header>'
        f"<main>{_contents(report)}{body}</main></body></html>\n"
    )
