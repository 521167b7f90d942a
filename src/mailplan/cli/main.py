"""The ``mailplan`` command. Each command family lives in its own module and
registers itself on the app; this file only assembles them."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="mailplan",
    help="Declarative mail infrastructure: one YAML file, a plan, an apply.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Modules with a ``register(app: typer.Typer) -> None`` function.
COMMAND_MODULES = [
    "mailplan.cli.core_cmds",
    "mailplan.cli.check_cmd",
    "mailplan.cli.local_cmds",
    "mailplan.cli.import_cmd",
    "mailplan.cli.people_cmds",
    "mailplan.cli.audit_cmds",
]


def build() -> typer.Typer:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
    return app


def run() -> None:
    build()()
