"""DKIM rules (RFC 6376, RFC 8301) on the selectors the config publishes or the user names."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from mailplan.dns import dkim_record
from mailplan.dns.check.context import Ctx
from mailplan.dns.check.model import Severity
from mailplan.dns.check.rules import NA, Fail, NotApplicable, Outcome, Pass, Skip, rule
from mailplan.dns.check.rules_config import compare
from mailplan.dns.dkim_record import MIN_BITS
from mailplan.i18n import N_, Msg, plural_msg


@dataclass(frozen=True)
class DkimKey:
    selector: str
    name: str  # where the record was found (after a CNAME)
    record: str
    parsed: dkim_record.KeyRecord

    @property
    def tags(self) -> dict[str, str]:
        return self.parsed.tags

    @property
    def problems(self) -> tuple[str, ...]:
        return self.parsed.problems

    @property
    def bits(self) -> int | None:
        return self.parsed.bits

    @property
    def revoked(self) -> bool:
        return self.parsed.revoked


def parse_dkim(selector: str, name: str, record: str) -> DkimKey:
    return DkimKey(selector, name, record, dkim_record.parse(record))


def keys(ctx: Ctx) -> list[DkimKey | str]:
    """Each selector's key, or the selector name when nothing is published there."""
    out: list[DkimKey | str] = []
    for selector in ctx.selectors:
        name = ctx.fqdn(f"{selector}._domainkey")
        cname = ctx.lookup(name, "CNAME").values
        where = cname[0].rstrip(".") if cname else name
        records = [v for v in ctx.lookup(where, "TXT").values if "p=" in v or v.startswith("v=DKIM1")]
        out.append(parse_dkim(selector, where, records[0]) if records else selector)
    return out


@rule("DK01", "error", N_("DKIM selectors published as the config derives"))
def dkim_as_derived(ctx: Ctx) -> Iterator[Outcome]:
    expected = [r for r in ctx.target.expected if r.fqdn.endswith(f"._domainkey.{ctx.domain}")]
    unknown = [(fqdn, why) for fqdn, _, why in ctx.target.unknown if fqdn.endswith(f"._domainkey.{ctx.domain}")]
    if not expected and not unknown:
        yield NA
    for record in expected:
        yield compare(ctx, record)
    for fqdn, why in unknown:
        yield Skip(Msg("{name}: {reason}", name=fqdn, reason=why), fqdn)


def _bits(count: int | None) -> Msg:
    """A key's size as a finding shows it expected and found: ``2048 bits`` (only RSA keys have one)."""
    return plural_msg("{count} bit", "{count} bits", count or 0)


def _examined(ctx: Ctx) -> tuple[list[DkimKey], Skip | NotApplicable]:
    """The keys found at the selectors, and what to say when there are none to examine: for a domain that
    sends mail the key rules are not checked; for one that sends none there is nothing to check."""
    found = [k for k in keys(ctx) if isinstance(k, DkimKey)]
    where = ", ".join(f"{s}._domainkey" for s in ctx.selectors) or Msg("no selector known")
    looked = Skip(Msg("no DKIM key found to examine (looked at: {where})", where=where))
    return found, looked if ctx.target.sends_mail else NA


@rule("DK02", "error", N_("DKIM RSA keys at least 1024 bits"))
def dkim_weak(ctx: Ctx) -> Iterator[Outcome]:
    found, nothing = _examined(ctx)
    rsa = [k for k in found if k.bits is not None]
    if not rsa:
        yield nothing if not found else Skip(Msg("no RSA key among the DKIM keys found"))
    for key in rsa:
        if key.bits is not None and key.bits < MIN_BITS:
            yield Fail(Msg("selector {selector}: a {bits}-bit key; receivers ignore signatures with it",
                           selector=key.selector, bits=key.bits),
                       _bits(2048), _bits(key.bits), key.name)
        else:
            yield Pass(Msg("{selector}: {bits}", selector=key.selector, bits=_bits(key.bits)), name=key.name)


@rule("DK03", "warning", N_("DKIM RSA keys 2048 bits"))
def dkim_short(ctx: Ctx) -> Iterator[Outcome]:
    found, nothing = _examined(ctx)
    rsa = [k for k in found if k.bits is not None]
    if not rsa:
        yield nothing if not found else Skip(Msg("no RSA key among the DKIM keys found"))
    for key in rsa:
        if key.bits is not None and MIN_BITS <= key.bits < 2048:
            yield Fail(Msg("selector {selector}: {bits}-bit keys are weaker than RFC 8301 recommends",
                           selector=key.selector, bits=key.bits),
                       _bits(2048), _bits(key.bits), key.name)
        else:
            yield Pass(Msg("{selector}: {bits}", selector=key.selector, bits=_bits(key.bits)), name=key.name)


@rule("DK04", "error", N_("active DKIM selectors not revoked"))
def dkim_revoked(ctx: Ctx) -> Iterator[Outcome]:
    found, nothing = _examined(ctx)
    if not found:
        yield nothing
    for key in found:
        if key.revoked:
            yield Fail(Msg("selector {selector} has an empty p=: its key is revoked, signatures fail",
                           selector=key.selector),
                       "p=<public key>", key.record, key.name)
        else:
            yield Pass(Msg("{selector}: p= set", selector=key.selector), name=key.name)


@rule("DK05", "error", N_("DKIM record syntax"))
def dkim_syntax(ctx: Ctx) -> Iterator[Outcome]:
    found, nothing = _examined(ctx)
    if not found:
        yield nothing
    for key in found:
        for problem in key.problems:
            yield Fail(Msg("selector {selector}: {problem}", selector=key.selector, problem=problem), found=key.record,
                       name=key.name)
        if key.tags.get("t", "").split(":").count("y"):
            yield Fail(Msg("selector {selector}: t=y (testing) is still set", selector=key.selector), Msg("no t=y"),
                       key.record, key.name, severity="warning")
        if key.tags.get("h", "") == "sha1":
            yield Fail(Msg("selector {selector}: h=sha1 only; RFC 8301 forbids sha1", selector=key.selector),
                       "h=sha256", key.record, key.name, severity="warning")
        yield Pass(Msg("{selector}: well-formed", selector=key.selector), name=key.name)


@rule("DK06", "warning", N_("a DKIM key is published"), "sending")
def dkim_present(ctx: Ctx) -> Iterator[Outcome]:
    found = [k for k in keys(ctx) if isinstance(k, DkimKey) and not k.revoked]
    if not found:
        tried = ", ".join(ctx.selectors) or "(none known)"
        severity: Severity = "warning" if ctx.dmarc_enforcing() else "info"
        yield Fail(Msg("no DKIM key found: DMARC then rests on SPF alone, which breaks on forwarding"),
                   Msg("a <selector>._domainkey key"), Msg("selectors tried: {tried}", tried=tried),
                   severity=severity)
    else:
        yield Pass(", ".join(k.selector for k in found))
