"""The records mail clients look up to configure themselves: RFC 6186 SRV and the autoconfig names.

AD01 (rules_config.py) compares them with what the config derives; these rules check that what is
published can be used, whoever published it: a client that follows a broken SRV record gives up
where a guess would have worked.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from mailplan.dns.check.context import Ctx
from mailplan.dns.check.dnsview import Undecided
from mailplan.dns.check.rules import NA, NONE, Fail, Outcome, Pass, rule
from mailplan.dns.clients import AUTODISCOVER_SRV, SRV_SERVICES
from mailplan.i18n import N_, Msg, plural_msg


def _has_address(ctx: Ctx, host: str) -> bool:
    a, aaaa = ctx.view.get(host, "A"), ctx.view.get(host, "AAAA")
    if a.values or aaaa.values:
        return True
    for answer in (a, aaaa):
        if answer.error:
            raise Undecided(answer.query, answer.error)
    return False


@rule("AD03", "error", N_("client SRV records usable ('.' alone, targets with addresses, no CNAME targets)"))
def client_srv(ctx: Ctx) -> Iterator[Outcome]:
    """RFC 6186 §3–4 and RFC 2782: a service not offered is the target "." alone; a target is a host
    name with an address record, never an alias (CNAME)."""
    seen = 0
    for service in (*dict.fromkeys(SRV_SERVICES.values()), AUTODISCOVER_SRV):
        name = ctx.fqdn(service)
        values = ctx.lookup(name, "SRV").values
        if not values:
            continue
        seen += 1
        targets = [v.split()[-1] for v in values]
        if "." in targets and len(values) > 1:
            yield Fail(Msg("{name} says the service is not offered ('.') and names servers too", name=name),
                       Msg("'0 0 0 .' alone, or servers only"), " | ".join(values), name)
            continue
        for value, target in zip(values, targets, strict=True):
            if target == ".":
                continue
            try:
                ipaddress.ip_address(target.rstrip("."))
                yield Fail(Msg("{name} names an IP address; an SRV target is a host name", name=name),
                           Msg("a host name"), value, name)
                continue
            except ValueError:
                pass
            cname = ctx.lookup(target, "CNAME").values
            if cname:
                yield Fail(Msg("{name}: the target {target} is a CNAME (to {to}); RFC 2782 forbids an alias there",
                               name=name, target=target, to=cname[0]),
                           Msg("a host name with A/AAAA"), f"{target} CNAME {cname[0]}", name)
            elif not _has_address(ctx, target):
                yield Fail(Msg("{name}: the target {target} has no A or AAAA record; clients cannot connect",
                               name=name, target=target),
                           "A/AAAA", NONE, name)
    if not seen:
        yield NA
    else:
        yield Pass(plural_msg("{count} client SRV record set usable", "{count} client SRV record sets usable", seen))


@rule("AD04", "warning", N_("self-hosted autoconfig/autodiscover names reach the web server"))
def autoconfig_reachable(ctx: Ctx) -> Iterator[Outcome]:
    """Thunderbird asks ``autoconfig.<domain>``, Outlook ``autodiscover.<domain>``: where the config
    points them at a host of the domain itself (the self-hosted backend), that host needs an address."""
    wanted = [r for r in ctx.target.expected if r.rtype == "CNAME"
              and r.fqdn.split(".", 1)[0] in ("autoconfig", "autodiscover")
              and any(v.rstrip(".").endswith(ctx.domain) for v in r.values)]
    if not wanted:
        yield NA
    for record in wanted:
        host = record.values[0].rstrip(".")
        if not _has_address(ctx, host):
            yield Fail(Msg("{name} points at {host}, which has no A or AAAA record: mail clients cannot fetch "
                           "their settings", name=record.fqdn, host=host), f"{host} A/AAAA", NONE, record.fqdn)
        else:
            yield Pass(f"{record.fqdn} → {host}", name=record.fqdn)
