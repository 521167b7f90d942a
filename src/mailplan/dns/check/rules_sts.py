"""MTA-STS (RFC 8461) and TLS reporting (RFC 8460): the records, and the policy file fetched over HTTPS
as a sender fetches it (STS02-STS06; see policy_fetch.py)."""

from __future__ import annotations

from collections.abc import Iterator

from mailplan.dns import mtasts
from mailplan.dns.check.context import Ctx
from mailplan.dns.check.dnsview import Undecided
from mailplan.dns.check.model import Severity
from mailplan.dns.check.policy_fetch import Fetched
from mailplan.dns.check.rules import NA, NONE, Fail, Outcome, Pass, Skip, rule
from mailplan.i18n import N_, Msg


def _records(ctx: Ctx, name: str, version: str) -> list[str]:
    return [v for v in ctx.get(name, "TXT").values if v.replace(" ", "").startswith(f"v={version}")]


@rule("STS01", "error", N_("MTA-STS record syntax"))
def sts_record(ctx: Ctx) -> Iterator[Outcome]:
    records = _records(ctx, "_mta-sts", "STSv1")
    if not records:
        yield NA
        return
    if len(records) > 1:
        yield Fail(Msg("more than one MTA-STS record: senders ignore MTA-STS"), Msg("one v=STSv1 record"),
                   " | ".join(records), "_mta-sts")
    for record in records:
        errors = mtasts.parse_sts(record).errors
        for error in errors:
            yield Fail(error, Msg("v=STSv1; id=<1-32 letters or digits>"), record, "_mta-sts")
        if not errors:
            yield Pass(record, name="_mta-sts")


@rule("RPT01", "error", N_("TLS-RPT record syntax"))
def tlsrpt_record(ctx: Ctx) -> Iterator[Outcome]:
    records = _records(ctx, "_smtp._tls", "TLSRPTv1")
    if not records:
        yield NA
        return
    if len(records) > 1:
        yield Fail(Msg("more than one TLS-RPT record: senders send no reports"), Msg("one v=TLSRPTv1 record"),
                   " | ".join(records), "_smtp._tls")
    for record in records:
        errors = mtasts.parse_tlsrpt(record).errors
        for error in errors:
            yield Fail(error, "v=TLSRPTv1; rua=mailto:…", record, "_smtp._tls")
        if not errors:
            yield Pass(record, name="_smtp._tls")


@rule("RPT02", "warning", N_("MTA-STS comes with TLS reporting"))
def sts_without_rpt(ctx: Ctx) -> Iterator[Outcome]:
    if not _records(ctx, "_mta-sts", "STSv1"):
        yield NA
    elif not _records(ctx, "_smtp._tls", "TLSRPTv1"):
        yield Fail(Msg("MTA-STS without TLS-RPT: you will not hear when senders fail to deliver under the policy"),
                   "_smtp._tls TXT v=TLSRPTv1; rua=…", NONE, "_smtp._tls")


def _fetched(ctx: Ctx) -> Fetched | Skip | None:
    """The policy fetch; a ``Skip`` when nothing is fetched (zone text); None when no record announces a policy.

    A fetch that could not be made raises ``Undecided``: every rule reading the policy is then not checked.
    """
    if not _records(ctx, "_mta-sts", "STSv1"):
        return None
    fetched = ctx.sts_fetch
    if fetched is None:
        return Skip(Msg("the policy file is not fetched when zone text is checked"))
    if fetched.unreachable:
        raise Undecided(f"GET {fetched.url}", fetched.unreachable)
    return fetched


def _policy(ctx: Ctx) -> mtasts.Tags | Skip | None:
    """The fetched policy, parsed; a ``Skip`` saying why there is none to read; None as ``_fetched``."""
    fetched = _fetched(ctx)
    if fetched is None or isinstance(fetched, Skip):
        return fetched
    if fetched.problem:
        return Skip(Msg("no policy to read: {problem}", problem=fetched.problem), fetched.url)
    return mtasts.parse_policy(fetched.body)


@rule("STS02", "error", N_("MTA-STS policy served over HTTPS"))
def sts_served(ctx: Ctx) -> Iterator[Outcome]:
    fetched = _fetched(ctx)
    if fetched is None or isinstance(fetched, Skip):
        yield fetched or NA
    elif fetched.problem:
        yield Fail(Msg("senders cannot fetch the policy: {problem}", problem=fetched.problem),
                   Msg("200, text/plain, a valid certificate"),
                   fetched.problem, fetched.url)
    else:
        yield Pass(fetched.url, name=fetched.url)


@rule("STS03", "error", N_("MTA-STS policy syntax"))
def sts_policy_syntax(ctx: Ctx) -> Iterator[Outcome]:
    policy = _policy(ctx)
    if policy is None or isinstance(policy, Skip):
        yield policy or NA
        return
    for error in policy.errors:
        yield Fail(Msg("the policy file: {error}", error=error), "version: STSv1, mode, mx, max_age", _shown(policy))
    age = policy.tags.get("max_age", "")
    if not policy.errors and age.isdigit() and int(age) < 86400:
        yield Fail(Msg("max_age {age}: senders keep the policy less than a day, so a downgrade needs little patience",
                       age=age),
                   Msg("max_age of a week or more (604800)"), f"max_age: {age}", severity="warning")
    yield Pass(_shown(policy))


@rule("STS04", "error", N_("every MX host matches the MTA-STS policy"))
def sts_mx_match(ctx: Ctx) -> Iterator[Outcome]:
    policy = _policy(ctx)
    if policy is None or isinstance(policy, Skip):
        yield policy or NA
        return
    mode = policy.tags.get("mode")
    if mode not in ("enforce", "testing"):
        yield NA  # mode none asks nothing of the MX hosts
        return
    patterns = mtasts.mx_patterns(policy)
    for _, host in ctx.mx:
        if host == ".":
            continue
        if not any(mtasts.mx_matches(host, p) for p in patterns):
            severity: Severity = "error" if mode == "enforce" else "warning"
            shown = host.rstrip(".")
            message = Msg("MX host {host} matches none of the policy's mx lines: senders that honour it will not "
                          "deliver to it", host=shown) if mode == "enforce" else Msg(
                "MX host {host} matches none of the policy's mx lines: senders report failures for it now, and will "
                "refuse it once the mode is enforce", host=shown)
            yield Fail(message,
                       "mx: " + (", ".join(patterns) or NONE), host.rstrip("."), severity=severity)
        else:
            yield Pass(Msg("{host} matches", host=host.rstrip(".")))


@rule("STS05", "warning", N_("MTA-STS policy served as text/plain"))
def sts_media_type(ctx: Ctx) -> Iterator[Outcome]:
    policy = _policy(ctx)
    if policy is None or isinstance(policy, Skip):
        yield policy or NA
        return
    fetched = ctx.sts_fetch
    media = (fetched.content_type if fetched else "").split(";")[0].strip().lower()
    if media != "text/plain":
        yield Fail(Msg("RFC 8461 §3.2 serves the policy as text/plain; some senders refuse other types"),
                   "Content-Type: text/plain", media or NONE)
    else:
        yield Pass(media)


@rule("STS06", "error", N_("MTA-STS policy as the config derives"))
def sts_policy_as_derived(ctx: Ctx) -> Iterator[Outcome]:
    if not ctx.target.mta_sts_policy:
        yield NA
        return
    policy = _policy(ctx)
    if policy is None or isinstance(policy, Skip):
        yield policy or Skip(Msg("no _mta-sts record announces a policy (CFG01 compares the record)"))
        return
    wanted = mtasts.parse_policy(ctx.target.mta_sts_policy)
    if _meaning(policy) != _meaning(wanted):
        yield Fail(Msg("the policy file differs from what the config derives: run `mailplan mta-sts` and serve its "
                       "output"), _shown(wanted), _shown(policy))
    elif ctx.sts_fetch is not None and ctx.sts_fetch.body != ctx.target.mta_sts_policy:
        yield Fail(Msg("the policy file says what the config derives, written differently; nothing to change"),
                   _shown(wanted), _shown(policy), severity="info")
    else:
        yield Pass(_shown(policy))


def _meaning(policy: mtasts.Tags) -> tuple[str, str, tuple[str, ...]]:
    return (policy.tags.get("mode", ""), policy.tags.get("max_age", ""), tuple(sorted(mtasts.mx_patterns(policy))))


def _shown(policy: mtasts.Tags) -> str:
    mode, age, mx = _meaning(policy)
    return f"mode: {mode or '(none)'}; mx: {', '.join(mx) or '(none)'}; max_age: {age or '(none)'}"
