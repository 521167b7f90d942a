"""The example company on Google Workspace (the fake), through the ``mailplan`` command: plan, apply,
re-plan with nothing left but the manual steps, offboard one person, apply, re-plan again."""

from __future__ import annotations

from pathlib import Path

from fakes.example_company import ExampleCompany
from fakes.google import harness


def test_example_company_plans_applies_offboards_and_replans_clean(tmp_path: Path) -> None:
    with harness("huamao-trade.com") as h:
        company = ExampleCompany(tmp_path, h.provider_type, h.settings, {"service_account_key"})
        first = company.plan()
        assert any(c["action"] == "create" and c["key"] == "zhangsan@huamao-trade.com" for c in first)
        company.apply()
        # Password policy, archive routing and the customers' address book have no Google API mailplan uses:
        # they stay as manual steps.
        left = company.plan()
        assert sorted((c["action"], c["kind"]) for c in left) == [
            ("manual", "archive"), *[("manual", "contact")] * 3, ("manual", "policy")]

        offboard = company.run("offboard", "mailplan.yaml", "单雄信", "--successor", "wangfang", "--no-plan")
        assert offboard.returncode == 0, offboard.stderr
        changes = company.plan()
        assert ("freeze", "shanxiongxin@huamao-trade.com") in {(c["action"], c["key"]) for c in changes}
        company.apply()
        assert sorted(c["kind"] for c in company.plan()) == ["archive", "contact", "contact", "contact", "policy"]

        user = h.fake.user_by("shanxiongxin@huamao-trade.com")
        assert user is not None
        assert "shanxiongxin@huamao-trade.com" in h.fake.held()
        assert h.fake.signed_out["shanxiongxin@huamao-trade.com"] == 1
        box = h.fake.gmail[user["id"]]
        assert box["autoForwarding"]["emailAddress"] == "wangfang@huamao-trade.com"
        assert box["vacation"]["enableAutoReply"] is True
        assert h.fake.violations == []
