"""What the check renderers share: marks, the summary line, Unicode display of domains."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from mailplan.dns.check.model import Finding, Report, Severity
from mailplan.render.common import unicode_domain, unicode_text

MARK = {"pass": "✓", "error": "✗", "warning": "!", "info": "i", "unknown": "?", "skipped": "–"}
# What a person reads for each severity: "info" is a note, in every human format (JSON keeps "info").
LABEL: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "note"}


def mark(finding: Finding) -> str:
    if finding.undecided or finding.skipped:
        return MARK[finding.status]
    return MARK["pass"] if not finding.failed else MARK[finding.severity]


def label(finding: Finding) -> str:
    """``not checked`` for a rule that was not decided, else its severity's word."""
    return "not checked" if finding.undecided or finding.skipped else LABEL[finding.severity]


def folded(findings: Sequence[Finding]) -> list[Finding]:
    """The findings, with the not-checked ones that share one cause (one failed lookup, one missing key)
    shown once: their rule ids joined, their titles counted. Each stands where its first rule stood."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    order: list[Finding | tuple[str, str]] = []
    for finding in findings:
        if finding.undecided or finding.skipped:
            key = (finding.status, finding.message)
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append(finding)
        else:
            order.append(finding)
    out = []
    for item in order:
        if isinstance(item, Finding):
            out.append(item)
            continue
        members = groups[item]
        first = members[0]
        if len(members) > 1:
            first = dataclasses.replace(first, rule=", ".join(f.rule for f in members),
                                        title=f"{len(members)} rules: " + "; ".join(f.title for f in members))
        out.append(first)
    return out


def summary(report: Report) -> str:
    parts = [_n(report.count("error"), "error"), _n(report.count("warning"), "warning"),
             _n(report.count("info"), "note")]
    if report.skipped:
        parts.append(f"{len(report.skipped)} not checked (nothing to examine)")
    if report.undecided:  # only when it happened: a check that could not finish says so first
        parts.insert(0, f"{len(report.undecided)} could not be checked")
    if report.cut:
        parts.insert(0, f"the {report.deadline:g} s deadline cut {_n(len(report.cut), 'lookup')} "
                        f"({', '.join(report.cut[:3])}{', …' if len(report.cut) > 3 else ''})")
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
