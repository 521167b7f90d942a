"""What the check renderers share: marks, the summary line, Unicode display of domains."""

from __future__ import annotations

from mailplan.dns.check.model import Finding, Report
from mailplan.render.common import unicode_domain, unicode_text

MARK = {"pass": "✓", "error": "✗", "warning": "!", "info": "i", "unknown": "?"}


def mark(finding: Finding) -> str:
    if finding.undecided:
        return MARK["unknown"]
    return MARK["pass"] if not finding.failed else MARK[finding.severity]


def summary(report: Report) -> str:
    parts = [_n(report.count("error"), "error"), _n(report.count("warning"), "warning"),
             _n(report.count("info"), "note")]
    if report.undecided:  # only when it happened: a check that could not finish says so first
        parts.insert(0, f"{len(report.undecided)} could not be checked")
    checked = len(report.domains)
    where = f" via {report.nameserver}" if report.nameserver else ""
    return f"{checked} domain{'s' if checked != 1 else ''} checked{where}: " + ", ".join(parts)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def title(domain: str, sends: bool, receives: bool) -> str:
    shown = unicode_domain(domain)
    if shown != domain:
        shown = f"{shown} ({domain})"
    role = "sends and receives mail" if sends and receives else "receives mail, sends none" if receives else (
        "sends mail, receives none" if sends else "parked: no mail")
    return f"{shown} — {role}"


def show(value: str) -> str:
    return unicode_text(value)
