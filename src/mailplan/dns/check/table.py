"""The rule table of docs/dns.md, generated from the registered rules.

``python -m mailplan.dns.check.table`` prints it; a test keeps the page's copy current.
"""

from __future__ import annotations

from mailplan.dns.check.rules import all_rules

SCOPES = {"any": "any", "sending": "sending", "receiving": "receiving", "parked": "parked"}


def markdown() -> str:
    lines = ["| id | severity | checks | applies to |", "|---|---|---|---|"]
    for r in all_rules():
        lines.append(f"| {r.id} | {r.severity} | {r.title} | {SCOPES[r.scope]} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
