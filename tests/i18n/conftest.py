"""The example company with a history (an apply, then a departure), read in both languages."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from mailplan.cli.main import build
from people.conftest import EXAMPLE, Company

KEY = "0123456789abcdef0123456789abcdef"


@dataclass
class History(Company):
    """The example company (people/conftest.py), run in a language."""

    def run(self, *args: str, lang: str = "en", **env: str) -> Result:  # type: ignore[override]  # a language, no today
        return CliRunner().invoke(build(), list(args), env={"MAILPLAN_LANG": lang, "MAILPLAN_TODAY": "", **env})

    def entries(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.journal.read_text(encoding="utf-8").splitlines()]

    def data(self) -> set[str]:
        """What the journal holds that no language changes: actors, provider names, keys, the providers' answers."""
        entries = self.entries()
        return {str(e[field]) for e in entries for field in ("actor", "provider", "key", "answer")}


@pytest.fixture(scope="package")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    """Applied in English, the departure recorded in Chinese (the journal must not care), entries signed."""
    company = History(tmp_path_factory.mktemp("history"))
    shutil.copy(EXAMPLE, company.config)
    (company.folder / "journal.key").write_text(KEY + "\n", encoding="utf-8")
    with company.config.open("a", encoding="utf-8") as fh:
        fh.write("\njournal_key: file:journal.key\n")
    for args, lang in [
        (("apply", str(company.config), "--auto-approve"), "en"),
        (("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--now", "--actor", "hr:李敏"), "zh-CN"),
    ]:
        result = company.run(*args, lang=lang)
        assert result.exit_code == 0, result.stdout + result.stderr
    yield company
