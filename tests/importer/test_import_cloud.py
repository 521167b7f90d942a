"""Import from each cloud provider's fake: set a company up through mailplan, import it, plan → no changes."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
import yaml

from mailplan.config.secrets import is_secret_key
from mailplan.providers.registry import provider_class

from .conftest import Run

# Every cloud mail fake; one without a harness fails here instead of being left out.
FAKES = ["exmail", "alimail", "google", "microsoft", "netease"]

# 李娜 left (her mailbox is frozen); managers is a group only its members may post to.
COMPANY = """\
version: 1
organization: {name: 示例贸易, primary_domain: example.com}
providers:
  mail: PROVIDER
domains:
  example.com: {mail: mail}
departments:
  sales: {name: 销售部, manager: wangfang}
people:
  - {name: 王芳, department: sales}
  - {name: 张三, department: sales, aliases: [zs]}
  - {name: 张伟, department: sales}
  - {name: 张伟, address: zhangwei2, department: sales}
  - {name: John Smith, department: sales}
  - {name: 李娜, department: sales, left_on: 2026-03-31}
groups:
  - {address: sales-team, name: 销售团队, members: [department:sales], post: anyone}
  - {address: managers, name: 经理, members: [wangfang, zhangsan], post: members}
aliases:
  - {address: hr, to: [wangfang]}
"""
TODAY = "2026-06-01"  # after 李娜's departure


@pytest.fixture(params=FAKES)
def tenant(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    module = importlib.import_module(f"fakes.{request.param}")
    harness: AbstractContextManager[Any] = module.harness()
    monkeypatch.setenv("MAILPLAN_TODAY", TODAY)
    with harness as h:
        provider: dict[str, Any] = {"type": h.provider_type}
        for key, value in h.settings.items():
            if is_secret_key(key):
                name = f"IMPORT_TEST_{key.upper()}"
                monkeypatch.setenv(name, value)
                value = f"env:{name}"
            provider[key] = value
        yield provider


def test_cloud_tenant_round_trips_to_no_changes(run: Run, tenant: dict[str, Any], tmp_path: Path) -> None:
    text = COMPANY.replace("PROVIDER", yaml.safe_dump(tenant, default_flow_style=True, width=10_000).strip())
    (tmp_path / "mailplan.yaml").write_text(text, encoding="utf-8")
    applied = run(tmp_path, "apply", "mailplan.yaml", "--auto-approve")
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    imported = run(tmp_path, "import", "--out", "imported.yaml")
    assert imported.exit_code in (0, 2), imported.stderr
    # What the provider cannot hold or show (e.g. a policy set by hand in its console) stays a manual
    # step in every plan; the imported file plans nothing beyond such steps of the original config
    # (fewer, where the original asked for something the tenant does not have).
    after_import = _changes(run, tmp_path, "imported.yaml")
    original = _changes(run, tmp_path, "mailplan.yaml")
    assert set(after_import) <= set(original)
    assert {action for action, _, _ in after_import} <= {"manual"}, after_import
    doc = yaml.safe_load((tmp_path / "imported.yaml").read_text(encoding="utf-8"))
    people = {p.get("address") or p["name"]: p for p in doc["people"]}
    names = sorted(p["name"] for p in doc["people"])  # a tenant may hold its admin as well
    assert set(names) >= {"王芳", "张三", "张伟", "John Smith", "李娜"} and names.count("张伟") == 2
    # the frozen mailbox comes back as a person who left
    assert people["李娜"]["left_on"] and "successor" not in people["李娜"]
    assert [p["name"] for p in doc["people"] if "left_on" in p] == ["李娜"]
    groups = {g["address"]: g for g in doc.get("groups", [])}
    console_step = ("manual", "group", "managers@example.com") in original
    if {"group", "group.post.members"} <= provider_class(tenant["type"]).SUPPORTS:
        assert not console_step
    if console_step:
        # The API cannot hold the group (Alibaba Mail has no public group API): it stays a console
        # step of the original config, and the import does not make one up.
        assert "managers" not in groups
    else:
        assert groups["managers"]["post"] == "members"
        assert sorted(groups["managers"]["members"]) == ["wangfang", "zhangsan"]


def _changes(run: Run, folder: Path, config: str) -> list[tuple[str, str, str]]:
    plan = run(folder, "plan", config, "--format", "json")
    assert plan.exit_code == 0, plan.stdout + plan.stderr
    return [(c["action"], c["kind"], c["key"]) for c in json.loads(plan.stdout)["changes"]]


def test_an_import_that_leaves_only_console_steps_exits_0(
    run: Run, tenant: dict[str, Any], tmp_path: Path
) -> None:
    """Exit 2 means "something was left out": a console step the provider's API cannot read (a password
    policy) is in every plan of the original config too, and is no reason for it."""
    text = COMPANY.replace("PROVIDER", yaml.safe_dump(tenant, default_flow_style=True, width=10_000).strip())
    (tmp_path / "mailplan.yaml").write_text(text, encoding="utf-8")
    assert run(tmp_path, "apply", "mailplan.yaml", "--auto-approve").exit_code == 0
    imported = run(tmp_path, "import", "--out", "imported.yaml")
    assert imported.exit_code == 0, imported.stderr
    assert "not imported" not in imported.stderr and "a plan would still" not in imported.stderr
    assert "manual step" in imported.stderr  # the password policy: a console step here as in the original
    left = _changes(run, tmp_path, "imported.yaml")
    assert left and all(action == "manual" for action, _, _ in left)


def test_a_group_owner_who_left_stays_its_owner_and_the_import_says_so_exactly(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Google: 李娜 left (frozen) and still owns a group; the import keeps her as its owner (people who left
    stay in groups: remove_from_groups: false), calls nothing "not imported" that it imported, and the
    first plan of the imported file changes nothing (it would otherwise take her out of the group)."""
    module = importlib.import_module("fakes.google")
    monkeypatch.setenv("MAILPLAN_TODAY", TODAY)
    with module.harness() as h:
        provider = {"type": h.provider_type, **{k: v for k, v in h.settings.items() if not is_secret_key(k)}}
        monkeypatch.setenv("IMPORT_TEST_KEY", h.settings["service_account_key"])
        provider["service_account_key"] = "env:IMPORT_TEST_KEY"
        text = COMPANY.replace("PROVIDER", yaml.safe_dump(provider, default_flow_style=True, width=10_000).strip())
        (tmp_path / "mailplan.yaml").write_text(text, encoding="utf-8")
        assert run(tmp_path, "apply", "mailplan.yaml", "--auto-approve").exit_code == 0
        group = h.fake.add_group("suppliers@example.com", "供应商", {"wangfang@example.com": "MEMBER"})
        h.fake.members[group["id"]]["lina@example.com"] = h.fake._member("lina@example.com", "OWNER", "ALL_MAIL")

        imported = run(tmp_path, "import", "--out", "imported.yaml")

        assert "suppliers" not in imported.stderr, imported.stderr
        doc = yaml.safe_load((tmp_path / "imported.yaml").read_text(encoding="utf-8"))
        suppliers = next(g for g in doc["groups"] if g["address"] == "suppliers")
        assert suppliers["owners"] == ["lina"]
        assert doc["policies"]["offboarding"]["remove_from_groups"] is False
        assert not [c for c in _changes(run, tmp_path, "imported.yaml") if c[0] != "manual"]
        apply = run(tmp_path, "apply", "imported.yaml", "--auto-approve")
        assert apply.exit_code == 0, apply.stderr
        assert h.fake.members[group["id"]]["lina@example.com"]["role"] == "OWNER"
