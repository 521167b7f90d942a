"""``--help`` in the run's language: the command classes that translate their texts when help is shown.

The help texts stay English msgids (marked ``N_``) on the commands and options; a command whose
class is ``LocalizedCommand`` or ``LocalizedGroup`` translates them, and typer's own words
(the panel titles, "[default: …]", the usage line), only while its help is printed. Nothing
happens at start-up, and nothing at all in English.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from typer.core import TyperCommand, TyperGroup

from mailplan import i18n
from mailplan.i18n import N_, gettext

# typer's words in its help screens (module constants of typer.rich_utils, read when help is drawn)
FRAMEWORK_WORDS = {
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"),
    "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"),
    "DEFAULT_STRING": N_("[default: {}]"),
    "ENVVAR_STRING": N_("[env var: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"),
    "DEPRECATED_STRING": N_("(deprecated) "),
}
HELP_OPTION = N_("Show this message and exit.")
USAGE = N_("Usage: ")


def _tr(text: str | None) -> str | None:
    return gettext(text) if text else text


@contextlib.contextmanager
def _translated(command: Any, ctx: Any) -> Iterator[None]:
    """The command's help texts, its options' and its subcommands' in the run's language, while inside."""
    if i18n.language() == i18n.ENGLISH:
        yield
        return
    from typer import rich_utils

    targets: list[Any] = [command, *getattr(command, "commands", {}).values()]
    params = command.get_params(ctx)
    saved = [(t, t.help, t.short_help) for t in targets], [(p, p.help, p.show_default) for p in params]
    words = {name: getattr(rich_utils, name) for name in (*FRAMEWORK_WORDS, "_make_rich_text")}
    try:
        for target in targets:
            target.help, target.short_help = _tr(target.help), _tr(target.short_help)
        for param in params:
            param.help = _tr(param.help)
            if isinstance(param.show_default, str):  # a default described in words (a message)
                param.show_default = _tr(param.show_default)
        for name, english in FRAMEWORK_WORDS.items():
            setattr(rich_utils, name, gettext(english))  # "{}" in them is typer's to fill
        rich_utils._make_rich_text = _folding(words["_make_rich_text"])
        yield
    finally:
        for target, text, short in saved[0]:
            target.help, target.short_help = text, short
        for param, text, default in saved[1]:
            param.help, param.show_default = text, default
        for name, value in words.items():
            setattr(rich_utils, name, value)


def _folding(make: Any) -> Any:
    """typer's maker of help texts, its texts folded at the edge: a line of Chinese has no spaces to
    break at, and rich would cut it off with "…"."""

    def make_folding(**kwargs: Any) -> Any:
        made = make(**kwargs)
        if hasattr(made, "overflow"):
            made.overflow = "fold"
        return made

    return make_folding


def _write_usage(command: Any, ctx: Any, formatter: Any) -> None:
    formatter.write_usage(ctx.command_path, " ".join(command.collect_usage_pieces(ctx)), prefix=gettext(USAGE))


class LocalizedCommand(TyperCommand):
    def format_help(self, ctx: Any, formatter: Any) -> None:
        with _translated(self, ctx):
            super().format_help(ctx, formatter)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        _write_usage(self, ctx, formatter)


class LocalizedGroup(TyperGroup):
    def format_help(self, ctx: Any, formatter: Any) -> None:
        with _translated(self, ctx):
            super().format_help(ctx, formatter)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        _write_usage(self, ctx, formatter)


class RootGroup(LocalizedGroup):
    """The ``mailplan`` command: it chooses the run's language before anything is parsed or printed."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **extra: Any) -> Any:
        import sys

        i18n.select(requested_language(sys.argv[1:] if args is None else args))
        return super().main(args, *rest, **extra)


def requested_language(args: Sequence[str]) -> str | None:
    """The value of ``--lang`` among the options before the command (``mailplan --lang zh-CN audit log``)."""
    for index, arg in enumerate(args):
        if arg == "--lang":
            return args[index + 1] if index + 1 < len(args) else None
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
        if arg == "--" or not arg.startswith("-"):
            break
    return None
