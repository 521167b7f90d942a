"""``mailplan import``: write an existing tenant as a mailplan.yaml (exit 0 exact, 2 something left out)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from mailplan.cli.common import LOCK_TIMEOUT_OPT, fail, guarded, state_locked, today
from mailplan.cli.localized_help import LocalizedCommand
from mailplan.files import write_atomically
from mailplan.i18n import N_, _, localized, ngettext
from mailplan.render import labels


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
            fail(_("give either --config (a file naming the provider) or --type with --setting, not both"))
        if out is not None and out.exists() and not force:
            fail(_("{path} exists; pass --force to overwrite it", path=out))
        domains = domain or []
        if provider_type is not None:
            start = from_settings(provider_type, setting or [], domains, organization, provider)
        else:
            if setting:
                fail(_("--setting goes with --type; with a config the provider's settings are in the file"))
            start = from_config(config or Path("mailplan.yaml"), provider, domains)
        typer.echo(_("reading provider {name} ({type}) …", name=start.provider, type=start.provider_type), err=True)
        result = import_tenant(start, today(), out or Path.cwd() / "mailplan.yaml")
        if out is None:
            typer.echo(result.text, nl=False)
        else:
            write_atomically(out, result.text)
        counts = result.imported.counts
        # Translators: between the items of a list ("35 mailbox, 7 alias")
        items = [_("{count} {kind}", count=n, kind=labels.word(kind)) for kind, n in sorted(counts.items())]
        summary = _(", ").join(items)
        if out is not None:
            typer.echo(_("imported {what} into {path}", what=summary or _("nothing"), path=out), err=True)
        else:
            typer.echo(_("imported {what}", what=summary or _("nothing")), err=True)
        for note in result.notes:
            typer.echo(_("note: {note}", note=localized(note)), err=True)
        for skipped in result.skipped:
            typer.echo(_("warning: not imported: {what}", what=localized(skipped)), err=True)
        for change in result.left:
            typer.echo(_("warning: a plan would still {change}", change=localized(change.describe())), err=True)
        manual = len(result.changes) - len(result.left)
        if manual:  # what the provider's API cannot read: a person's step in every plan, no change
            typer.echo(ngettext("note: a plan keeps {count} manual step for a person",
                                "note: a plan keeps {count} manual steps for a person", manual), err=True)
        if result.skipped or result.left:
            raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command("import", cls=LocalizedCommand)(import_)  # the docstring: the msgid cli/main.py marks
