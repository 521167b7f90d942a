"""Live DNS compared with what the config derives. One comparison serves every family's rule:
SPF16 (the SPF value), MX06 (the MX set), DK01 (DKIM selectors), AD01 (autodiscover), CFG01 (the rest).
AD02 looks at the same names for CNAMEs that leave no room for the records there."""

from __future__ import annotations

from collections.abc import Iterator

from mailplan.dns.check.context import Ctx
from mailplan.dns.check.rules import NA, NONE, Fail, Outcome, Pass, rule
from mailplan.dns.clients import CLIENT_NAMES
from mailplan.dns.equality import same_values
from mailplan.i18n import N_, Msg, plural_msg
from mailplan.model.objects import Record


def live_values(ctx: Ctx, record: Record) -> tuple[str, ...]:
    """The live values of the part of the rrset mailplan owns (for a tag: only the values it tags)."""
    answer = ctx.lookup(record.fqdn, record.rtype)
    values = answer.values
    if record.tag:
        values = tuple(v for v in values if v.lower().startswith(record.tag.lower()))
    return tuple(sorted(values))


def compare(ctx: Ctx, record: Record) -> Fail | Pass:
    found = live_values(ctx, record)
    name = record.fqdn
    shown = f"{record.rtype} " + " | ".join(record.values)
    if same_values(record.rtype, found, record.values):
        if record.rtype != "TXT" or sorted(found) == sorted(record.values):
            return Pass(" | ".join(found), shown, name)
        return Fail(Msg("{name} {rtype} says what the config derives, written differently (tag order, case, "
                        "spacing or separators); nothing to change", name=name, rtype=record.rtype),
                    shown, f"{record.rtype} " + " | ".join(found), name,
                    severity="info")
    answer = ctx.lookup(record.fqdn, record.rtype)
    if not found and answer.loop:
        via = " → ".join(answer.via)
        return Fail(Msg("{name} is a CNAME loop ({via} → back): the zone holds no {rtype} there; fix the CNAMEs",
                        name=name, via=via, rtype=record.rtype), shown, Msg("CNAME loop"), name)
    if not found:
        return Fail(Msg("{name} {rtype} is missing (run mailplan apply)", name=name, rtype=record.rtype), shown,
                    NONE, name)
    return Fail(Msg("{name} {rtype} differs from what the config derives (changed by hand, or not applied)",
                    name=name, rtype=record.rtype),
                shown, f"{record.rtype} " + " | ".join(found), name)


def _family(ctx: Ctx, record: Record) -> str:
    if record.tag == "v=spf1":
        return "SPF16"
    if record.rtype == "MX" and record.fqdn == ctx.domain:
        return "MX06"
    if record.fqdn.endswith(f"._domainkey.{ctx.domain}"):
        return "DK01"
    if record.fqdn.startswith(tuple(f"{n}." for n in CLIENT_NAMES)):
        return "AD01"
    return "CFG01"


def _compare_family(ctx: Ctx, family: str) -> Iterator[Outcome]:
    records = [r for r in ctx.target.expected if _family(ctx, r) == family]
    if not records:
        yield NA
    for record in records:
        yield compare(ctx, record)


@rule("SPF16", "error", N_("SPF as the config derives"))
def spf_as_derived(ctx: Ctx) -> Iterator[Outcome]:
    yield from _compare_family(ctx, "SPF16")


@rule("MX06", "error", N_("MX set as the provider's template"))
def mx_as_derived(ctx: Ctx) -> Iterator[Outcome]:
    hosts = {h for _, h in ctx.mx}
    if "smtp.google.com." in hosts and "aspmx.l.google.com." in hosts:
        yield Fail(Msg("Google's single smtp.google.com MX and the legacy aspmx set are mixed; use one form"),
                   Msg("{record} (or the legacy set alone)", record="1 smtp.google.com."),
                   " | ".join(f"{p} {h}" for p, h in ctx.mx), "@")
    if ctx.target.expected:
        yield from _compare_family(ctx, "MX06")
    else:
        yield NA


@rule("AD01", "warning", N_("client autodiscover records as the provider documents"))
def autodiscover_as_derived(ctx: Ctx) -> Iterator[Outcome]:
    yield from _compare_family(ctx, "AD01")


@rule("CFG01", "error", N_("other mail records as the config derives"))
def others_as_derived(ctx: Ctx) -> Iterator[Outcome]:
    yield from _compare_family(ctx, "CFG01")


# Names that hold mail data whatever the provider; a CNAME there must stand alone.
MAIL_NAMES = ("_dmarc", "_mta-sts", "_smtp._tls")


@rule("AD02", "error", N_("no CNAME next to other data, none at the apex"))
def cname_conflicts(ctx: Ctx) -> Iterator[Outcome]:
    """RFC 1034 §3.6.2 / RFC 2181 §10.1: a name with a CNAME has no other data. At the apex
    (which holds SOA and NS) a CNAME breaks the whole zone; at a name where the config derives
    a TXT or MX, mailplan's record cannot be published next to it."""
    wanted: dict[str, set[str]] = {}
    for record in ctx.target.expected:
        wanted.setdefault(record.fqdn, set()).add(record.rtype)
    names = [ctx.domain, *(ctx.fqdn(n) for n in MAIL_NAMES), *(ctx.fqdn(f"{s}._domainkey") for s in ctx.selectors),
             *wanted]
    checked = 0
    for name in dict.fromkeys(names):
        cname = ctx.lookup(name, "CNAME").values
        checked += 1
        if not cname:
            continue
        others = sorted(wanted.get(name, set()) - {"CNAME"})
        if name == ctx.domain:
            yield Fail(Msg("{name} itself is a CNAME (to {to}): the apex holds SOA, NS, MX and TXT, and nothing "
                           "may live next to a CNAME", name=name, to=cname[0]),
                       Msg("no CNAME at the apex"), f"CNAME {cname[0]}", name)
        elif others:
            types: str = others[-1]
            for other in reversed(others[:-1]):  # "TXT and MX", in the reader's language
                types = Msg("{first} and {rest}", first=other, rest=types)
            yield Fail(Msg("{name} is a CNAME (to {to}), so the {types} the config derives there cannot be published "
                           "next to it", name=name, to=cname[0], types=types),
                       Msg("{types} at {name}, no CNAME", types=" ".join(others), name=name), f"CNAME {cname[0]}",
                       name)
        else:
            txt = ctx.lookup(name, "TXT")
            if txt.values and not txt.via:  # the server answered TXT at the name itself, not through the CNAME
                yield Fail(Msg("{name} holds a CNAME (to {to}) and TXT data next to it; resolvers see one or "
                               "the other", name=name, to=cname[0]),
                           Msg("the CNAME alone"), f"CNAME {cname[0]} | TXT {txt.values[0]}", name)
    yield Pass(plural_msg("{count} name without a conflicting CNAME", "{count} names without a conflicting CNAME",
                          checked))
