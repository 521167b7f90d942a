"""The shared conformance steps (apply, then re-plan empty) against the Exmail fake."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.runner import make_provider, run_steps
from conformance.scenarios import mail_steps
from fakes.exmail import harness

ALIAS_DOMAIN = "huamao.cn"


@pytest.mark.parametrize("domain", ["huamao-trade.com", "例子.中国".encode("idna").decode()], ids=["ascii", "idn"])
def test_every_step_replans_empty(domain: str, tmp_path: Path) -> None:
    with harness((domain, ALIAS_DOMAIN)) as company:
        provider = make_provider(company.provider_type, company.settings, tmp_path)
        ran = run_steps(provider, mail_steps(domain, ALIAS_DOMAIN), (domain, ALIAS_DOMAIN), tmp_path)
    assert ran == [step.name for step in mail_steps(domain, ALIAS_DOMAIN)]
