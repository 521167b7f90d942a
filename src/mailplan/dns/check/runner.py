"""Run the rule table over each domain and collect the report."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from mailplan.dns.check.context import Ctx, Target
from mailplan.dns.check.deadline import Deadline
from mailplan.dns.check.dnsview import CheckFailed, DnsView, Undecided
from mailplan.dns.check.model import DomainReport, Finding, Report
from mailplan.dns.check.policy_fetch import PolicyFetcher
from mailplan.dns.check.prefetch import first_wave, second_wave
from mailplan.dns.check.rules import Fail, Outcome, Pass, Rule, Skip, all_rules
from mailplan.dns.derive import NULL_MX, PARKED_SPF
from mailplan.errors import Problem
from mailplan.i18n import Msg
from mailplan.model.desired import Desired, MailDns
from mailplan.model.objects import Domain, Record

COMMON_SELECTORS = ("default", "mail", "dkim", "google", "selector1", "selector2", "s1", "s2", "k1")


PARALLEL_DOMAINS = 8


def run(targets: Sequence[Target], view: DnsView, nameserver: str = "", fetcher: PolicyFetcher | None = None,
        deadline: Deadline | None = None) -> Report:
    """Every domain checked, the domains side by side and each one's lookups started together."""
    rules = all_rules()
    view.prefetch(query for target in targets for query in first_wave(target))
    with ThreadPoolExecutor(max(1, min(PARALLEL_DOMAINS, len(targets))), thread_name_prefix="check") as pool:
        reports = list(pool.map(lambda target: check_domain(target, view, rules, fetcher), targets))
    if deadline is None:
        return Report(reports, nameserver)
    return Report(reports, nameserver, deadline.seconds, sorted(deadline.cut))


def check_domain(target: Target, view: DnsView, rules: Sequence[Rule] | None = None,
                 fetcher: PolicyFetcher | None = None) -> DomainReport:
    ctx = Ctx(target, view, fetcher)
    txt, soa = view.get(target.domain, "TXT"), view.get(target.domain, "SOA")
    if txt.error and soa.error and not (txt.cut or soa.cut):  # a cut lookup is reported with the rest
        raise CheckFailed(f"cannot query DNS for {target.domain}: {txt.error}")
    view.prefetch(second_wave(ctx))
    report = DomainReport(target.domain, target.sends_mail, target.receives_mail)
    for rule in rules if rules is not None else all_rules():
        if rule.applies(ctx):
            report.findings.extend(evaluate(rule, ctx))
    return report


def evaluate(rule: Rule, ctx: Ctx) -> list[Finding]:
    """One finding per failure; else a single pass (none when the rule does not apply).

    A lookup the rule needs that got no answer makes it undecided: the failures it had
    already established stand, but it is not reported as passed.
    """
    outcomes: list[Outcome] = []
    undecided: Undecided | None = None
    try:
        for outcome in rule.check(ctx):
            outcomes.append(outcome)
    except Undecided as exc:
        undecided = exc
    fails = [o for o in outcomes if isinstance(o, Fail)]
    found = [
        Finding(rule.id, rule.title, "fail", f.severity or rule.severity, f.message, f.name, f.expected, f.found)
        for f in fails
    ]
    if undecided is not None:
        return [*found, Finding(
            rule.id, rule.title, "unknown", rule.severity,
            Msg("the lookup {query} got no answer ({error})", query=undecided.query, error=undecided.error),
            undecided.query.partition(" ")[2], "", f"{undecided.query}: {undecided.error}",
        )]
    if found:
        return found
    passes = [o for o in outcomes if isinstance(o, Pass)]
    skips = [o for o in outcomes if isinstance(o, Skip)]
    if not passes and skips:  # it looked at nothing: not checked, never passed
        return [Finding(rule.id, rule.title, "skipped", rule.severity, skips[0].reason, skips[0].name)]
    if not passes and outcomes:  # only "not applicable"
        return []
    return [Finding(
        rule.id, rule.title, "pass", rule.severity, "",
        passes[0].name if len(passes) == 1 else "",
        _joined(list(dict.fromkeys(p.expected for p in passes if p.expected))),
        _joined([p.found for p in passes if p.found]),
    )]


def _joined(texts: list[str]) -> str:
    """``a; b; c``, each part (a ``Msg`` a rule wrote) shown in the reader's language."""
    if not texts:
        return ""
    shown = texts[-1]
    for text in reversed(texts[:-1]):
        shown = Msg("{first}; {rest}", first=text, rest=shown)
    return shown


def targets_from_desired(desired: Desired, selectors: Sequence[str] = ()) -> list[Target]:
    """Each configured domain with the records the config derives for it; ``selectors`` are looked at too."""
    domains: dict[str, Domain] = {}
    records: list[Record] = []
    for state in desired.objects.values():
        for obj in state:
            if isinstance(obj, Domain):
                domains.setdefault(obj.name, obj)
            elif isinstance(obj, Record):
                records.append(obj)
    names = sorted(domains) or sorted({r.zone for r in records})
    owned: dict[str, list[Record]] = {n: [] for n in names}
    for record in records:
        home = max((n for n in names if record.fqdn == n or record.fqdn.endswith("." + n)), key=len, default=None)
        if home is not None:
            owned[home].append(record)
    warnings = {n: tuple(w.problem for w in desired.warnings if w.domain == n) for n in names}
    return [
        _target(name, domains.get(name), tuple(owned[name]), desired.mail_dns.get(name, MailDns()), selectors,
                warnings[name])
        for name in names
    ]


def _target(name: str, domain: Domain | None, expected: tuple[Record, ...], extras: MailDns,
            selectors: Sequence[str], warnings: tuple[Problem, ...]) -> Target:
    spf = [r for r in expected if r.fqdn == name and r.tag == "v=spf1"]
    mx = [r for r in expected if r.fqdn == name and r.rtype == "MX"]
    sends = spf[0].values != (PARKED_SPF,) if spf else not (domain and domain.alias_of)
    receives = mx[0].values != (NULL_MX,) if mx else True
    return Target(name, sends, receives, expected, tuple(dict.fromkeys([*extras.dkim_selectors, *selectors])),
                  from_config=True, policy_warnings=warnings, unknown=extras.unknown,
                  mta_sts_policy=extras.mta_sts_policy)


def ad_hoc_targets(domains: Sequence[str], parked: bool, selectors: Sequence[str]) -> list[Target]:
    """Domains named on the command line: no config, so nothing to compare; common DKIM selectors tried."""
    return [
        Target(_alabel(d), sends_mail=not parked, receives_mail=not parked,
               dkim_selectors=tuple(selectors) or COMMON_SELECTORS)
        for d in domains
    ]


def _alabel(domain: str) -> str:
    return domain.strip().rstrip(".").lower().encode("idna").decode("ascii")
