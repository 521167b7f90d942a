"""MX rules (RFC 5321, RFC 7505, RFC 2181)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from mailplan.dns.check.context import Ctx
from mailplan.dns.check.dnsview import Undecided
from mailplan.dns.check.rules import NA, NONE, Fail, Outcome, Pass, rule
from mailplan.i18n import N_, Msg, plural_msg


def _null(ctx: Ctx) -> bool:
    return any(host == "." for _, host in ctx.mx)


@rule("MX01", "error", N_("MX records published"), "receiving")
def mx_present(ctx: Ctx) -> Iterator[Outcome]:
    real = [f"{p} {h}" for p, h in ctx.mx if h != "."]
    if not real:
        yield Fail(Msg("the domain receives mail but has no MX (or only the null MX)"), "MX <pref> <host>",
                   " | ".join(f"{p} {h}" for p, h in ctx.mx) or NONE, "@")
    else:
        yield Pass(" | ".join(real))


def _hosts(ctx: Ctx) -> list[str]:
    return [h.rstrip(".") for _, h in ctx.mx if h != "."]


@rule("MX02", "error", N_("MX hosts are not CNAMEs"))
def mx_cname(ctx: Ctx) -> Iterator[Outcome]:
    if not _hosts(ctx):
        yield NA
    for host in _hosts(ctx):
        cname = ctx.lookup(host, "CNAME").values
        if cname:
            yield Fail(Msg("MX host {host} is a CNAME (to {target}); RFC 2181 §10.3 forbids it, some senders refuse",
                           host=host, target=cname[0]),
                       Msg("an A/AAAA name"), f"CNAME {cname[0]}", host)


@rule("MX03", "error", N_("MX hosts have addresses"))
def mx_addresses(ctx: Ctx) -> Iterator[Outcome]:
    if not _hosts(ctx):
        yield NA
    for host in _hosts(ctx):
        try:
            ipaddress.ip_address(host)
            yield Fail(Msg("MX host {host} is an IP address; an MX must name a host", host=host), Msg("a host name"),
                       host)
            continue
        except ValueError:
            pass
        a, aaaa = ctx.view.get(host, "A"), ctx.view.get(host, "AAAA")
        if not a.values and not aaaa.values:
            for answer in (a, aaaa):  # one family unanswered: the host may still have an address
                if answer.error:
                    raise Undecided(answer.query, answer.error)
            yield Fail(Msg("MX host {host} has no A or AAAA record: mail cannot be delivered", host=host),
                       "A/AAAA", NONE, host)
        else:
            yield Pass(f"{host}: {', '.join([*a.values, *aaaa.values])}", name=host)


@rule("MX04", "error", N_("null MX stands alone with preference 0"))
def mx_null(ctx: Ctx) -> Iterator[Outcome]:
    if not _null(ctx):
        yield NA
        return
    if len(ctx.mx) > 1 or ctx.mx[0][0] != 0:
        yield Fail(Msg("the null MX (\".\") must be the only MX and have preference 0 (RFC 7505)"), "0 .",
                   " | ".join(f"{p} {h}" for p, h in ctx.mx), "@")


@rule("MX05", "warning", N_("domain receiving no mail has the null MX"), "parked")
def mx_parked(ctx: Ctx) -> Iterator[Outcome]:
    if ctx.target.receives_mail:
        yield NA
    elif not _null(ctx):
        yield Fail(Msg("a domain that receives no mail should publish the null MX so senders fail fast"), "0 .",
                   " | ".join(f"{p} {h}" for p, h in ctx.mx) or NONE, "@")
    else:
        yield Pass("0 .")


@rule("MX07", "warning", N_("no MX host listed twice"))
def mx_duplicate(ctx: Ctx) -> Iterator[Outcome]:
    hosts = [h.rstrip(".").lower() for _, h in ctx.mx if h != "."]
    if not hosts:
        yield NA
        return
    twice = sorted({h for h in hosts if hosts.count(h) > 1})
    for host in twice:
        listed = " | ".join(f"{p} {h}" for p, h in ctx.mx if h.rstrip(".").lower() == host)
        yield Fail(Msg("MX host {host} is listed more than once: senders try it again instead of a backup, "
                       "and the lower preference is never used", host=host), Msg("each host once"), listed, "@")
    if not twice:
        yield Pass(plural_msg("{count} distinct host", "{count} distinct hosts", len(hosts)))
