"""The check report: per domain, one result per rule, each passed or failed with expected and found."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
Status = Literal["pass", "fail"]
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


@dataclass
class DomainReport:
    domain: str
    sends_mail: bool
    receives_mail: bool
    findings: list[Finding] = field(default_factory=list)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.failed and f.severity == severity)


@dataclass
class Report:
    domains: list[DomainReport]
    nameserver: str = ""  # "" = the system resolver

    def count(self, severity: Severity) -> int:
        return sum(d.count(severity) for d in self.domains)

    def exit_code(self, strict: bool = False) -> int:
        """0 nothing wrong, 2 errors found (or warnings too when strict)."""
        if self.count("error") or (strict and self.count("warning")):
            return 2
        return 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "nameserver": self.nameserver or None,
            "summary": {s: self.count(s) for s in SEVERITIES},
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
