"""The ``mailplan`` command. Each command family lives in its own module and
registers itself on the app; this file only assembles them.

Start-up is imports: a command imports only its own module (and that module only
what the command needs), and ``mailplan --help`` imports none of them. A new
command is one line in ``COMMANDS``.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
from typer.core import TyperCommand

from mailplan import i18n
from mailplan.cli.localized_help import RootGroup
from mailplan.i18n import N_, _

_CORE = "mailplan.cli.core_cmds"
_PEOPLE = "mailplan.cli.people_cmds"

# command -> (the module whose ``register(app: typer.Typer) -> None`` adds it, the line --help shows
# for it: the first line of its docstring or group help, which a test holds them to; translated when shown)
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": (_CORE, N_("Check the config: syntax, references, naming collisions, provider capabilities.")),
    "plan": (_CORE, N_("Show what apply would change.")),
    "apply": (_CORE, N_("Apply the changes (asks first, unless --auto-approve or --plan).")),
    "drift": (_CORE, N_("Does the live setup still match the config? Exit 0 in sync, 2 drift.")),
    "schema": (_CORE, N_("Print the JSON Schema of the config file.")),
    "check": (
        "mailplan.cli.check_cmd",
        N_("Query live DNS for every domain and report rule findings. Exit 0 fine, 2 findings, 1 the check failed."),
    ),
    "mta-sts": (
        "mailplan.cli.mta_sts_cmd",
        N_("Print (or write) the MTA-STS policy file each domain must serve at https://mta-sts.<domain>/."),
    ),
    "import": (
        "mailplan.cli.import_cmd",
        N_("Read an existing tenant and write it as a mailplan.yaml that plans no changes."),
    ),
    "onboard": (_PEOPLE, N_("Add a person with the address derived from their name, and show the plan.")),
    "offboard": (_PEOPLE, N_("Record that a person leaves (left_on, successor, reason) and show the plan it causes.")),
    "rehire": (_PEOPLE, N_("Undo a departure (removes left_on, successor, reason) and show what comes back.")),
    "local": (
        "mailplan.cli.local_cmds",
        N_("The self-hosted backend: Postfix and Dovecot serving the local mail database."),
    ),
    "audit": ("mailplan.cli.audit_cmds", N_("The audit journal: every applied change, hash-chained.")),
    "names": (
        "mailplan.cli.names_cmd",
        N_("List every person's address and how the name was read; exit 2 when a reading is doubtful."),
    ),
    "export": ("mailplan.cli.export_cmds", N_("Files for other systems: a CRM, mail clients' address books.")),
}

# module -> modules that add subcommands to its group (imported with it)
EXTENDS: dict[str, tuple[str, ...]] = {
    "mailplan.cli.local_cmds": ("mailplan.cli.client_config_cmd",),
}


def _register(module: str, app: typer.Typer) -> None:
    for name in (module, *EXTENDS.get(module, ())):
        importlib.import_module(name).register(app)


class _Listed(TyperCommand):
    """A command as ``--help`` lists it, before its module is imported."""


class LazyGroup(RootGroup):
    """Knows every command by name; imports a command's module when that command is run (``--help`` lists
    them from the table, in the run's language)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, (_module, summary) in COMMANDS.items():
            self.commands.setdefault(name, _Listed(name=name, help=summary))

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and isinstance(self.commands.get(args[0]), _Listed):
            self.load(COMMANDS[args[0]][0])
        return super().resolve_command(ctx, args)

    def load(self, module: str) -> None:
        registered = typer.Typer()
        _register(module, registered)
        for name, command in typer.main.get_group(registered).commands.items():
            self.commands[name] = command


app = typer.Typer(
    name="mailplan",
    cls=LazyGroup,
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


def build() -> typer.Typer:
    """The app with every command registered (tests invoke it as a whole)."""
    # once: tests build the app for every invocation, and each registration would add the commands again
    if not app.registered_commands:
        for module in dict.fromkeys(module for module, _summary in COMMANDS.values()):
            _register(module, app)
    return app


def run() -> None:
    """Run the CLI. A usage error (unknown option, bad value) exits 1, not click's 2:
    in mailplan 2 means "found something" (changes, drift, findings), and CI reads it so."""
    command = typer.main.get_group(app)  # the commands are loaded as they are run
    try:
        code = command.main(standalone_mode=False, prog_name="mailplan")
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
