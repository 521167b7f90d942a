"""The rule table: each rule is a small function of a domain's ``Ctx`` registered with a stable id.

A rule yields ``Fail`` for each problem and may yield one ``Pass`` carrying what
it found; yielding nothing is a pass; yielding ``NA`` means the rule does not
apply to this domain (it is left out of the report).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from mailplan.dns.check.context import Ctx
from mailplan.dns.check.model import Severity
from mailplan.i18n import Msg

Scope = Literal["any", "sending", "receiving", "parked"]

# What a finding shows as found where nothing is published (a Msg: the reader's language in human reports)
NONE = Msg("(none)")


@dataclass(frozen=True)
class Fail:
    message: str
    expected: str = ""
    found: str = ""
    name: str = ""
    severity: Severity | None = None  # None = the rule's own


@dataclass(frozen=True)
class Pass:
    found: str = ""
    expected: str = ""
    name: str = ""


@dataclass(frozen=True)
class Skip:
    """The rule had nothing to examine here (no key at any selector, a value not known on this machine):
    it is reported as not checked, saying why, and never as passed. Unlike a failed lookup it does not
    make the check itself fail."""

    reason: str
    name: str = ""


class NotApplicable:
    pass


NA = NotApplicable()
Outcome = Fail | Pass | Skip | NotApplicable
Check = Callable[[Ctx], Iterable[Outcome]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    scope: Scope
    check: Check

    def applies(self, ctx: Ctx) -> bool:
        t = ctx.target
        return {
            "any": True,
            "sending": t.sends_mail,
            "receiving": t.receives_mail,
            "parked": not t.sends_mail,
        }[self.scope]


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: Severity, title: str, scope: Scope = "any") -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise ValueError(f"rule id {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, severity, title, scope, check)
        return check

    return register


def all_rules() -> list[Rule]:
    """Every rule, in id order (importing the rule modules registers them)."""
    from mailplan.dns.check import (  # noqa: F401
        rules_clients,
        rules_config,
        rules_dkim,
        rules_dmarc,
        rules_mx,
        rules_policy,
        rules_spf,
        rules_sts,
    )

    return [RULES[k] for k in sorted(RULES, key=_id_order)]


def _id_order(rule_id: str) -> tuple[int, str]:
    families = ["SPF", "DM", "DK", "MX", "STS", "RPT", "AD", "CFG"]
    family = rule_id.rstrip("0123456789")
    return (families.index(family) if family in families else len(families), rule_id)
