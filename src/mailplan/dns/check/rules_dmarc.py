"""DMARC rules (RFC 7489, RFC 9989/9990)."""

from __future__ import annotations

from collections.abc import Iterator

from mailplan.dns import dmarc
from mailplan.dns.check.context import Ctx
from mailplan.dns.check.rules import NA, NONE, Fail, Outcome, Pass, rule
from mailplan.dns.txt import hidden_prefix
from mailplan.i18n import N_, Msg


@rule("DM01", "error", N_("DMARC record published"), "sending")
def dmarc_present(ctx: Ctx) -> Iterator[Outcome]:
    if ctx.dmarc_records:
        yield Pass(ctx.dmarc_records[0], name="_dmarc")
        return
    answer = ctx.dmarc_answer
    near = [(v, why) for v in answer.values if (why := hidden_prefix(v, "v=DMARC1"))]
    if answer.loop:
        via = " → ".join(answer.via)
        yield Fail(Msg("no DMARC record: _dmarc.{domain} is a CNAME loop ({via} → back), so no resolver finds the "
                       "record; fix the CNAMEs in the zone", domain=ctx.domain, via=via), "v=DMARC1; p=…",
                   "CNAME loop: " + " → ".join(answer.via), "_dmarc")
    elif near:
        value, why = near[0]
        yield Fail(Msg("no DMARC record: the TXT at _dmarc looks like one, but {why}; publish it again without them",
                       why=why),
                   "v=DMARC1; p=…", repr(value), "_dmarc")
    else:
        yield Fail(Msg("no DMARC record: receivers apply no policy and send no reports"), "v=DMARC1; p=…",
                   NONE, "_dmarc")


@rule("DM02", "error", N_("exactly one DMARC record"))
def dmarc_single(ctx: Ctx) -> Iterator[Outcome]:
    if len(ctx.dmarc_records) > 1:
        yield Fail(Msg("more than one DMARC record: receivers ignore all of them"), Msg("one v=DMARC1 record"),
                   " | ".join(ctx.dmarc_records), "_dmarc")


@rule("DM03", "error", N_("DMARC at _dmarc, not at the domain"))
def dmarc_at_apex(ctx: Ctx) -> Iterator[Outcome]:
    misplaced = [v for v in ctx.apex_txt.values if dmarc.is_dmarc(v)]
    if misplaced:
        yield Fail(Msg("a DMARC record at the domain itself is never read; it belongs at _dmarc"),
                   f"_dmarc.{ctx.domain}", misplaced[0], "@")


@rule("DM04", "error", N_("DMARC syntax"))
def dmarc_syntax(ctx: Ctx) -> Iterator[Outcome]:
    if ctx.dmarc_parsed is None:
        yield NA
        return
    for error in ctx.dmarc_parsed.errors:
        yield Fail(error, found=ctx.dmarc_records[0], name="_dmarc")


@rule("DM05", "warning", N_("DMARC policy enforces (not p=none)"), "sending")
def dmarc_enforced(ctx: Ctx) -> Iterator[Outcome]:
    parsed = ctx.dmarc_parsed
    if parsed is None or parsed.get("p") is None:
        yield NA
    elif parsed.get("p") == "none":
        yield Fail(Msg("p=none only monitors: spoofed mail is still delivered"), Msg("p=quarantine or p=reject"),
                   "p=none", "_dmarc")
    else:
        yield Pass(f"p={parsed.get('p')}")


@rule("DM06", "warning", N_("aggregate reports requested (rua)"), "sending")
def dmarc_rua(ctx: Ctx) -> Iterator[Outcome]:
    if ctx.dmarc_parsed is None:
        yield NA
    elif not ctx.dmarc_parsed.uris("rua"):
        yield Fail(Msg("no rua: you will not see who sends as this domain"), "rua=mailto:…", NONE, "_dmarc")
    else:
        yield Pass(", ".join(ctx.dmarc_parsed.uris("rua")))


def _external(ctx: Ctx) -> list[str]:
    """Report destinations outside this domain's tree (each needs the destination's consent)."""
    parsed = ctx.dmarc_parsed
    if parsed is None:
        return []
    out = []
    for uri in [*parsed.uris("rua"), *parsed.uris("ruf")]:
        if not uri.lower().startswith("mailto:"):
            continue
        dest = dmarc.uri_domain(uri)
        d = ctx.domain
        if dest and dest != d and not dest.endswith("." + d) and not d.endswith("." + dest) and dest not in out:
            out.append(dest)
    return out


@rule("DM07", "warning", N_("external report destinations authorised"))
def dmarc_external_auth(ctx: Ctx) -> Iterator[Outcome]:
    external = _external(ctx)
    if not external:
        yield NA
        return
    for dest in external:
        name = f"{dmarc.authorisation_name(ctx.domain)}.{dest}"
        if not any(dmarc.is_dmarc(v) for v in ctx.lookup(name, "TXT").values):
            yield Fail(Msg("{dest} has not agreed to receive reports for {domain}; receivers will not send them",
                           dest=dest, domain=ctx.domain),
                       f'{name} TXT "v=DMARC1"', NONE, name)
        else:
            yield Pass(Msg("{name} authorises", name=name), name=name)


@rule("DM08", "warning", N_("report address domains accept mail"))
def dmarc_rua_mx(ctx: Ctx) -> Iterator[Outcome]:
    parsed = ctx.dmarc_parsed
    if parsed is None or not parsed.uris("rua"):
        yield NA
        return
    for uri in parsed.uris("rua"):
        dest = dmarc.uri_domain(uri)
        if uri.lower().startswith("mailto:") and dest and not ctx.lookup(dest, "MX").values:
            yield Fail(Msg("{dest} has no MX: reports to {uri} cannot be delivered", dest=dest, uri=uri),
                       Msg("MX at {domain}", domain=dest), NONE)


@rule("DM09", "warning", N_("subdomains not left open"))
def dmarc_subdomains(ctx: Ctx) -> Iterator[Outcome]:
    parsed = ctx.dmarc_parsed
    if parsed is None or not ctx.dmarc_enforcing():
        yield NA
        return
    for tag in ("sp", "np"):
        if parsed.get(tag) == "none":
            yield Fail(Msg("{tag}=none lets anyone spoof subdomains while p enforces", tag=tag),
                       f"{tag}=quarantine|reject", f"{tag}=none", "_dmarc")


@rule("DM10", "warning", N_("no tags removed by RFC 9989 (pct<100, rf, ri)"))
def dmarc_obsolete(ctx: Ctx) -> Iterator[Outcome]:
    parsed = ctx.dmarc_parsed
    if parsed is None:
        yield NA
        return
    pct = parsed.get("pct")
    if pct is not None and pct.isdigit() and int(pct) < 100:
        yield Fail(Msg("pct={pct}: the policy covers only part of the mail, and RFC 9989 drops pct", pct=pct),
                   "pct=100", f"pct={pct}", "_dmarc")
    for tag in ("rf", "ri"):
        if parsed.get(tag) is not None:
            yield Fail(Msg("'{tag}' was removed by RFC 9989 and is ignored", tag=tag), Msg("no {tag}", tag=tag),
                       f"{tag}={parsed.get(tag)}", "_dmarc")


@rule("DM11", "warning", N_("nothing but DMARC at _dmarc"))
def dmarc_unrelated(ctx: Ctx) -> Iterator[Outcome]:
    other = [v for v in ctx.dmarc_answer.values if not dmarc.is_dmarc(v)]
    for value in other:
        why = hidden_prefix(value, "v=DMARC1")
        message = (Msg("this TXT at _dmarc is not read as DMARC: {why}", why=why) if why else
                   Msg("other TXT records at _dmarc confuse some receivers"))
        yield Fail(message, Msg("only v=DMARC1"), repr(value) if why else value, "_dmarc")


@rule("DM12", "warning", N_("policy tag p= present"))
def dmarc_p(ctx: Ctx) -> Iterator[Outcome]:
    if ctx.dmarc_parsed is None:
        yield NA
    elif ctx.dmarc_parsed.get("p") is None:
        yield Fail(Msg("no p= tag: RFC 7489 requires it, RFC 9989 reads it as none"), "p=quarantine|reject",
                   Msg("(missing)"), "_dmarc")


@rule("DM13", "warning", N_("non-sending domain rejects everything"), "parked")
def dmarc_parked(ctx: Ctx) -> Iterator[Outcome]:
    parsed = ctx.dmarc_parsed
    p = parsed.get("p") if parsed else None
    sp = (parsed.get("sp") or p) if parsed else None
    if p != "reject" or sp != "reject":
        yield Fail(Msg("a domain that sends no mail should reject all mail claiming to be from it"),
                   "v=DMARC1; p=reject", ctx.dmarc_records[0] if ctx.dmarc_records else NONE, "_dmarc")
    else:
        yield Pass(ctx.dmarc_records[0])
