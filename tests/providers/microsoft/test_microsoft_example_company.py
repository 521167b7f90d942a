"""The example company on Microsoft 365 (the fake), through the ``mailplan`` command: plan, apply,
re-plan with nothing left but the Exchange steps, offboard one person, apply, re-plan again."""

from __future__ import annotations

from pathlib import Path

from fakes.example_company import ExampleCompany
from fakes.microsoft import harness

DNS_INPUTS = {"tenant": "huamao", "mx_host": "huamao-trade-com.mail.protection.outlook.com"}


def test_example_company_plans_applies_offboards_and_replans_clean(tmp_path: Path) -> None:
    with harness("huamao-trade.com") as h:
        company = ExampleCompany(tmp_path, h.provider_type, h.settings | DNS_INPUTS, {"client_secret"})
        company.apply()
        # What Graph cannot do or see stays as Exchange Online PowerShell steps, nothing else.
        left = company.plan()
        assert left and {c["action"] for c in left} == {"manual"}
        assert {c["kind"] for c in left} <= {
            "alias",
            "delegation",
            "forwarding",
            "group",
            "domain",
            "policy",
            "archive",
        }
        steps = "\n".join(c["instructions"] for c in left)
        assert (
            "Set-Mailbox -Identity 'zhangsan@huamao-trade.com' -EmailAddresses @{add=\"smtp:zs@huamao-trade.com\"}"
            in steps
        )

        offboard = company.run("offboard", "mailplan.yaml", "单雄信", "--successor", "wangfang", "--no-plan")
        assert offboard.returncode == 0, offboard.stderr
        changes = company.plan()
        assert ("freeze", "shanxiongxin@huamao-trade.com") in {(c["action"], c["key"]) for c in changes}
        company.apply()
        assert {c["action"] for c in company.plan()} == {"manual"}

        user = h.fake.user("shanxiongxin@huamao-trade.com")
        assert user["accountEnabled"] is False and h.fake.revoked["shanxiongxin@huamao-trade.com"] == 1
        assert h.fake.violations == []
