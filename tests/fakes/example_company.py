"""The example company against a cloud fake, through the real ``mailplan`` command."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from fakes.settings import provider_block


class ExampleCompany:
    """A copy of ``examples/`` whose mail provider is a fake; secrets passed as ``env:`` references."""

    def __init__(self, workdir: Path, provider_type: str, settings: dict[str, Any], secret_keys: set[str]) -> None:
        examples = Path(__file__).parents[2] / "examples"
        self.dir = workdir / "company"
        shutil.copytree(examples, self.dir, ignore=shutil.ignore_patterns(".mailplan", "zones", "*.sqlite"))
        block, secrets = provider_block(provider_type, settings, secret=secret_keys.__contains__)
        self.env = {**os.environ, "NO_COLOR": "1", **secrets}
        config = self.dir / "mailplan.yaml"
        text, count = re.subn(r"    type: local\n(    [a-z_]+: .*\n)+", block + "\n", config.read_text())
        assert count == 1, "the example's mail provider block changed shape"
        config.write_text(text)

    def run(self, *args: str) -> Any:
        return subprocess.run(
            [sys.executable, "-m", "mailplan", *args],
            cwd=self.dir, env=self.env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    def plan(self) -> list[dict[str, Any]]:
        """The changes of a fresh plan (JSON)."""
        result = self.run("plan", "--format", "json")
        assert result.returncode == 0, result.stderr
        return list(json.loads(result.stdout)["changes"])

    def apply(self) -> None:
        result = self.run("apply", "--auto-approve")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
