"""Rules about the config's own policies, reported with the domain whose mail they concern.

POL01: company mail delivered to personal free-mail addresses (``policies.external_delivery: warn``,
the default); with ``refuse`` the config does not load at all, with ``allow`` there is nothing to say.
"""

from __future__ import annotations

from collections.abc import Iterator

from mailplan.dns.check.context import Ctx
from mailplan.dns.check.rules import NA, Fail, Outcome, rule
from mailplan.i18n import N_, Msg


@rule("POL01", "warning", N_("no company mail delivered to personal free mail (policies.external_delivery)"))
def external_delivery(ctx: Ctx) -> Iterator[Outcome]:
    if not ctx.target.from_config:
        yield NA  # a domain named on the command line: no config to hold a policy
        return
    for problem in ctx.target.policy_warnings:
        message = Msg("{message} — {hint}", message=problem.message, hint=problem.hint) if problem.hint \
            else problem.message  # a config Problem's Msg: the reader's language
        yield Fail(message, found=str(problem.location or ""))
