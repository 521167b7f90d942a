"""The ``mailplan`` command. Each command family lives in its own module and
registers itself on the app; this file only assembles them."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

from mailplan import i18n
from mailplan.cli.localized_help import RootGroup
from mailplan.i18n import N_, _

app = typer.Typer(
    name="mailplan",
    cls=RootGroup,
    help=N_("Declarative mail infrastructure: one YAML file, a plan, an apply."),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _language(value: str | None) -> str | None:
    # RootGroup chose the language before parsing (help texts need it); here an unknown one is refused
    if value and i18n.language_of(value) is None:
        raise typer.BadParameter(_("'{value}' is no language mailplan speaks: zh-CN or en", value=value))
    return value


@app.callback()
def options(
    lang: str | None = typer.Option(
        None,
        "--lang",
        envvar="MAILPLAN_LANG",
        metavar="zh-CN|en",
        callback=_language,
        help=N_("The language of what mailplan prints (default: MAILPLAN_LANG, else the locale: LC_ALL, "
                "LC_MESSAGES, LANG); JSON, exit codes and the journal are the same in every language."),
    ),
) -> None:
    pass

# Modules with a ``register(app: typer.Typer) -> None`` function.
COMMAND_MODULES = [
    "mailplan.cli.core_cmds",
    "mailplan.cli.check_cmd",
    "mailplan.cli.mta_sts_cmd",
    "mailplan.cli.local_cmds",
    "mailplan.cli.client_config_cmd",
    "mailplan.cli.import_cmd",
    "mailplan.cli.people_cmds",
    "mailplan.cli.audit_cmds",
    "mailplan.cli.names_cmd",
    "mailplan.cli.export_cmds",
]


def build() -> typer.Typer:
    # once: tests build the app for every invocation, and each registration would add the commands again
    if not app.registered_commands:
        for name in COMMAND_MODULES:
            importlib.import_module(name).register(app)
    return app


def run() -> None:
    """Run the CLI. A usage error (unknown option, bad value) exits 1, not click's 2:
    in mailplan 2 means "found something" (changes, drift, findings), and CI reads it so."""
    build()
    try:
        code = app(standalone_mode=False)
    except _CLICK_ERROR as exc:
        error: Any = exc
        error.show()
        sys.exit(1 if isinstance(exc, _USAGE_ERROR) else error.exit_code)
    except typer.Abort:
        typer.echo(_("aborted"), err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def _base_of(cls: type, name: str) -> type[Exception]:
    found: type[Exception] = next(c for c in cls.__mro__ if c.__name__ == name)
    return found


# typer exports BadParameter but not its bases (it may bundle click privately): take them from it.
_USAGE_ERROR = _base_of(typer.BadParameter, "UsageError")
_CLICK_ERROR = _base_of(typer.BadParameter, "ClickException")
