"""The check report: per domain, one result per rule, each passed or failed with expected and found."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
# unknown: a lookup (or the MTA-STS fetch) the rule needs got no answer, or the run's deadline cut it;
# skipped: the rule had nothing to examine or compare with (no key at any selector, a key not known here)
Status = Literal["pass", "fail", "unknown", "skipped"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    rule: str  # stable id, e.g. "SPF03"
    title: str  # what the rule checks
    status: Status
    severity: Severity  # of a failure; a pass keeps the rule's severity for reference
    message: str = ""
    name: str = ""  # the DNS name concerned
    expected: str = ""
    found: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "fail"

    @property
    def undecided(self) -> bool:
        """The rule could not be checked: a lookup failed (SERVFAIL, REFUSED, timeout); ``name`` is the query."""
        return self.status == "unknown"

    @property
    def skipped(self) -> bool:
        """The rule looked at nothing: reported as not checked, with why, but the check itself finished."""
        return self.status == "skipped"


@dataclass
class DomainReport:
    domain: str
    sends_mail: bool
    receives_mail: bool
    findings: list[Finding] = field(default_factory=list)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.failed and f.severity == severity)

    @property
    def undecided(self) -> list[Finding]:
        return [f for f in self.findings if f.undecided]

    @property
    def skipped(self) -> list[Finding]:
        return [f for f in self.findings if f.skipped]


@dataclass
class Report:
    domains: list[DomainReport]
    nameserver: str = ""  # "" = the system resolver
    deadline: float | None = None  # seconds the run was allowed (--timeout)
    cut: list[str] = field(default_factory=list)  # the lookups and fetches the deadline cut, each once

    def count(self, severity: Severity) -> int:
        return sum(d.count(severity) for d in self.domains)

    @property
    def undecided(self) -> list[Finding]:
        return [f for d in self.domains for f in d.undecided]

    @property
    def skipped(self) -> list[Finding]:
        return [f for d in self.domains for f in d.skipped]

    def failed_queries(self) -> list[str]:
        """The lookups that got no answer, each once (``TXT spf.vendor.example (REFUSED …)``)."""
        return list(dict.fromkeys(f.found for f in self.undecided))

    def exit_code(self, strict: bool = False) -> int:
        """0 nothing wrong, 2 errors found (or warnings too when strict), 1 some rule could not be decided.

        A lookup that failed is not an answer: while a rule is undecided the check itself
        has failed, whatever else it found.
        """
        if self.undecided:
            return 1
        if self.count("error") or (strict and self.count("warning")):
            return 2
        return 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "nameserver": self.nameserver or None,
            "summary": {**{s: self.count(s) for s in SEVERITIES}, "undecided": len(self.undecided),
                        "skipped": len(self.skipped)},
            "deadline": {"seconds": self.deadline, "cut": list(self.cut)},
            "domains": [
                {
                    "domain": d.domain,
                    "sends_mail": d.sends_mail,
                    "receives_mail": d.receives_mail,
                    "findings": [asdict(f) for f in d.findings],
                }
                for d in self.domains
            ],
        }
