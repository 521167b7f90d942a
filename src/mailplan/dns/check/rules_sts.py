"""MTA-STS (RFC 8461) and TLS reporting (RFC 8460) records.

The policy file itself (STS02-05) is served over HTTPS and is not fetched by
this check; ``mailplan`` prints the text to host, and the TXT id changes with it.
"""

from __future__ import annotations

from collections.abc import Iterator

from mailplan.dns import mtasts
from mailplan.dns.check.context import Ctx
from mailplan.dns.check.rules import NA, Fail, Outcome, Pass, rule


def _records(ctx: Ctx, name: str, version: str) -> list[str]:
    return [v for v in ctx.get(name, "TXT").values if v.replace(" ", "").startswith(f"v={version}")]


@rule("STS01", "error", "MTA-STS record syntax")
def sts_record(ctx: Ctx) -> Iterator[Outcome]:
    records = _records(ctx, "_mta-sts", "STSv1")
    if not records:
        yield NA
        return
    if len(records) > 1:
        yield Fail("more than one MTA-STS record: senders ignore MTA-STS", "one v=STSv1 record",
                   " | ".join(records), "_mta-sts")
    for record in records:
        errors = mtasts.parse_sts(record).errors
        for error in errors:
            yield Fail(error, "v=STSv1; id=<1-32 letters or digits>", record, "_mta-sts")
        if not errors:
            yield Pass(record, name="_mta-sts")


@rule("RPT01", "error", "TLS-RPT record syntax")
def tlsrpt_record(ctx: Ctx) -> Iterator[Outcome]:
    records = _records(ctx, "_smtp._tls", "TLSRPTv1")
    if not records:
        yield NA
        return
    if len(records) > 1:
        yield Fail("more than one TLS-RPT record: senders send no reports", "one v=TLSRPTv1 record",
                   " | ".join(records), "_smtp._tls")
    for record in records:
        errors = mtasts.parse_tlsrpt(record).errors
        for error in errors:
            yield Fail(error, "v=TLSRPTv1; rua=mailto:…", record, "_smtp._tls")
        if not errors:
            yield Pass(record, name="_smtp._tls")


@rule("RPT02", "warning", "MTA-STS comes with TLS reporting")
def sts_without_rpt(ctx: Ctx) -> Iterator[Outcome]:
    if not _records(ctx, "_mta-sts", "STSv1"):
        yield NA
    elif not _records(ctx, "_smtp._tls", "TLSRPTv1"):
        yield Fail("MTA-STS without TLS-RPT: you will not hear when senders fail to deliver under the policy",
                   "_smtp._tls TXT v=TLSRPTv1; rua=…", "(none)", "_smtp._tls")
