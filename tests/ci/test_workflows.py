"""The example workflows run only commands and flags mailplan has, and the nightly job behaves on real data."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from mailplan import clock
from mailplan.cli.main import build
from people.conftest import Company

CI = Path(__file__).resolve().parents[2] / "examples" / "ci"
WORKFLOWS = sorted((CI / "github").glob("*.yml"))
# words after which a new command starts (besides the shell's operators)
_KEYWORDS = frozenset({"then", "else", "do", "{", "!", "time"})
_FLAG = re.compile(r"(?<![\w-])(--?[a-zA-Z][\w-]*)")


def _steps(workflow: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    return [step for job in data["jobs"].values() for step in job["steps"]]


def _mailplan_commands(script: str) -> list[list[str]]:
    """The words of each ``mailplan ...`` command a run: script starts, split as the shell would (quotes kept
    together, ``;``, ``&&``, ``|``, ``(``, redirections ending a command)."""
    found: list[list[str]] = []
    for line in script.replace("\\\n", " ").splitlines():  # a line ends a command too
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        current: list[str] | None = None
        at_start = True
        for token in lexer:
            if token and all(ch in lexer.punctuation_chars for ch in token):
                current, at_start = None, True
            elif current is not None:
                current.append(token)
            elif at_start and token == "mailplan":
                current = [token]
                found.append(current)
            else:
                at_start = token in _KEYWORDS
    return found


@dataclass(frozen=True)
class Help:
    """What ``mailplan ... --help`` says a command takes: flag -> the values it allows (empty: any)."""

    options: dict[str, frozenset[str]]


def _help(path: list[str]) -> str:
    result = CliRunner().invoke(build(), [*path, "--help"], env={"COLUMNS": "250", "NO_COLOR": "1"})
    assert result.exit_code == 0, f"`mailplan {' '.join(path)}` is no command of mailplan: {result.output}"
    return result.output


def _resolve(words: list[str]) -> tuple[Help, list[str]]:
    """The (sub)command the words name, read from its ``--help``, and the words after it."""
    path, rest = [words[1]], words[2:]
    text = _help(path)
    while "COMMAND [ARGS]" in text.splitlines()[1]:  # a group: the next word picks the subcommand
        assert rest, f"`{' '.join(words)}` names no command"
        path, rest = [*path, rest[0]], rest[1:]
        text = _help(path)
    options: dict[str, frozenset[str]] = {}
    for row in text.splitlines():
        cells = row.strip("│ ").split()
        flags = [c for c in itertools.takewhile(lambda c: c.startswith("-"), cells)]
        choices = re.search(r"<([\w|-]+\|[\w|-]+)>", row)
        for flag in flags:
            options[flag] = frozenset(choices.group(1).split("|")) if choices else frozenset()
    return Help(options), rest


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_every_mailplan_command_of_a_workflow_exists_with_its_flags(workflow: Path) -> None:
    commands = [c for step in _steps(workflow) if "run" in step for c in _mailplan_commands(step["run"])]
    assert commands, f"{workflow.name} runs no mailplan command"
    for words in commands:
        line = " ".join(words)
        command, rest = _resolve(words)
        for index, word in enumerate(rest):
            for flag in _FLAG.findall(word):
                assert flag in command.options, f"{workflow.name}: `{line}`: mailplan has no {flag} for this command"
                allowed, value = command.options[flag], rest[index + 1] if index + 1 < len(rest) else ""
                if allowed and "$" not in value:
                    assert value in allowed, f"{workflow.name}: `{line}`: {flag} takes one of {sorted(allowed)}"


def test_the_flag_check_would_catch_a_wrong_flag() -> None:
    script = 'set +e\nmailplan plan x --format markdown > p.md\n[ -s p.md ] || echo "mailplan plan failed"\n'
    assert _mailplan_commands(script) == [["mailplan", "plan", "x", "--format", "markdown"]]
    assert _mailplan_commands("if a; then mailplan audit verify \\\n  --save-head h; fi") == [
        ["mailplan", "audit", "verify", "--save-head", "h"]
    ]
    verify, _ = _resolve(shlex.split("mailplan audit verify mailplan.yaml"))
    assert "--expect-head" in verify.options and "--since" not in verify.options
    plan, _ = _resolve(["mailplan", "plan"])
    assert plan.options["--format"] == {"text", "json", "markdown"} and "--no-allow-delete" in plan.options
    with pytest.raises(AssertionError, match="no command"):
        _resolve(["mailplan", "audit", "seal"])


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_mailplan_is_installed_from_its_repository(workflow: Path) -> None:
    scripts = "\n".join(step.get("run", "") for step in _steps(workflow))
    assert not re.search(r"pip install\s+(--\S+\s+)*mailplan\b", scripts), "mailplan is not on PyPI"
    assert '"$MAILPLAN_SOURCE"' in scripts
    assert "git+https://" in workflow.read_text(encoding="utf-8")


def test_the_secrets_are_the_ones_the_docs_name() -> None:
    readme = (CI / "README.md").read_text(encoding="utf-8")
    used = {name for w in WORKFLOWS for name in re.findall(r"secrets\.(\w+)", w.read_text(encoding="utf-8"))}
    assert "EXMAIL_CORP_SECRET" in used and "EXMAIL_SECRET" not in used
    assert {name for name in used if name not in readme} == set()


def test_the_nightly_actor_names_who_started_a_manual_run_and_the_workflow() -> None:
    (job,) = yaml.safe_load((CI / "github" / "nightly.yml").read_text(encoding="utf-8"))["jobs"].values()
    actor = job["env"]["ACTOR"]
    assert "github.actor" in actor and "github.workflow" in actor and "workflow_dispatch" in actor
    runs = [words for step in job["steps"] for words in _mailplan_commands(step.get("run", ""))]
    assert ["mailplan", "apply", "mailplan.yaml", "--auto-approve", "--actor", "$ACTOR", "--lock-timeout", "5m"] in runs


def _move_the_clock(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    """The retention gate trusts the real clock (mailplan.clock), not MAILPLAN_TODAY: years must pass for it."""
    monkeypatch.setattr(clock, "today", lambda: day)


def test_drift_at_night_is_quiet_about_a_deletion_that_only_waits_for_allow_delete(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After lina2's retention ends, nightly's apply holds the deletion back; drift must not call it a hand edit."""
    company.apply()  # lina2 (left 2026-09-30) is frozen now
    later = dt.date(2032, 6, 1)  # five years on
    _move_the_clock(monkeypatch, later)
    company.apply(today=later)  # what fell due since is done; the deletion is held back
    quiet = company.run("drift", str(company.config), today=later)
    assert quiet.exit_code == 0, quiet.stdout + quiet.stderr
    assert "- mailbox lina2@huamao-trade.com  (mail) — its retention period has ended" in quiet.stdout
    assert "wait for `mailplan apply --allow-delete` (retention passed): not drift" in quiet.stderr
    company.db("UPDATE mailbox SET name = '被人改了' WHERE username = 'zhangsan@huamao-trade.com'")
    assert company.run("drift", str(company.config), today=later).exit_code == 2  # a hand edit still is drift
