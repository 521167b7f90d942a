"""Microsoft 365 through the ``mailplan`` command: a change Graph makes only in part keeps its action
and carries the Exchange step; what Graph cannot write at all is a manual step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fakes.microsoft import GraphFake, harness
from mailplan.cli.main import build

DOMAIN = "example.com"
CONFIG = """\
version: 1
organization: {{name: 示例贸易, primary_domain: {domain}}}
state_dir: state
providers:
  mail:
{settings}
domains:
  {domain}: {{mail: mail}}
people:
  - {{name: 张三}}   # zhangsan
  - {{name: 王芳}}   # wangfang
groups:
  - {{address: managers, name: 经理, members: [zhangsan, wangfang], post: members}}
  - {{address: all, name: Everyone, members: [zhangsan, wangfang]}}   # a distribution list in Exchange
"""


def _run(*args: str, stdout_only: bool = False) -> tuple[int, str]:
    result = CliRunner().invoke(build(), list(args), env={"MAILPLAN_TODAY": "", "NO_COLOR": "1"})
    return result.exit_code, result.stdout if stdout_only else result.stdout + result.stderr


def _config(folder: Path, settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MAILPLAN_TEST_M365_SECRET", str(settings["client_secret"]))
    secret = "    client_secret: env:MAILPLAN_TEST_M365_SECRET"
    lines = [
        f"    {key}: {json.dumps(value)}" if key != "client_secret" else secret
        for key, value in {"type": "microsoft-365", **settings}.items()
    ]
    config = folder / "mailplan.yaml"
    config.write_text(CONFIG.format(domain=DOMAIN, settings="\n".join(lines)), encoding="utf-8")
    return config


def test_partly_applied_groups_and_distribution_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def distribution_list(fake: GraphFake) -> None:
        fake.add_user(f"zhangsan@{DOMAIN}", "张三")
        fake.add_group(f"all@{DOMAIN}", "Everyone", [f"zhangsan@{DOMAIN}"], unified=False)

    with harness(DOMAIN, distribution_list) as h:
        config = _config(tmp_path, h.settings, monkeypatch)
        code, out = _run("plan", str(config), "--format", "json", stdout_only=True)
        changes = {(c["kind"], c["key"]): c for c in json.loads(out)["changes"]}
        managers = changes[("group", f"managers@{DOMAIN}")]
        # Created through Graph, with the Exchange step for who may post on the same change.
        assert managers["action"] == "create"
        assert f"Set-UnifiedGroup -Identity 'managers@{DOMAIN}' -AcceptMessagesOnlySendersOrMembers" in (
            managers["instructions"]
        )
        # A distribution list is read-only in Graph: its new member is an Exchange step.
        dl = changes[("group", f"all@{DOMAIN}")]
        assert dl["action"] == "manual"
        assert f"Add-DistributionGroupMember -Identity 'all@{DOMAIN}' -Member 'wangfang@{DOMAIN}'" in dl["instructions"]

        code, out = _run("apply", str(config), "--auto-approve")
        assert code == 0, out
        assert "manual step — a person must run:" in out
        # the password policy, the distribution list, and who may post to managers (applied in part)
        assert "3 manual steps left for a person" in out
        assert f"managers@{DOMAIN}" in {g["mail"] for g in h.fake.groups.values()}
        assert h.fake.violations == []

        code, out = _run("plan", str(config), "--format", "json", stdout_only=True)
        left = json.loads(out)["changes"]
        # Nothing left but the manual steps: the posting rule asked for is read back.
        assert [(c["action"], c["kind"], c["key"]) for c in left] == [
            ("manual", "policy", DOMAIN),
            ("manual", "group", f"all@{DOMAIN}"),
        ]
        # The distribution list differs from the config as Graph shows it: that is drift, though only
        # Exchange can fix it. The policy step (Graph cannot read a password policy) is not.
        code, out = _run("drift", str(config))
        assert code == 2, out
        assert f"? group all@{DOMAIN}" in out
