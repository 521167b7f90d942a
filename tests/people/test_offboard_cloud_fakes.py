"""The same offboarding against each cloud provider's fake: offboard, apply, and the re-plan is empty
except for the steps the provider leaves to a person (manual steps, listed with instructions)."""

from __future__ import annotations

import contextlib
import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fakes.settings import provider_block
from mailplan.cli.main import build

FAKES = ["google", "microsoft", "exmail", "alimail", "netease"]
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
departments:
  sales: {{name: 销售部}}
people:
  - {{name: 张三, department: sales}}   # zhangsan
  - {{name: 王芳, department: sales}}   # wangfang
policies:
  offboarding:
    auto_reply:
      subject: "{{name}} 已离职 / {{name}} has left"
      body: "请联系 {{successor_name}}：{{successor_address}}。Please write to {{successor_address}}."
"""


@contextlib.contextmanager
def company(fake: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    module = importlib.import_module(f"fakes.{fake}")
    kwargs: dict[str, Any] = {"domain": DOMAIN} if fake in ("google", "microsoft") else {"domains": (DOMAIN,)}
    with module.harness(**kwargs) as harness:
        block, env = provider_block(harness.provider_type, harness.settings)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        config = folder / "mailplan.yaml"
        config.write_text(CONFIG.format(domain=DOMAIN, settings=block), encoding="utf-8")
        yield config


def _run(*args: str, stdout_only: bool = False) -> tuple[int, str]:
    result = CliRunner().invoke(build(), list(args), env={"MAILPLAN_TODAY": ""})
    return result.exit_code, result.stdout if stdout_only else result.stdout + result.stderr


@pytest.mark.parametrize("fake", FAKES)
def test_offboard_apply_and_replan(fake: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with company(fake, tmp_path, monkeypatch) as config:
        code, out = _run("apply", str(config), "--auto-approve")
        if code == 1 and "does not support" in out:
            pytest.skip(f"{fake}: {out.strip().splitlines()[0]}")
        assert code == 0, out
        code, out = _run("offboard", str(config), "zhangsan", "--successor", "王芳", "--now", "--actor", "hr")
        if code == 1 and "does not support" in out:
            pytest.fail(f"{fake} cannot take an offboarding: {out}")
        assert code == 0, out
        assert "freeze mailbox zhangsan@example.com" in out
        code, out = _run("plan", str(config), "--format", "json", stdout_only=True)
        assert code == 0, out
        left = [c for c in json.loads(out)["changes"] if c["action"] != "manual"]
        assert left == [], f"{fake}: re-plan after offboarding is not empty: {left}"
