"""SPF rules (RFC 7208). Ids follow the project's mail-DNS rule table."""

from __future__ import annotations

from collections.abc import Iterator

from mailplan.dns import spf
from mailplan.dns.check.context import Ctx
from mailplan.dns.check.dnsview import Undecided
from mailplan.dns.check.rules import NA, NONE, Fail, Outcome, Pass, rule
from mailplan.dns.txt import MAX_STRING, hidden_prefix
from mailplan.i18n import N_, Msg, plural_msg


def _undecided(count: spf.Count) -> Undecided | None:
    """A lookup through the includes got no answer: what lies behind it is unknown."""
    missing = count.unresolved
    if not missing or missing[0].unresolved is None:
        return None
    return Undecided(missing[0].unresolved.query, missing[0].unresolved.reason)


@rule("SPF01", "error", N_("SPF record published"), "sending")
def spf_present(ctx: Ctx) -> Iterator[Outcome]:
    near = [(v, why) for v in ctx.apex_txt.values if (why := hidden_prefix(v, "v=spf1"))]
    if not ctx.spf_records and near:
        yield Fail(Msg("no SPF record: a TXT value looks like one, but {why}; publish it again without them",
                       why=near[0][1]),
                   "v=spf1 … -all|~all", repr(near[0][0]), "@")
    elif not ctx.spf_records:
        yield Fail(Msg("the domain sends mail but publishes no SPF record"), "v=spf1 … -all|~all", NONE, "@")
    else:
        yield Pass(ctx.spf_records[0])


@rule("SPF02", "error", N_("exactly one SPF record"))
def spf_single(ctx: Ctx) -> Iterator[Outcome]:
    if len(ctx.spf_records) > 1:
        yield Fail(Msg("{number} SPF records at one name: receivers treat that as a permanent error",
                       number=len(ctx.spf_records)),
                   Msg("one v=spf1 record"), " | ".join(ctx.spf_records), "@")


@rule("SPF03", "error", N_("at most 10 DNS lookups"))
def spf_lookups(ctx: Ctx) -> Iterator[Outcome]:
    count = ctx.spf_count
    if count is None:
        yield NA
        return
    terms, lookups = count.describe(), plural_msg("{count} lookup", "{count} lookups", count.total)
    found = Msg("{lookups}: {terms}", lookups=lookups, terms=terms) if terms else lookups
    if count.total > spf.MAX_LOOKUPS:  # even when some include went unanswered: the real count is only higher
        yield Fail(Msg("evaluating SPF needs {total} DNS lookups; receivers stop at {limit} (permerror)",
                       total=count.total, limit=spf.MAX_LOOKUPS),
                   f"≤ {spf.MAX_LOOKUPS}", found)
    elif (undecided := _undecided(count)) is not None:
        raise undecided
    elif count.total >= spf.MAX_LOOKUPS - 1:
        yield Fail(Msg("{total} of {limit} lookups used: one more include breaks SPF", total=count.total,
                       limit=spf.MAX_LOOKUPS),
                   Msg("≤ {limit} for headroom", limit=spf.MAX_LOOKUPS - 2), found, severity="warning")
    else:
        yield Pass(found, f"≤ {spf.MAX_LOOKUPS}")


@rule("SPF04", "error", N_("at most 2 void lookups"))
def spf_void(ctx: Ctx) -> Iterator[Outcome]:
    count = ctx.spf_count
    if count is None:
        yield NA
        return
    voids = [n.term for top in count.nodes for n in top.walk() if n.void]
    if len(voids) > spf.MAX_VOID_LOOKUPS:
        yield Fail(Msg("{number} terms look up names that do not exist or have no data", number=len(voids)),
                   f"≤ {spf.MAX_VOID_LOOKUPS}", ", ".join(voids))
    elif (undecided := _undecided(count)) is not None:
        raise undecided
    else:
        yield Pass(plural_msg("{count} void lookup", "{count} void lookups", len(voids)), f"≤ {spf.MAX_VOID_LOOKUPS}")


@rule("SPF05", "error", N_("'mx' targets at most 10 MX hosts"))
def spf_mx_hosts(ctx: Ctx) -> Iterator[Outcome]:
    if ctx.spf_count is None:
        yield NA
        return
    for top in ctx.spf_count.nodes:
        for node in top.walk():
            if node.mx_count > spf.MAX_LOOKUPS:
                yield Fail(Msg("'{term}' in {domain} matches {number} MX hosts", term=node.term, domain=node.domain,
                               number=node.mx_count), "≤ 10",
                           str(node.mx_count))
    if (undecided := _undecided(ctx.spf_count)) is not None:
        raise undecided


@rule("SPF06", "warning", N_("no 'ptr' mechanism"))
def spf_ptr(ctx: Ctx) -> Iterator[Outcome]:
    if ctx.spf_parsed is None:
        yield NA
    elif ctx.spf_parsed.mechanisms("ptr"):
        yield Fail(Msg("'ptr' is slow and unreliable; RFC 7208 §5.5 says do not use it"), Msg("no ptr"), "ptr")


@rule("SPF07", "error", N_("no '+all'"))
def spf_plus_all(ctx: Ctx) -> Iterator[Outcome]:
    if ctx.spf_parsed is None:
        yield NA
        return
    for term in ctx.spf_parsed.mechanisms("all"):
        if term.qualifier in ("", "+"):
            yield Fail(Msg("'{term}' lets every server on the internet send as this domain", term=term.text),
                       Msg("-all or ~all"),
                       term.text)


@rule("SPF08", "warning", N_("ends in '-all' or '~all'"))
def spf_neutral(ctx: Ctx) -> Iterator[Outcome]:
    parsed = ctx.spf_parsed
    if parsed is None:
        yield NA
        return
    alls = parsed.mechanisms("all")
    if any(t.qualifier == "?" for t in alls):
        yield Fail(Msg("'?all' says nothing about other senders"), Msg("-all or ~all"), "?all")
    elif not alls and not parsed.modifier("redirect"):
        yield Fail(Msg("no 'all' and no redirect: other senders get 'neutral'"), Msg("-all or ~all"), Msg("(missing)"))
    elif alls:
        yield Pass(alls[-1].text)


@rule("SPF09", "warning", N_("non-sending domain publishes 'v=spf1 -all'"), "parked")
def spf_parked(ctx: Ctx) -> Iterator[Outcome]:
    if ctx.spf_value != "v=spf1 -all":
        yield Fail(Msg("a domain that sends no mail should say so: nobody may send as it"), "v=spf1 -all",
                   ctx.spf_value or NONE, "@")
    else:
        yield Pass(ctx.spf_value)


@rule("SPF10", "error", N_("SPF syntax"))
def spf_syntax(ctx: Ctx) -> Iterator[Outcome]:
    if ctx.spf_parsed is None:
        yield NA
        return
    for error in ctx.spf_parsed.errors:
        yield Fail(error, found=ctx.spf_value or "", name="@")


@rule("SPF11", "error", N_("includes resolve, without loops"))
def spf_includes(ctx: Ctx) -> Iterator[Outcome]:
    if ctx.spf_count is None:
        yield NA
        return
    for problem in ctx.spf_count.problems():
        yield Fail(problem)
    if (undecided := _undecided(ctx.spf_count)) is not None:
        raise undecided


@rule("SPF12", "warning", N_("nothing after 'all'"))
def spf_after_all(ctx: Ctx) -> Iterator[Outcome]:
    parsed = ctx.spf_parsed
    if parsed is None:
        yield NA
        return
    names = [t.name for t in parsed.terms]
    if "all" in names:
        after = [t.text for t in parsed.terms[names.index("all") + 1:] if t.name != "exp"]
        if after:
            yield Fail(Msg("terms after 'all' are never evaluated"), Msg("'all' last"), " ".join(after))
        if parsed.modifier("redirect"):
            yield Fail(Msg("'redirect=' is ignored when 'all' is present"), Msg("either all or redirect"),
                       ctx.spf_value or "")


@rule("SPF13", "error", N_("each TXT string ≤ 255 bytes"))
def spf_strings(ctx: Ctx) -> Iterator[Outcome]:
    for value, strings in zip(ctx.apex_txt.values, ctx.apex_txt.strings, strict=False):
        if spf.is_spf(value) and any(len(s) > MAX_STRING for s in strings):
            yield Fail(Msg("a character-string longer than 255 bytes"), Msg("split into ≤255-byte strings"),
                       plural_msg("{count} byte", "{count} bytes", max(len(s) for s in strings)))


@rule("SPF14", "warning", N_("record short enough for one UDP answer"))
def spf_length(ctx: Ctx) -> Iterator[Outcome]:
    if ctx.spf_value is None:
        yield NA
        return
    size = len(ctx.spf_value.encode())
    if size > 512:
        yield Fail(Msg("the SPF record is {size} bytes", size=size), _at_most_bytes(450), str(size), severity="error")
    elif size > 450:
        yield Fail(Msg("the SPF record is {size} bytes; answers may need TCP", size=size), _at_most_bytes(450),
                   str(size))
    else:
        yield Pass(plural_msg("{count} byte", "{count} bytes", size), _at_most_bytes(450))


def _at_most_bytes(limit: int) -> Msg:
    return plural_msg("≤ {count} byte", "≤ {count} bytes", limit)


@rule("SPF15", "warning", N_("no obsolete SPF forms"))
def spf_obsolete(ctx: Ctx) -> Iterator[Outcome]:
    if ctx.get("@", "SPF"):
        yield Fail(Msg("an SPF (type 99) record: receivers ignore it; only TXT counts"), Msg("TXT only"), "SPF RR")
    for value in ctx.apex_txt.values:
        low = value.lower()
        if low.startswith("spf2.0") or low.startswith("v=spf10") or (low.lstrip().startswith("v=spf1")
                                                                     and low != low.lstrip()):
            start = value[:40]
            yield Fail(Msg("'{start}' is not a valid SPF record", start=start), "v=spf1 …", value)
