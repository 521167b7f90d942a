"""The example company on Microsoft 365 (the fake), through the ``mailplan`` command: plan, apply,
re-plan with nothing left but the Exchange steps, do the shared-mailbox steps as an Exchange admin
would, apply again, offboard one person, apply, re-plan again."""

from __future__ import annotations

from pathlib import Path

import yaml

from fakes.example_company import ExampleCompany
from fakes.microsoft import harness

DNS_INPUTS = {"tenant": "huamao", "mx_host": "huamao-trade-com.mail.protection.outlook.com"}
DOMAIN = "huamao-trade.com"


def test_example_company_plans_applies_offboards_and_replans_clean(tmp_path: Path) -> None:
    with harness(DOMAIN) as h:
        company = ExampleCompany(tmp_path, h.provider_type, h.settings | DNS_INPUTS, {"client_secret"})
        example = yaml.safe_load((company.dir / "mailplan.yaml").read_text(encoding="utf-8"))
        company.apply()
        # Every group exists, whatever its posting rule: Graph creates it, Exchange is told who may post.
        groups = {g["mail"] for g in h.fake.groups.values()}
        assert groups == {f"{g['address']}@{DOMAIN}" for g in example["groups"]}
        # What Graph cannot do or see stays as Exchange Online PowerShell steps, nothing else.
        left = company.plan()
        assert left and {c["action"] for c in left} == {"manual"}
        assert {c["kind"] for c in left} <= {
            "contact",  # customers: New-MailContact in Exchange
            "alias",
            "delegation",
            "forwarding",
            "domain",
            "policy",
            "archive",
            "hold",
            "mailbox",
            "autoreply",
        }
        steps = "\n".join(c["instructions"] for c in left)
        assert (
            "Set-Mailbox -Identity 'zhangsan@huamao-trade.com' -EmailAddresses @{add=\"smtp:zs@huamao-trade.com\"}"
            in steps
        )
        assert "Set-Mailbox -Identity 'lina2@huamao-trade.com' -LitigationHoldEnabled $true" in steps
        shared = {c["key"] for c in left if c["kind"] == "mailbox"}
        assert shared == {f"{m['address']}@{DOMAIN}" for m in example["mailboxes"]}
        assert "New-Mailbox -Shared -Name 'info' -DisplayName '信息咨询' -PrimarySmtpAddress 'info@" in steps
        assert not any(u["userPrincipalName"] in shared for u in h.fake.users.values())  # no licensed stand-ins

        # An Exchange admin runs the New-Mailbox -Shared / Set-User steps; the next apply sets the rest.
        for box in example["mailboxes"]:
            user = h.fake.add_shared_mailbox(f"{box['address']}@{DOMAIN}", box["name"])
            user["department"] = box.get("department")
        company.apply()
        left = company.plan()
        assert {c["action"] for c in left} == {"manual"}
        assert "mailbox" not in {c["kind"] for c in left} and "autoreply" not in {c["kind"] for c in left}
        info = h.fake.user(f"info@{DOMAIN}")
        assert h.fake.replies[info["id"]]["status"] == "alwaysEnabled"

        offboard = company.run("offboard", "mailplan.yaml", "单雄信", "--successor", "wangfang", "--no-plan")
        assert offboard.returncode == 0, offboard.stderr
        changes = company.plan()
        assert ("freeze", "shanxiongxin@huamao-trade.com") in {(c["action"], c["key"]) for c in changes}
        hold = next(i for i, c in enumerate(changes) if (c["kind"], c["key"]) == ("hold", "shanxiongxin@" + DOMAIN))
        freeze = next(i for i, c in enumerate(changes) if c["action"] == "freeze")
        assert hold < freeze  # preserve before cutting access
        company.apply()
        assert {c["action"] for c in company.plan()} == {"manual"}

        user = h.fake.user("shanxiongxin@huamao-trade.com")
        assert user["accountEnabled"] is False and h.fake.revoked["shanxiongxin@huamao-trade.com"] == 1
        assert h.fake.violations == []
