"""Import from a Zoho Mail organization: set a company up through mailplan, import it, plan → only
the console steps the original config has too. Zoho has no departments (validate refuses them), so
this company has none; its functional mailbox comes back as an account, the one kind Zoho has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from fakes.zoho import harness
from mailplan.config.secrets import is_secret_key

from .conftest import Run

COMPANY = """\
version: 1
organization: {name: 示例贸易, primary_domain: example.com}
providers:
  mail: PROVIDER
domains:
  example.com: {mail: mail}
tiers:
  super_admin: {admin: super}
people:
  - {name: 王芳, tier: super_admin}
  - {name: 张三, aliases: [zs]}
  - {name: 张伟}
  - {name: 张伟, address: zhangwei2}
  - {name: John Smith}
  - {name: 李娜, left_on: 2026-03-31, successor: wangfang}
mailboxes:
  - {address: info, name: 信息咨询}
groups:
  - {address: sales-team, name: 销售团队, members: [wangfang, zhangsan, zhangwei, john.smith], post: anyone}
  - {address: managers, name: 经理, members: [wangfang, zhangsan], post: members}
  - {address: staff, name: 全员, members: [wangfang, zhangsan, zhangwei, zhangwei2], post: organization}
aliases:
  - {address: hr, to: [wangfang]}
  - {address: orders, to: [wangfang, zhangsan]}
"""


def _changes(run: Run, folder: Path, config: str) -> list[tuple[str, str, str]]:
    plan = run(folder, "plan", config, "--format", "json")
    assert plan.exit_code == 0, plan.stdout + plan.stderr
    return [(c["action"], c["kind"], c["key"]) for c in json.loads(plan.stdout)["changes"]]


def test_a_zoho_organization_round_trips_to_no_changes(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILPLAN_TODAY", "2026-06-01")  # after 李娜's departure
    with harness() as org:
        provider: dict[str, object] = {"type": org.provider_type}
        for key, value in org.settings.items():
            if is_secret_key(key):
                monkeypatch.setenv(f"ZOHO_IMPORT_{key.upper()}", str(value))
                value = f"env:ZOHO_IMPORT_{key.upper()}"
            provider[key] = value
        text = COMPANY.replace("PROVIDER", yaml.safe_dump(provider, default_flow_style=True, width=10_000).strip())
        (tmp_path / "mailplan.yaml").write_text(text, encoding="utf-8")
        applied = run(tmp_path, "apply", "mailplan.yaml", "--auto-approve")
        assert applied.exit_code == 0, applied.stdout + applied.stderr
        assert org.fake.account("lina@example.com")["mailboxStatus"] == "disabled"

        imported = run(tmp_path, "import", "--out", "imported.yaml")
        assert imported.exit_code in (0, 2), imported.stderr
        after_import = _changes(run, tmp_path, "imported.yaml")
        original = _changes(run, tmp_path, "mailplan.yaml")
        assert org.fake.violations == []

    # what is left is the console steps (the password policy) the original config plans as well
    assert {action for action, _, _ in after_import} <= {"manual"}, after_import
    assert set(after_import) <= set(original)
    doc = yaml.safe_load((tmp_path / "imported.yaml").read_text(encoding="utf-8"))
    people = {p.get("address") or p["name"]: p for p in doc["people"]}
    assert {"王芳", "张三", "张伟", "John Smith", "李娜", "信息咨询"} <= {p["name"] for p in doc["people"]}
    assert people["李娜"]["left_on"] and [p["name"] for p in doc["people"] if "left_on" in p] == ["李娜"]
    groups = {g["address"]: g for g in doc["groups"]}
    assert groups["managers"]["post"] == "members" and sorted(groups["managers"]["members"]) == ["wangfang", "zhangsan"]
    assert groups["staff"]["post"] == "organization" and groups["sales-team"].get("post", "anyone") == "anyone"
    aliases = {a["address"]: a for a in doc.get("aliases", [])}
    assert sorted(aliases["orders"]["to"]) == ["wangfang", "zhangsan"]
