"""The README shows what the code does: its generated tables are current, its two commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from mailplan.providers import capability_table

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_capability_table_matches_the_providers() -> None:
    found = README.split(capability_table.BEGIN)[1].split(capability_table.END)[0]
    assert found.strip() == capability_table.markdown().strip(), (
        "README's capability table is stale: paste `python -m mailplan.providers.capability_table`"
    )


def test_the_two_setup_commands_are_the_scripts_ci_runs() -> None:
    block = README.split("## Two commands")[1].split("```sh")[1].split("```")[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["./scripts/demo", "./scripts/test"]
    assert "exec ./scripts/test" in (ROOT / ".ci" / "run").read_text()
    for script in ("demo", "test"):
        assert (ROOT / "scripts" / script).stat().st_mode & 0o111


def test_every_linked_file_exists() -> None:
    for target in re.findall(r"\]\(((?!https?:|#)[^)]+)\)", README):
        assert (ROOT / target.split("#")[0]).exists(), target


def test_the_dns_templates_table_matches_the_templates() -> None:
    from mailplan.dns.template_table import markdown_table

    table = markdown_table().strip()
    assert table.splitlines()[0] in README, "README has no provider templates table"
    assert table in README, "README's DNS templates table is stale: paste `python -m mailplan.dns.template_table`"
