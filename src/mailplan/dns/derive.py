"""Derive the DNS records one mail domain needs, as ``Record`` objects mailplan owns.

Value formats (what every DNS provider reads back and compares):
- names relative to ``facts.zone`` ("@" = apex), lower-case A-labels;
- MX ``"<pref> <host>."``, null MX ``"0 ."``; CNAME ``"<target>."`` (absolute, trailing dot);
- TXT one logical string, unquoted (the DNS provider splits it into ≤255-byte strings on write).
Ownership: the apex SPF value is tagged ``v=spf1`` (other apex TXT stay untouched);
every other record is owned whole (tag ``""``).
"""

from __future__ import annotations

import dataclasses

from mailplan import notes
from mailplan.dns import dmarc, mtasts, spf
from mailplan.dns.facts import MailDomainFacts
from mailplan.dns.templates import OwnedRecord, ProviderRecords, TemplateError, template_for
from mailplan.errors import ConfigError, Problem
from mailplan.i18n import N_, Msg, plural_msg
from mailplan.model.objects import Record

SPF_TAG = "v=spf1"
PARKED_SPF = "v=spf1 -all"
NULL_MX = "0 ."


def mail_records(facts: MailDomainFacts, resolver: spf.Resolver | None = None) -> list[Record]:
    """Every record ``facts.domain`` needs, sorted by (name, rtype).

    A domain that sends no mail gets ``v=spf1 -all`` and DMARC reject; one that
    receives none (a parked domain) also gets the null MX instead of the provider's.

    ``resolver`` (off by default) lets SPF lookups be counted through nested
    includes; without it only the record's own terms are counted.
    Raises ``ConfigError`` for an SPF record that cannot work, ``TemplateError``
    for an unknown provider type or a missing provider input.
    """
    out = _Builder(facts)
    receives = facts.sends_mail if facts.receives_mail is None else facts.receives_mail
    provider = template_for(facts.mail_provider_type).build(facts) if facts.sends_mail or receives else None
    if provider is not None and receives:
        out.add("@", "MX", *(f"{pref} {host.rstrip('.')}." for pref, host in provider.mx))
        if facts.mta_sts_mode is not None:
            out.add("_mta-sts", "TXT", mtasts.sts_txt(mta_sts_policy(facts, provider)))
        if facts.tls_rpt_rua:
            out.add("_smtp._tls", "TXT", mtasts.tlsrpt_txt(facts.tls_rpt_rua))
    else:
        out.add("@", "MX", NULL_MX)  # RFC 7505: this domain accepts no mail
    if provider is not None and facts.sends_mail:
        out.add("@", "TXT", _spf_record(facts, provider, resolver), tag=SPF_TAG)
        for owned in provider.owned:
            out.add(owned.name, owned.rtype, _absolute(owned))
        out.add("_dmarc", "TXT", _dmarc(facts, facts.dmarc_policy, facts.dmarc_subdomain_policy))
    else:
        # Nothing may be sent in this domain's name (M3AAWG parked-domain practice).
        out.add("@", "TXT", PARKED_SPF, tag=SPF_TAG)
        out.add("_dmarc", "TXT", _dmarc(facts, "reject", "reject"))
    for sender in sorted(set(facts.dmarc_report_for)):
        out.add(dmarc.authorisation_name(sender), "TXT", "v=DMARC1")
    return storable(out.records(), facts.mx_preference_min, facts.dns_provider_type, facts)


def storable(
    records: list[Record], minimum: int, dns_provider_type: str, facts: MailDomainFacts | None = None
) -> list[Record]:
    """``records`` as the DNS provider can hold them, so that a re-plan compares like with like.

    An API whose MX preferences start at 1 (Alibaba Cloud DNS, DNSPod) cannot hold Microsoft 365's
    ``MX 0``: the preference is raised to 1 where that keeps the order of the MX set (one host
    always does), and a note says so. The null MX ``0 .`` is left as it is: providers that cannot
    hold it do not declare ``record.MX.null``, and the config is refused before anything is read.
    """
    return [_raise_mx(r, minimum, dns_provider_type, facts) if r.rtype == "MX" and minimum else r for r in records]


def _raise_mx(record: Record, minimum: int, provider_type: str, facts: MailDomainFacts | None) -> Record:
    pairs = [(int(pref), host) for pref, _, host in (v.partition(" ") for v in record.values)]
    if all(p >= minimum for p, _ in pairs) or any(h == "." for _, h in pairs):
        return record
    raised = [(max(p, minimum), h) for p, h in pairs]
    kept = all((a[0] < b[0]) == (c[0] < d[0]) and (a[0] == b[0]) == (c[0] == d[0])
               for a, c in zip(pairs, raised, strict=True) for b, d in zip(pairs, raised, strict=True))
    if not kept:
        shown = " | ".join(record.values)
        raise ConfigError([Problem(
            Msg("domain {domain}: {provider} accepts MX preferences from {minimum} only, and raising {values} to "
                "that would change which host is tried first",
                domain=record.fqdn, provider=provider_type, minimum=minimum, values=shown),
            facts.location if facts else None, Msg("serve this zone from a DNS provider that accepts preference 0"),
        )])  # fmt: skip
    values = tuple(sorted(f"{p} {h}" for p, h in raised))
    published = [Msg("'MX {old} {host}' is published as 'MX {new} {host}'", old=p, new=minimum, host=h)
                 for p, h in pairs if p < minimum]  # fmt: skip
    notes.note(Msg(
        "domain {domain}: {provider} accepts MX preferences from {minimum} only, so {changed}; the MX hosts keep "
        "their order, so senders try them as the mail provider intends",
        domain=record.fqdn, provider=provider_type, minimum=minimum, changed=both(published),
    ))  # fmt: skip
    return dataclasses.replace(record, values=values)


def both(parts: list[Msg]) -> Msg:
    """``a and b and c``, each part translated where it is shown."""
    joined = parts[-1]
    for part in reversed(parts[:-1]):
        joined = Msg("{first} and {rest}", first=part, rest=joined)
    return joined


def mta_sts_policy(facts: MailDomainFacts, provider: ProviderRecords | None = None) -> str:
    """The policy file to host at ``https://mta-sts.<domain>/.well-known/mta-sts.txt``."""
    if facts.mta_sts_mode is None:
        raise TemplateError(Msg("domain {domain} has no MTA-STS policy configured", domain=facts.domain))
    if provider is None:
        provider = template_for(facts.mail_provider_type).build(facts)
    mx = facts.mta_sts_mx or tuple(host.rstrip(".") for _, host in provider.mx)
    try:
        return mtasts.policy_text(facts.mta_sts_mode, mx, facts.mta_sts_max_age)
    except ValueError as exc:
        raise ConfigError([_domain_problem(facts, exc)]) from None


def _domain_problem(facts: MailDomainFacts, exc: ValueError) -> Problem:
    """What a record builder refused, after the domain's name (its ``Msg`` kept, so that it is shown translated)."""
    said = exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], str) else str(exc)
    return Problem(Msg("domain {domain}: {error}", domain=facts.domain, error=said), facts.location)


class _Builder:
    def __init__(self, facts: MailDomainFacts) -> None:
        self.facts = facts
        self._records: dict[tuple[str, str, str], Record] = {}

    def add(self, name: str, rtype: str, *values: str, tag: str = "") -> None:
        zone_name = _relative(name, self.facts.domain, self.facts.zone)
        key = (zone_name, rtype, tag)
        if key in self._records:  # two sources for one rrset: merge (never two rrsets for one name)
            values = (*self._records[key].values, *values)
        self._records[key] = Record(
            zone=self.facts.zone, name=zone_name, rtype=rtype, tag=tag, ttl=self.facts.ttl,
            values=tuple(sorted(set(values))),
        )

    def records(self) -> list[Record]:
        return [self._records[k] for k in sorted(self._records)]


def _relative(name: str, domain: str, zone: str) -> str:
    """``name`` (relative to the mail domain) made relative to the zone."""
    if domain == zone:
        sub = ""
    elif domain.endswith("." + zone):
        sub = domain[: -len(zone) - 1]
    else:
        raise TemplateError(Msg("mail domain {domain} is not inside DNS zone {zone}", domain=domain, zone=zone))
    if name == "@":
        return sub or "@"
    return f"{name}.{sub}" if sub else name


def _absolute(record: OwnedRecord) -> str:
    if record.rtype in ("CNAME", "MX", "NS", "PTR") or record.rtype == "SRV":
        return record.value.rstrip(".") + "."
    return record.value


def _dmarc(facts: MailDomainFacts, policy: str, subdomain_policy: str | None) -> str:
    try:
        return dmarc.build(policy, subdomain_policy, facts.dmarc_rua, facts.dmarc_ruf, facts.dmarc_pct)
    except ValueError as exc:
        raise ConfigError([_domain_problem(facts, exc)]) from None


def _spf_record(facts: MailDomainFacts, provider: ProviderRecords, resolver: spf.Resolver | None) -> str:
    try:
        record = spf.compose([provider.spf, facts.spf_extra], facts.spf_all)
    except spf.SpfCompositionError as exc:
        raise ConfigError([_spf_problem(facts, exc.args[0] if len(exc.args) == 1 else str(exc))]) from None
    count = spf.count_lookups(record, facts.domain, resolver)
    _note_lower_bound(facts, count)
    problems = [_spf_problem(facts, p) for p in count.problems()]
    if count.total > spf.MAX_LOOKUPS:
        problems.append(_too_many_lookups(facts, count))
    if count.voids > spf.MAX_VOID_LOOKUPS:
        problems.append(Problem(
            plural_msg("domain {domain}: SPF makes {count} void DNS lookup (limit {limit})",
                       "domain {domain}: SPF makes {count} void DNS lookups (limit {limit})", count.voids,
                       domain=facts.domain, limit=spf.MAX_VOID_LOOKUPS),
            facts.location, Msg("remove includes of names that no longer publish SPF"),
        ))  # fmt: skip
    if len(record.encode()) > 512:
        problems.append(Problem(
            Msg("domain {domain}: SPF record is {size} bytes (over 512, RFC 7208 §3.4)", domain=facts.domain,
                size=len(record.encode())),
            facts.location, Msg("use fewer ip4:/ip6: terms or a vendor include"),
        ))  # fmt: skip
    if problems:
        raise ConfigError(problems)
    return record


def _spf_problem(facts: MailDomainFacts, error: str) -> Problem:
    return Problem(Msg("domain {domain}: SPF: {error}", domain=facts.domain, error=error), facts.location)


def _note_lower_bound(facts: MailDomainFacts, count: spf.Count) -> None:
    """Say so when includes were not followed: their own lookups are missing from the count."""
    by_reason: dict[str, list[str]] = {}
    for node in count.unresolved:
        if node.unresolved is not None and node.term.lower().lstrip("+-~?").startswith(("include:", "redirect=")):
            by_reason.setdefault(node.unresolved.reason, []).append(node.term)
    for reason, terms in by_reason.items():
        shown = ", ".join(terms)
        notes.note(plural_msg(
            "domain {domain}: SPF needs at least {total} of the {limit} DNS lookups allowed; this is a lower bound, "
            "since {terms} was not followed ({reason})",
            "domain {domain}: SPF needs at least {total} of the {limit} DNS lookups allowed; this is a lower bound, "
            "since {terms} were not followed ({reason})",
            len(terms), domain=facts.domain, total=count.total, limit=spf.MAX_LOOKUPS, terms=shown, reason=reason,
        ))  # fmt: skip


def _too_many_lookups(facts: MailDomainFacts, count: spf.Count) -> Problem:
    extras = {t.lower() for t in facts.spf_extra}
    droppable = sorted((n for n in count.nodes if n.term.lower() in extras), key=lambda n: -n.total)
    over = count.total - spf.MAX_LOOKUPS
    drop: list[Msg] = []
    for node in droppable:  # the fewest extra senders whose removal gets under the limit
        if over <= 0:
            break
        drop.append(Msg("{term} ({lookups})", term=node.term, lookups=node.total))
        over -= node.total
    if drop and over <= 0:
        terms = ", ".join(drop)
        hint = Msg("drop {terms}, or replace them with the sender's ip4:/ip6: ranges (mailplan does not flatten "
                   "includes)", terms=terms)  # fmt: skip
    else:
        hint = Msg(_NO_ROOM)
    chains = count.describe()
    template = _TOO_MANY if count.complete else _TOO_MANY_AT_LEAST
    return Problem(Msg(template, domain=facts.domain, total=count.total, limit=spf.MAX_LOOKUPS, chains=chains),
                   facts.location, hint)  # fmt: skip


_NO_ROOM = N_("the provider's own mechanisms already use most of the budget; send the extra senders from a "
              "subdomain (mailplan does not flatten includes)")  # fmt: skip
_TOO_MANY = N_("domain {domain}: SPF needs {total} DNS lookups, more than {limit}: {chains}")
_TOO_MANY_AT_LEAST = N_("domain {domain}: SPF needs {total} DNS lookups, more than {limit} (nested includes not "
                        "resolved; the real count is higher): {chains}")  # fmt: skip


def example_facts(provider_type: str, domain: str = "example.com", sends_mail: bool = True) -> MailDomainFacts:
    """Facts with every required input filled in, for the docs table and tests."""
    settings = {"local": {"mx_host": f"mail.{domain}"}, "microsoft-365": {"tenant": "contoso"}}
    return MailDomainFacts(
        zone=domain,
        domain=domain,
        mail_provider_type=provider_type,
        mail_settings=settings.get(provider_type, {}),
        sends_mail=sends_mail,
        dkim_public_key="MIIBIjANBg…" if provider_type == "local" else None,
        dmarc_rua=(f"dmarc@{domain}",),
    )
