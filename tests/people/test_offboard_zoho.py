"""Offboarding on Zoho Mail, through the CLI as HR runs it: each step of the departure is applied
through the API, or is a console step naming the Zoho Mail Admin Console path and the real
addresses; Zoho then holds the leaver disabled, still receiving, forwarding to the successor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fakes.zoho import harness
from mailplan.cli.main import build
from mailplan.config.secrets import is_secret_key

CONFIG = """\
version: 1
organization: {{name: 示例贸易, primary_domain: example.com}}
state_dir: state
providers:
  mail:
{settings}
domains:
  example.com: {{mail: mail}}
people:
  - {{name: 张三, aliases: [zs]}}   # zhangsan
  - {{name: 王芳}}                  # wangfang
  - {{name: 李四}}                  # lisi
groups:
  - {{address: sales-team, name: 销售团队, members: [zhangsan, wangfang, lisi], post: members}}
policies:
  offboarding:
    auto_reply:
      subject: "{{name}} 已离职 / {{name}} has left"
      body: "请联系 {{successor_name}}：{{successor_address}}。Please write to {{successor_address}}."
"""


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(build(), list(args), env={"MAILPLAN_TODAY": ""})
    return result.exit_code, result.stdout, result.stderr


def test_offboarding_freezes_hands_over_and_names_each_console_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with harness(("example.com",)) as org:
        lines = [f"    type: {org.provider_type}"]
        for key, value in org.settings.items():
            if is_secret_key(key):
                monkeypatch.setenv(f"ZOHO_TEST_{key.upper()}", str(value))
                value = f"env:ZOHO_TEST_{key.upper()}"
            lines.append(f"    {key}: {json.dumps(value, ensure_ascii=False)}")
        config = tmp_path / "mailplan.yaml"
        config.write_text(CONFIG.format(settings="\n".join(lines)), encoding="utf-8")
        code, out, err = _run("apply", str(config), "--auto-approve")
        assert code == 0, out + err

        code, out, err = _run("offboard", str(config), "zhangsan", "--successor", "王芳", "--now", "--actor", "hr")
        assert code == 0, out + err
        report = out + err

        account = org.fake.account("zhangsan@example.com")
        code, plan, _ = _run("plan", str(config), "--format", "json")
        assert code == 0, plan
        assert org.fake.violations == []

    # Zoho holds the departure: login refused, mail still arriving and passed on with a copy kept
    assert account["mailboxStatus"] == "disabled" and account["incomingBlocked"] is False
    assert account["mailForward"] == [{"mailForward": "wangfang@example.com", "deleteCopy": False, "status": "enabled"}]
    assert "zs@example.com" in [e["mailId"] for e in account["emailAddress"]]
    members = org.fake.group("sales-team@example.com")["mailGroupMemberList"]
    assert sorted(m["memberEmailId"] for m in members) == ["lisi@example.com", "wangfang@example.com"]
    # what the API cannot do is a console step with the real addresses, in the apply's account and the plan
    for step in (
        "✓ create forwarding zhangsan@example.com",
        "? manual autoreply zhangsan@example.com",
        "✓ freeze mailbox zhangsan@example.com",
        "✓ update group sales-team@example.com",
    ):
        assert step in report
    left = json.loads(plan)["changes"]
    assert [c for c in left if c["action"] != "manual"] == []
    manual = {c["kind"]: c["instructions"] for c in left}
    assert "Vacation Reply" in manual["autoreply"] and "wangfang@example.com" in manual["autoreply"]
    assert "mailadmin.zoho.com" in manual["autoreply"]
    assert set(manual) == {"autoreply", "policy"}
    assert "Security & Compliance → Password Policy" in manual["policy"]
