"""A tenant read from a fake, imported into a config, and that config planned through the CLI:
what a plan with no changes costs, counted on the fake."""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from mailplan.config.secrets import is_secret_key

# The commands these tests drive; the full CLI is assembled from the same modules.
MODULES = ("mailplan.cli.core_cmds", "mailplan.cli.import_cmd")


def cli(folder: Path, *args: str) -> tuple[int, str, str]:
    """Run mailplan in-process in ``folder``: (exit code, stdout, stderr)."""
    app = typer.Typer(pretty_exceptions_enable=False)
    for name in MODULES:
        importlib.import_module(name).register(app)
    old = Path.cwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def import_then_plan(
    folder: Path,
    provider_type: str,
    settings: dict[str, Any],
    domains: tuple[str, ...],
    fake: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> list[dict[str, Any]]:
    """Import the tenant ``fake`` holds, then plan the imported file; the fake counts only the plan's calls.

    Returns the plan's changes (JSON)."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr("mailplan.providers.http.pause", fake.clock.advance)  # a rate limit's wait passes at once
    provider: dict[str, Any] = {"type": provider_type}
    for key, value in settings.items():
        if is_secret_key(key):
            monkeypatch.setenv(f"TENANT_PLAN_{key.upper()}", str(value))
            value = f"env:TENANT_PLAN_{key.upper()}"
        provider[key] = value
    start = {
        "version": 1,
        "organization": {"name": "示例贸易", "primary_domain": domains[0]},
        "providers": {"mail": provider},
        "domains": {d: {"mail": "mail"} for d in domains},
    }
    (folder / "start.yaml").write_text(yaml.safe_dump(start, allow_unicode=True), encoding="utf-8")
    code, _, err = cli(folder, "import", "--config", "start.yaml", "--out", "mailplan.yaml")
    assert code in (0, 2), err
    with fake.lock:
        fake.calls.clear()
        fake.log.clear()
        fake.refused.clear()
    code, out, err = cli(folder, "plan", "mailplan.yaml", "--format", "json")
    assert code == 0, out + err
    changes: list[dict[str, Any]] = json.loads(out)["changes"]
    return changes
