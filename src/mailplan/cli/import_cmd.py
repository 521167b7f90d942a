"""``mailplan import``: write an existing tenant as a mailplan.yaml (exit 0 exact, 2 something left out)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from mailplan.cli.common import LOCK_TIMEOUT_OPT, fail, guarded, state_locked, today
from mailplan.cli.localized_help import LocalizedCommand
from mailplan.files import write_atomically
from mailplan.i18n import N_


def import_(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help=N_("The config naming the provider (default: ./mailplan.yaml).")),
    ] = None,
    provider: Annotated[
        str | None,
        typer.Option("--provider", "-p", help=N_("The provider to read, by its name in the config.")),
    ] = None,
    provider_type: Annotated[
        str | None, typer.Option("--type", help=N_("Without a config: the provider type (local, tencent-exmail ...)."))
    ] = None,
    setting: Annotated[
        list[str] | None,
        typer.Option("--setting", "-s",
                     help=N_("Without a config: a provider setting, key=value (secrets as env:NAME).")),
    ] = None,
    domain: Annotated[
        list[str] | None, typer.Option("--domain", "-d", help=N_("Import only this domain (repeatable)."))
    ] = None,
    organization: Annotated[
        str | None, typer.Option("--organization", help=N_("Without a config: the organization's name."))
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help=N_("Write the config here (default: standard output)."))
    ] = None,
    force: Annotated[bool, typer.Option("--force", help=N_("Overwrite --out if it exists."))] = False,
    lock_timeout: Annotated[str, LOCK_TIMEOUT_OPT] = "0",
) -> None:
    """Read an existing tenant and write it as a mailplan.yaml that plans no changes."""
    from mailplan.importer import from_config, from_settings, import_tenant

    # --out takes the lock of the config it writes (its state folder): never beside an apply or an HR edit of it
    with guarded(), (state_locked(out, "import", lock_timeout) if out is not None else contextlib.nullcontext()):
        if provider_type is not None and config is not None:
            fail("give either --config (a file naming the provider) or --type with --setting, not both")
        if out is not None and out.exists() and not force:
            fail(f"{out} exists; pass --force to overwrite it")
        domains = domain or []
        if provider_type is not None:
            start = from_settings(provider_type, setting or [], domains, organization, provider)
        else:
            if setting:
                fail("--setting goes with --type; with a config the provider's settings are in the file")
            start = from_config(config or Path("mailplan.yaml"), provider, domains)
        typer.echo(f"reading provider {start.provider} ({start.provider_type}) …", err=True)
        result = import_tenant(start, today(), out or Path.cwd() / "mailplan.yaml")
        if out is None:
            typer.echo(result.text, nl=False)
        else:
            write_atomically(out, result.text)
        counts = result.imported.counts
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
        typer.echo(f"imported {summary or 'nothing'}" + (f" into {out}" if out else ""), err=True)
        for note in result.notes:
            typer.echo(f"note: {note}", err=True)
        for skipped in result.skipped:
            typer.echo(f"warning: not imported: {skipped}", err=True)
        for change in result.left:
            typer.echo(f"warning: a plan would still {change.describe()}", err=True)
        manual = len(result.changes) - len(result.left)
        if manual:  # what the provider's API cannot read: a person's step in every plan, no change
            typer.echo(f"note: a plan keeps {manual} manual step{'s' * (manual != 1)} for a person", err=True)
        if result.skipped or result.left:
            raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command("import", cls=LocalizedCommand)(import_)  # the docstring: the msgid cli/main.py marks
