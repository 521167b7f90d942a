"""Every `mailplan` command the README and docs/ show — in a code block or inline — is a command of
mailplan, with flags it has and, where a flag takes one of a few values, values it allows. A renamed flag
or a dropped format fails here, not in a reader's terminal."""

from __future__ import annotations

import enum
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from mailplan.cli.main import build

from .generated import ROOT, pages

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"(?<!`)`(mailplan [^`]+)`(?!`)")
# shell around a command: comments, pipes, redirections, a prompt, a YAML `run:` key
# and the aligned description after a synopsis (two spaces or more)
SEGMENT_END = re.compile(r"\s(?:#|\|\s|&&|;|>|2>|<)|\s{2,}(?![\s\[-])|[)`]")
START = re.compile(r"^\s*(?:\$\s+|-\s+run:\s+|run:\s+)?(mailplan (?:--lang \S+ )?[a-z][\w-]*.*)")
PLACEHOLDER = re.compile(r"^[A-Z][A-Z_:.\[\]-]*$|^\.\.\.$|^…$")


def shown(page: Path) -> Iterator[str]:
    """Each mailplan command line of the page, without what surrounds it."""
    text = page.read_text(encoding="utf-8")
    # a command continued on the next line with a backslash is one command
    lines = [line for block in FENCE.findall(text) for line in re.sub(r"\s*\\\n\s*", " ", block).splitlines()]
    lines += INLINE.findall(FENCE.sub("", text))
    for line in lines:
        start = START.match(line)
        if start is None:
            continue
        command = SEGMENT_END.split(start.group(1))[0].strip()
        # a list of commands written "mailplan a · b c · d"
        for i, part in enumerate(command.split(" · ")):
            yield part if i == 0 else f"mailplan {part}"


def _words(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


def _choices(option: Any) -> list[str] | None:
    """The values an option allows, when its type is an enum."""
    annotation = getattr(getattr(option, "type_descriptor", None), "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    return None


def problems(command: str, root: Any) -> list[str]:
    words = _words(command)[1:]
    found: list[str] = []
    node = root
    path = ["mailplan"]
    while hasattr(node, "commands") and words:
        word = words.pop(0)
        if word == "--lang":
            words = words[1:]
            continue
        if PLACEHOLDER.match(word) or word in {"/", "--help"}:
            return found
        sub = node.commands.get(word)
        if sub is None:
            return [f"`{' '.join(path)} {word}`: no such command"]
        node, path = sub, [*path, word]
    options = {name: p for p in node.params if p.param_type_name == "option" for name in (*p.opts, *p.secondary_opts)}
    for i, word in enumerate(words):
        word = word.strip("[]")
        if not word.startswith("--"):
            continue
        flag, _, value = word.partition("=")
        if flag == "--help":
            continue
        if flag not in options:
            found.append(f"`{' '.join(path)}` has no option {flag}")
            continue
        option = options[flag]
        if not value and not option.is_flag and i + 1 < len(words):
            value = words[i + 1].strip("[]")
        allowed = _choices(option)
        if allowed and value and not PLACEHOLDER.match(value):
            found += [f"`{' '.join(path)} {flag}` takes no value '{v}' (only {allowed})"
                      for v in value.split("|") if v not in allowed and not PLACEHOLDER.match(v)]  # fmt: skip
    return found


ROOT_COMMAND = typer.main.get_command(build())
PAGES = pages()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_command_shown_is_one_mailplan_has(page: Path) -> None:
    wrong = [f"{command}  →  {p}" for command in shown(page) for p in problems(command, ROOT_COMMAND)]
    assert not wrong, f"{page.relative_to(ROOT)} shows commands mailplan does not have:\n" + "\n".join(wrong)


def test_the_pages_show_commands_at_all() -> None:
    """The extraction finds the commands a reader sees (an empty extraction would pass everything)."""
    readme = list(shown(ROOT / "README.md"))
    assert "mailplan validate [CONFIG]" in readme[0] and len(readme) > 20
    assert any(c.startswith("mailplan audit verify") for c in readme)


def test_a_misspelt_flag_or_value_is_caught() -> None:
    assert problems("mailplan plan --detailed-exit-code", ROOT_COMMAND) == [
        "`mailplan plan` has no option --detailed-exit-code"
    ]
    assert problems("mailplan plan --format yaml", ROOT_COMMAND)
    assert problems("mailplan offbaord 张三", ROOT_COMMAND)
    assert not problems("mailplan plan --format text|json|markdown --out plan.json", ROOT_COMMAND)
