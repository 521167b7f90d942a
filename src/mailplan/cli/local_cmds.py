"""``mailplan local ...``: commands for the self-hosted (Postfix + Dovecot) backend."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mailplan.cli.common import CONFIG_ARG, fail, guarded, today
from mailplan.cli.localized_help import LocalizedCommand, LocalizedGroup
from mailplan.i18n import N_, _, localized, ngettext
from mailplan.providers.mail.local import servercheck, serverconfig
from mailplan.providers.mail.local.provider import LocalMailProvider
from mailplan.providers.mail.local.serverconfig import ServerParams
from mailplan.providers.mail.local.serverparams import listen_host
from mailplan.session import Session, load_desired

local_app = typer.Typer(
    name="local",
    cls=LocalizedGroup,
    help=N_("The self-hosted backend: Postfix and Dovecot serving the local mail database."),
    no_args_is_help=True,
)
SERVER_CONFIG_HELP = N_(
    "Write the Postfix and Dovecot configuration that serves the local provider's database.\n\n"
    "Run it as root on the mail host: it first checks that the helper user can run the chosen Python, import "
    "mailplan, read the database and write the reply log's folder, and stops with the command that fixes what is "
    "missing."
)

_DEFAULTS = {f.name: f.default for f in dataclasses.fields(ServerParams)}


def _opt(name: str, help_text: str, default: str | None = None) -> Any:
    """An option whose help shows its default: ``default`` when given (a message, translated when shown), else
    ServerParams' own."""
    if default is None:
        value = _DEFAULTS.get(name.replace("-", "_"))
        default = N_("none") if value is None or value is dataclasses.MISSING else str(value)
    return typer.Option(f"--{name}", help=help_text, show_default=default)


@local_app.command("server-config", cls=LocalizedCommand, help=SERVER_CONFIG_HELP)
def server_config(
    out: Annotated[Path, typer.Option("--out", "-o", help=N_("Folder to write the files into."))],
    config: CONFIG_ARG = Path("mailplan.yaml"),
    provider: Annotated[
        str | None, _opt("provider", N_("The local provider's name."), N_("the config's only local provider"))
    ] = None,
    config_dir: Annotated[
        Path | None, _opt("config-dir", N_("Where the files will be installed."), N_("the --out folder"))
    ] = None,
    hostname: Annotated[
        str | None, _opt("hostname", N_("The mail server's name."), N_("the provider's mx_host"))
    ] = None,
    postmaster: Annotated[
        str | None, _opt("postmaster", N_("The postmaster address."), N_("postmaster@ the first domain"))
    ] = None,
    vmail_dir: Annotated[Path | None, _opt("vmail-dir", N_("Where Maildirs are stored."))] = None,
    vmail_uid: Annotated[int | None, _opt("vmail-uid", N_("Owner of the Maildirs."))] = None,
    vmail_gid: Annotated[int | None, _opt("vmail-gid", N_("Group of the Maildirs."))] = None,
    smtp_listen: Annotated[
        str | None, _opt("smtp-listen", N_("Public MX listener (service name: every interface, or host:port)."))
    ] = None,
    submission_listen: Annotated[
        str | None, _opt("submission-listen", N_("Submission listener (login required; STARTTLS with a certificate)."))
    ] = None,
    submissions_listen: Annotated[
        str | None, _opt("submissions-listen", N_("Implicit-TLS submission listener (only with a certificate)."))
    ] = None,
    reinject_listen: Annotated[
        str | None, _opt("reinject-listen", N_("Loopback listener the auto-reply helper alone logs in to."))
    ] = None,
    imap_address: Annotated[str | None, _opt("imap-address", N_("IMAP listen address(es)."))] = None,
    imap_port: Annotated[int | None, _opt("imap-port", N_("IMAP port (STARTTLS with a certificate)."))] = None,
    imaps_port: Annotated[int | None, _opt("imaps-port", N_("IMAPS port (only with a certificate)."))] = None,
    lmtp_address: Annotated[str | None, _opt("lmtp-address", N_("Dovecot LMTP listen address."))] = None,
    lmtp_port: Annotated[int | None, _opt("lmtp-port", N_("Dovecot LMTP port."))] = None,
    postfix_queue_dir: Annotated[Path | None, _opt("postfix-queue-dir", N_("Postfix's queue_directory."))] = None,
    python: Annotated[
        str | None,
        _opt(
            "python",
            N_("Python that runs the helpers (the helper user must run it and import mailplan); default: the Python "
               "running mailplan."),
            sys.executable,
        ),
    ] = None,
    pythonpath: Annotated[str | None, _opt("pythonpath", N_("Extra PYTHONPATH for the helpers."))] = None,
    helper_user: Annotated[
        str | None, _opt("helper-user", N_("User the helpers run as (not root; its group reads the database)."))
    ] = None,
    autoreply_state_dir: Annotated[
        Path | None, _opt("autoreply-state-dir", N_("Folder of the reply log, writable by the helper user."))
    ] = None,
    autoreply_domain: Annotated[
        str | None, _opt("autoreply-domain", N_("Pseudo-domain routing mail to the auto-reply helper."))
    ] = None,
    autoreply_days: Annotated[
        int | None, _opt("autoreply-days", N_("One auto-reply per sender in this many days."))
    ] = None,
    tls_cert: Annotated[
        Path | None,
        _opt(
            "tls-cert",
            N_("TLS certificate (full chain) for every listener."),
            N_("none: then submission and IMAP must be on loopback"),
        ),
    ] = None,
    tls_key: Annotated[Path | None, _opt("tls-key", N_("TLS private key."))] = None,
    no_check: Annotated[
        bool,
        typer.Option(
            "--no-check",
            help=N_("Do not check this host (when the files are made for another one)."),
            show_default=N_("checks run"),
        ),
    ] = False,
) -> None:
    given = {name: value for name, value in locals().items() if name in _DEFAULTS and value is not None}
    with guarded():
        facts = _deployment_facts(config, provider, today())
        out = out.resolve()
        params = ServerParams(**{"config_dir": out, **facts, **given})
        _refuse_unsafe(params)
        warnings = [] if no_check else _check_host(params)
        written = serverconfig.write(params, out)
    for path in written:
        typer.echo(str(path))
    for warning in warnings:
        typer.echo(_("warning: {warning}", warning=localized(warning)), err=True)
    typer.echo(_(
        "The database is read by user {user} (the helpers) through its group; Postfix opens its tables as root and "
        "Dovecot's auth worker runs as root, so they need no group.", user=params.helper_user,
    ), err=True)
    typer.echo(_("Next: read {path} for what goes where.", path=out / "README.txt"), err=True)


def _refuse_unsafe(params: ServerParams) -> None:
    if (params.tls_cert is None) != (params.tls_key is None):
        fail(_("--tls-cert and --tls-key go together"))
    if not serverconfig.is_loopback(listen_host(params.reinject_listen)):
        fail(_("--reinject-listen {listen} must be on loopback (127.0.0.1:PORT)", listen=params.reinject_listen))
    exposed = serverconfig.cleartext_listeners_off_loopback(params)
    if exposed:
        fail(_(
            "no TLS certificate: refusing to write listeners that take passwords in cleartext on every interface: "
            "{listeners}. Give --tls-cert FULLCHAIN --tls-key KEY (e.g. from certbot; see docs/self-hosting.md), "
            "or, on a test machine only, keep them on loopback: --submission-listen 127.0.0.1:587 --imap-address "
            "127.0.0.1", listeners=_(", ").join(localized(listener) for listener in exposed),
        ))
    if not params.tls:
        typer.echo(_(
            "warning: no TLS certificate: submission and IMAP take passwords in cleartext, on loopback only "
            "(a test machine); the MX port offers no STARTTLS"
        ), err=True)


def _check_host(params: ServerParams) -> list[str]:
    problems, warnings = servercheck.check(params)
    if problems:
        lines = [_("  - {problem}\n    fix: {fix}", problem=localized(finding.problem), fix=localized(finding.fix))
                 for finding in problems]  # fmt: skip
        fail(_("this host cannot run the generated configuration yet (nothing was written):\n{problems}",
               problems="\n".join(lines)))
    return warnings


def _deployment_facts(config: Path, name: str | None, day: dt.date) -> dict[str, Any]:
    """Database path, host name and postmaster, from the config's local provider."""
    desired = load_desired(config, day)
    local = [spec.name for spec in desired.providers.values() if spec.type == LocalMailProvider.TYPE]
    if name is None and len(local) != 1:
        fail(local_provider_count(local))
    chosen = name or local[0]
    if chosen not in local:
        fail(not_a_local_provider(chosen, config, local))
    session = Session(desired, day)
    try:
        box = session.provider(chosen)
        assert isinstance(box, LocalMailProvider)
        domains = desired.scopes.get(chosen) or ("localhost",)
        return {
            "database": box.database_path.resolve(),
            "hostname": box.config.mx_host or f"mail.{domains[0]}",
            "postmaster": f"postmaster@{domains[0]}",
        }
    finally:
        session.close()


def local_provider_count(local: list[str]) -> str:
    """The error when the config has no local provider, or several and none was named."""
    names = ", ".join(local) or _("none")
    return ngettext("the config has {count} local provider ({names}); name one with --provider",
                    "the config has {count} local providers ({names}); name one with --provider", len(local),
                    names=names)  # fmt: skip


def not_a_local_provider(chosen: str, config: Path, local: list[str]) -> str:
    names, shown = ", ".join(local) or _("none"), repr(chosen)
    return _("{name} is not a local provider in {path}; local providers: {names}", name=shown, path=config,
             names=names)  # fmt: skip


def register(app: typer.Typer) -> None:
    app.add_typer(local_app)
