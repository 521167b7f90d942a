"""Live DNS compared with what the config derives. One comparison serves every family's rule:
SPF16 (the SPF value), MX06 (the MX set), DK01 (DKIM selectors), AD01 (autodiscover), CFG01 (the rest)."""

from __future__ import annotations

from collections.abc import Iterator

from mailplan.dns.check.context import Ctx
from mailplan.dns.check.rules import NA, Fail, Outcome, Pass, rule
from mailplan.model.objects import Record


def _norm(rtype: str, value: str) -> str:
    return value if rtype == "TXT" else value.lower().rstrip(".") + "."


def live_values(ctx: Ctx, record: Record) -> tuple[str, ...]:
    """The live values of the part of the rrset mailplan owns (for a tag: only the values it tags)."""
    answer = ctx.view.get(record.fqdn, record.rtype)
    values = answer.values
    if record.tag:
        values = tuple(v for v in values if v.lower().startswith(record.tag.lower()))
    return tuple(sorted(values))


def compare(ctx: Ctx, record: Record) -> Fail | Pass:
    found = live_values(ctx, record)
    name = record.fqdn
    shown = f"{record.rtype} " + " | ".join(record.values)
    if {_norm(record.rtype, v) for v in found} == {_norm(record.rtype, v) for v in record.values}:
        return Pass(" | ".join(found), shown, name)
    if not found:
        return Fail(f"{name} {record.rtype} is missing (run mailplan apply)", shown, "(none)", name)
    return Fail(f"{name} {record.rtype} differs from what the config derives (changed by hand, or not applied)",
                shown, f"{record.rtype} " + " | ".join(found), name)


def _family(ctx: Ctx, record: Record) -> str:
    if record.tag == "v=spf1":
        return "SPF16"
    if record.rtype == "MX" and record.fqdn == ctx.domain:
        return "MX06"
    if record.fqdn.endswith(f"._domainkey.{ctx.domain}"):
        return "DK01"
    if record.fqdn.startswith(("autodiscover.", "autoconfig.", "_autodiscover.")):
        return "AD01"
    return "CFG01"


def _compare_family(ctx: Ctx, family: str) -> Iterator[Outcome]:
    records = [r for r in ctx.target.expected if _family(ctx, r) == family]
    if not records:
        yield NA
    for record in records:
        yield compare(ctx, record)


@rule("SPF16", "error", "SPF as the config derives")
def spf_as_derived(ctx: Ctx) -> Iterator[Outcome]:
    yield from _compare_family(ctx, "SPF16")


@rule("MX06", "error", "MX set as the provider's template")
def mx_as_derived(ctx: Ctx) -> Iterator[Outcome]:
    hosts = {h for _, h in ctx.mx}
    if "smtp.google.com." in hosts and "aspmx.l.google.com." in hosts:
        yield Fail("Google's single smtp.google.com MX and the legacy aspmx set are mixed; use one form",
                   "1 smtp.google.com. (or the legacy set alone)", " | ".join(f"{p} {h}" for p, h in ctx.mx), "@")
    if ctx.target.expected:
        yield from _compare_family(ctx, "MX06")
    else:
        yield NA


@rule("AD01", "warning", "client autodiscover records as the provider documents")
def autodiscover_as_derived(ctx: Ctx) -> Iterator[Outcome]:
    yield from _compare_family(ctx, "AD01")


@rule("CFG01", "error", "other mail records as the config derives")
def others_as_derived(ctx: Ctx) -> Iterator[Outcome]:
    yield from _compare_family(ctx, "CFG01")
