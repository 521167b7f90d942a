"""The README keeps what a newcomer needs first: the two setup commands CI runs, and why each library is there.
(Its links, and the generated tables that moved to docs/, are checked in tests/docs/.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_two_setup_commands_are_the_scripts_ci_runs() -> None:
    block = README.split("## Two commands")[1].split("```sh")[1].split("```")[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["./scripts/demo", "./scripts/test"]
    assert "exec ./scripts/test" in (ROOT / ".ci" / "run").read_text()
    for script in ("demo", "test"):
        assert (ROOT / "scripts" / script).stat().st_mode & 0o111


def test_the_readme_has_no_other_setup_command() -> None:
    """A newcomer sees two ways in, not a third hidden in a later code block."""
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    assert len(blocks) == 1, "the README shows one shell block: the two setup commands"


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0]


def test_every_dependency_says_why_it_was_added() -> None:
    section = README.split("## Dependencies, and why")[1]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    whys = dict(re.findall(r"^\| `([^`]+)`[^|]*\| (.+?) \|$", section, re.M))
    for name in map(_name, project["dependencies"]):
        assert whys.get(name, "").strip(), f"the README's dependency table does not say why `{name}` is there"
    for name in map(_name, project["optional-dependencies"]["test"]):
        if not name.startswith("types-"):
            assert f"`{name}`" in section, f"the README's dependency section does not name the test library `{name}`"
