"""The shared conformance steps (apply, then re-plan empty) against the Microsoft Graph fake.

What Graph cannot do (aliases, posting rules, forwarding, alias domains) is left out of the run
by the runner, as for every provider: those become manual steps in a plan. The functional mailbox
is an Exchange shared mailbox, which Graph cannot create: the tenant starts with it, as after the
plan's ``New-Mailbox -Shared`` step.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.runner import make_provider, run_steps
from conformance.scenarios import mail_steps
from fakes.microsoft import GraphFake, harness

ALIAS_DOMAIN = "huamao.cn"


@pytest.mark.parametrize("domain", ["huamao-trade.com", "例子.中国".encode("idna").decode()], ids=["ascii", "idn"])
def test_every_step_replans_empty(domain: str, tmp_path: Path) -> None:
    def shared_mailbox_made_by_hand(fake: GraphFake) -> None:
        fake.add_shared_mailbox(f"info@{domain}", "信息咨询")

    with harness(domain, shared_mailbox_made_by_hand) as company:
        provider = make_provider(company.provider_type, company.settings, tmp_path)
        try:
            ran = run_steps(provider, mail_steps(domain, ALIAS_DOMAIN), (domain, ALIAS_DOMAIN), tmp_path)
        finally:
            provider.close()
        assert company.fake.violations == []
        frozen_then_back = company.fake.revoked
    assert ran == [step.name for step in mail_steps(domain, ALIAS_DOMAIN)]
    assert frozen_then_back == {f"zhangsan@{domain}": 1}
