"""``--help`` of every command and subcommand, in both languages: the Chinese has no English left
but what a user types (commands, options, metavars, choices, code in backticks), the English no Chinese."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from mailplan.cli.main import build

from .leftover import chinese_left, english_left

# typed as they are in every language: what the helps name besides options and metavars
TYPED = {"Schema", "yes", "none", "system", "local", "json", "csv", "text", "markdown", "html", "vcard",
         "outlook-csv", "generic", "hubspot", "zoho-crm", "testing", "enforce", "Postfix", "Dovecot", "nginx",
         "Radicale", "Apple", "Outlook", "Foxmail", "CRM", "Maildirs", "Maildir", "certbot", "curl", "PYTHONPATH",
         "Python", "IMAP", "IMAPS", "LMTP", "HTTPS", "TLS", "STARTTLS", "MX", "SPF", "DNS", "YAML", "vCard",
         "autoconfig", "autodiscover", "queue_directory", "postmaster", "mx_host", "env", "key", "value", "host",
         "port", "tencent-exmail", "zh-CN", "en", "contacts", "successor", "reason", "left_on", "mta-sts", "apply",
         "plan", "drift", "verify", "log", "check", "root", "smtp", "submission", "submissions"}


def _commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if hasattr(command, "commands"):
            yield from _commands(command, (*path, name))


def _typed(command: Any) -> set[str]:
    """What the user types for this command: its name, its options' metavars and choices."""
    typed = set(TYPED)
    for param in command.params:
        typed.update(str(param.metavar or "").replace("|", " ").replace("[", " ").replace("]", " ").split())
        typed.update(param.name.upper().split("_") if param.name else ())
        typed.update(opt.lstrip("-") for opt in (*param.opts, *param.secondary_opts))  # [default: no-force]
        kind = param.type_descriptor.annotation
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            typed.update(str(choice.value) for choice in kind)
    return typed


ROOT = typer.main.get_group(build())
COMMANDS = [((), ROOT), *_commands(ROOT)]


def _help(args: tuple[str, ...], lang: str) -> str:
    result = CliRunner().invoke(build(), [*args, "--help"], env={"MAILPLAN_LANG": lang, "COLUMNS": "200"})
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.parametrize(("args", "command"), COMMANDS, ids=[" ".join(a) or "mailplan" for a, _c in COMMANDS])
def test_help_is_all_in_the_language(args: tuple[str, ...], command: Any) -> None:
    chinese, english = _help(args, "zh-CN"), _help(args, "en")
    keep = {*args, *_typed(command), *getattr(command, "commands", {})}
    assert english_left(chinese, keep) == [], chinese
    assert chinese_left(english, {"张三"}) == [], english
    assert "用法" in chinese and "Usage" in english
