"""The lookups a domain's rules will make, started together so that independent names are asked at once.

A failed lookup costs its whole timeout; asked one after another, a domain whose sub-names
are dropped took a timeout per name. Started together, they cost one. The first wave needs
nothing but the domain's name; the second is read from the first's answers.
"""

from __future__ import annotations

from collections.abc import Iterator

from mailplan.dns import dmarc
from mailplan.dns.check.context import Ctx, Target
from mailplan.dns.check.dnsview import Undecided
from mailplan.dns.clients import AUTODISCOVER_SRV, SRV_SERVICES

MAIL_NAMES = ("_dmarc", "_mta-sts", "_smtp._tls")


def first_wave(target: Target) -> Iterator[tuple[str, str]]:
    d = target.domain
    yield from ((d, t) for t in ("TXT", "SOA", "MX", "SPF", "CNAME"))
    for name in MAIL_NAMES:
        yield f"{name}.{d}", "TXT"
        yield f"{name}.{d}", "CNAME"
    for service in (*dict.fromkeys(SRV_SERVICES.values()), AUTODISCOVER_SRV):
        yield f"{service}.{d}", "SRV"  # what mail clients look up (the AD rules)
    for selector in _selectors(target):
        yield f"{selector}._domainkey.{d}", "CNAME"
        yield f"{selector}._domainkey.{d}", "TXT"
    for record in target.expected:
        yield record.fqdn, record.rtype
        yield record.fqdn, "CNAME"


def second_wave(ctx: Ctx) -> Iterator[tuple[str, str]]:
    """Names read from the first answers: MX hosts, SPF include targets, report domains, the policy host."""
    try:
        for _, host in ctx.mx:
            if host != ".":
                yield from ((host.rstrip("."), t) for t in ("A", "AAAA", "CNAME"))
        parsed = ctx.spf_parsed
        for term in parsed.terms if parsed else ():
            if term.target and "%" not in term.target and term.name != "ptr":
                yield term.target, {"include": "TXT", "redirect": "TXT", "mx": "MX"}.get(term.name, "A")
        if ctx.dmarc_parsed is not None:
            for uri in [*ctx.dmarc_parsed.uris("rua"), *ctx.dmarc_parsed.uris("ruf")]:
                if (dest := dmarc.uri_domain(uri)) and dest != ctx.domain:
                    yield dest, "MX"
                    yield f"{dmarc.authorisation_name(ctx.domain)}.{dest}", "TXT"
        if ctx.get("_mta-sts", "TXT").values:
            yield from ((f"mta-sts.{ctx.domain}", t) for t in ("A", "AAAA"))
    except Undecided:
        pass  # the rules will report the lookup that failed
    yield from _srv_targets(ctx)


def _srv_targets(ctx: Ctx) -> Iterator[tuple[str, str]]:
    """The hosts the client SRV records name ("." names none)."""
    for service in (*dict.fromkeys(SRV_SERVICES.values()), AUTODISCOVER_SRV):
        try:
            values = ctx.lookup(f"{service}.{ctx.domain}", "SRV").values
        except Undecided:
            continue
        for value in values:
            if target := value.split()[-1].rstrip("."):
                yield from ((target, t) for t in ("A", "AAAA", "CNAME"))


def _selectors(target: Target) -> list[str]:
    derived = [r.fqdn.split("._domainkey.")[0] for r in target.expected if "._domainkey." in r.fqdn]
    return list(dict.fromkeys([*derived, *target.dkim_selectors]))
