"""The example company on Tencent Exmail and Alibaba Mail (their fakes), through the ``mailplan`` command.

What the provider cannot hold is refused by ``validate``, naming the provider and the feature, before
anything is read or written. With those entries taken out, the example plans, applies, re-plans with
nothing left but manual steps, offboards one person, applies, and re-plans clean again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fakes import alimail, exmail
from fakes.example_company import ExampleCompany

DOMAINS = ("huamao-trade.com", "huamao.cn")
SECRETS = {"corp_secret", "client_secret", "function_secret"}
OUTSIDE_MEMBER = ", m.keller@keller-handel.example]"
HR_ALIAS = "  - {address: hr, to: [chenjianguo, sunli]}\n"


def _without(company: ExampleCompany, *snippets: tuple[str, str]) -> None:
    config = company.dir / "mailplan.yaml"
    text = config.read_text(encoding="utf-8")
    for old, new in snippets:
        assert old in text, old
        text = text.replace(old, new)
    config.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("fake", "refused"),
    [(exmail, ["group.external"]), (alimail, ["alias.multi"])],
    ids=["tencent-exmail", "alibaba-mail"],
)
def test_the_example_company_end_to_end(fake: object, refused: list[str], tmp_path: Path) -> None:
    with fake.harness(DOMAINS) as h:  # type: ignore[attr-defined]
        company = ExampleCompany(tmp_path, h.provider_type, h.settings, SECRETS)
        invalid = company.run("validate")
        assert invalid.returncode == 1
        named = set(re.findall(r"does not support '([a-z._]+)'", invalid.stderr))
        assert named == set(refused), invalid.stderr
        assert f"({h.provider_type})" in invalid.stderr and "Traceback" not in invalid.stderr
        assert h.fake.calls.total() == 0 if hasattr(h.fake.calls, "total") else True

        _without(company, (OUTSIDE_MEMBER, "]"), (HR_ALIAS, ""))
        assert company.run("validate").returncode == 0
        first = company.plan()
        assert ("create", "zhangsan@huamao-trade.com") in {(c["action"], c["key"]) for c in first}
        company.apply()
        left = company.plan()
        assert left and all(c["action"] == "manual" and c["instructions"] for c in left)
        assert company.run("plan", "--detailed-exitcode").returncode == 0
        # steps for what the API has no word for (console settings, the alias domain) are no sign of drift
        drift = company.run("drift")
        assert drift.returncode == 0, drift.stdout + drift.stderr

        offboard = company.run("offboard", "mailplan.yaml", "单雄信", "--successor", "wangfang", "--no-plan")
        assert offboard.returncode == 0, offboard.stderr
        changes = company.plan()
        assert ("freeze", "shanxiongxin@huamao-trade.com") in {(c["action"], c["key"]) for c in changes}
        company.apply()
        assert all(c["action"] == "manual" for c in company.plan())
        assert company.run("plan", "--detailed-exitcode").returncode == 0
