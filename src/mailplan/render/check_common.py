"""What the check renderers share: marks, the summary line, Unicode display of domains."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from mailplan.dns.check.model import Finding, Report, Severity
from mailplan.i18n import N_, Msg, _, localized, ngettext
from mailplan.render.common import unicode_domain, unicode_text

MARK = {"pass": "✓", "error": "✗", "warning": "!", "info": "i", "unknown": "?", "skipped": "–"}
# What a person reads for each severity: "info" is a note, in every human format (JSON keeps "info").
LABEL: dict[Severity, str] = {"error": N_("error"), "warning": N_("warning"), "info": N_("note")}
NOT_CHECKED = N_("not checked")


def mark(finding: Finding) -> str:
    if finding.undecided or finding.skipped:
        return MARK[finding.status]
    return MARK["pass"] if not finding.failed else MARK[finding.severity]


def label(finding: Finding) -> str:
    """``not checked`` for a rule that was not decided, else its severity's word."""
    return _(NOT_CHECKED) if finding.undecided or finding.skipped else _(LABEL[finding.severity])


def folded(findings: Sequence[Finding]) -> list[Finding]:
    """The findings, with the not-checked ones that share one cause (one failed lookup, one missing key)
    shown once: their rule ids joined, their titles counted. Each stands where its first rule stood.
    Titles and messages come out in the reader's language."""
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
            out.append(_shown(item))
            continue
        members = groups[item]
        first = _shown(members[0])
        if len(members) > 1:
            titles = "; ".join(localized(f.title) for f in members)
            first = dataclasses.replace(first, rule=", ".join(f.rule for f in members),
                                        title=ngettext("{count} rule: {titles}", "{count} rules: {titles}",
                                                       len(members), titles=titles))
        out.append(first)
    return out


def _shown(finding: Finding) -> Finding:
    return dataclasses.replace(finding, title=localized(finding.title), message=localized(finding.message),
                               expected=_value(finding.expected), found=_value(finding.found))


def _value(text: str) -> str:
    """An expected or found value: the words a rule wrote (``(none)``, ``2048 bits``) in the reader's language,
    a record's value as it is (never matched against the catalog's sentences)."""
    return text.localized() if isinstance(text, Msg) else text


def counted(count: int, severity: Severity) -> str:
    """``3 errors``, ``1 warning``, ``2 notes`` in the reader's language."""
    if severity == "error":
        return ngettext("{count} error", "{count} errors", count)
    if severity == "warning":
        return ngettext("{count} warning", "{count} warnings", count)
    return ngettext("{count} note", "{count} notes", count)


def summary(report: Report) -> str:
    parts = [counted(report.count("error"), "error"), counted(report.count("warning"), "warning"),
             counted(report.count("info"), "info")]
    if report.skipped:
        parts.append(_("{count} not checked (nothing to examine)", count=len(report.skipped)))
    if report.undecided:  # only when it happened: a check that could not finish says so first
        parts.insert(0, _("{count} could not be checked", count=len(report.undecided)))
    if report.cut:
        names = ", ".join(report.cut[:3]) + (", …" if len(report.cut) > 3 else "")
        seconds = f"{report.deadline:g}"
        parts.insert(0, ngettext("the {seconds} s deadline cut {count} lookup ({names})",
                                 "the {seconds} s deadline cut {count} lookups ({names})",
                                 len(report.cut), seconds=seconds, names=names))
    joined = ", ".join(parts)
    checked = len(report.domains)
    if report.nameserver:
        return ngettext("{count} domain checked via {nameserver}: {parts}",
                        "{count} domains checked via {nameserver}: {parts}",
                        checked, nameserver=report.nameserver, parts=joined)
    return ngettext("{count} domain checked: {parts}", "{count} domains checked: {parts}", checked, parts=joined)


def title(domain: str, sends: bool, receives: bool) -> str:
    shown = unicode_domain(domain)
    if shown != domain:
        shown = f"{shown} ({domain})"
    if sends and receives:
        return _("{domain} — sends and receives mail", domain=shown)
    if receives:
        return _("{domain} — receives mail, sends none", domain=shown)
    if sends:
        return _("{domain} — sends mail, receives none", domain=shown)
    return _("{domain} — parked: no mail", domain=shown)


def show(value: str) -> str:
    return unicode_text(value)
