"""What a plan with nothing to change costs on a 10,000-account Zoho organization, counted on the fake."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes.zoho import harness
from importer.tenant_plan import import_then_plan

DOMAIN = "example.com"


def test_a_no_change_plan_of_ten_thousand_accounts_costs_51_account_list_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with harness((DOMAIN,)) as org:
        fake = org.fake
        for n in range(10_000):
            fake.add_account(f"user{n:05d}@{DOMAIN}", f"员工{n}")
        fake.add_account(f"leaver@{DOMAIN}", "离职员工", disabled=True)  # with the super admin: 10,002 accounts
        for n, access in enumerate(("Public", "Organization", "Group")):
            group = fake.add_group(f"g{n}@{DOMAIN}", f"g{n}", [f"user{m:05d}@{DOMAIN}" for m in range(50)], access)
            group["groupAdminSettings"]["holdOrBounce"] = "reject"

        # the organization imported into a config, and that config planned: the fake counts the plan's calls only
        changes = import_then_plan(tmp_path, org.provider_type, org.settings, (DOMAIN,), fake, monkeypatch)
        assert fake.violations == []

    # nothing to change; what is left is the console step for the password policy Zoho has no API for
    assert [(c["action"], c["kind"]) for c in changes] == [("manual", "policy")]
    assert "leaver" in (tmp_path / "mailplan.yaml").read_text(encoding="utf-8")
    # 200 a page: 50 full pages and one of 2 (shorter than the others: the last)
    assert fake.count(f"GET /api/organization/{fake.zoid}/accounts") == 51
    group_reads = fake.count("GET", rf"/api/organization/{fake.zoid}/groups/\d+")
    assert group_reads == 3
    forwarding_reads = fake.count("GET", r"/api/accounts/\d+")
    assert forwarding_reads == 1  # only the disabled account's forwarding is read
    # token, account pages, the group list, one read per group, the domain, the leaver's forwarding
    assert fake.total() == 1 + 51 + 1 + group_reads + 1 + forwarding_reads == 58
