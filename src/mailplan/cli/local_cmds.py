"""``mailplan local ...``: commands for the self-hosted (Postfix + Dovecot) backend."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from mailplan.cli.common import CONFIG_ARG, fail, guarded, today
from mailplan.providers.mail.local import serverconfig
from mailplan.providers.mail.local.provider import LocalMailProvider
from mailplan.providers.mail.local.serverconfig import ServerParams
from mailplan.session import Session, load_desired

local_app = typer.Typer(
    name="local",
    help="The self-hosted backend: Postfix and Dovecot serving the local mail database.",
    no_args_is_help=True,
)

_DEFAULTS = {f.name: f.default for f in dataclasses.fields(ServerParams)}


def _opt(name: str, help_text: str) -> Any:
    default = _DEFAULTS.get(name.replace("-", "_"), dataclasses.MISSING)
    shown = "" if default is dataclasses.MISSING or default is None else f" [default: {default}]"
    return typer.Option(f"--{name}", help=help_text + shown, show_default=False)


@local_app.command("server-config")
def server_config(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the files into.")],
    config: CONFIG_ARG = Path("mailplan.yaml"),
    provider: Annotated[
        str | None, _opt("provider", "The local provider's name (when the config has several).")
    ] = None,
    config_dir: Annotated[
        Path | None, _opt("config-dir", "Where the files will be installed [default: the --out folder].")
    ] = None,
    hostname: Annotated[
        str | None, _opt("hostname", "The mail server's name [default: the provider's mx_host].")
    ] = None,
    postmaster: Annotated[str | None, _opt("postmaster", "[default: postmaster@ the first domain]")] = None,
    vmail_dir: Annotated[Path | None, _opt("vmail-dir", "Where Maildirs are stored.")] = None,
    vmail_uid: Annotated[int | None, _opt("vmail-uid", "Owner of the Maildirs.")] = None,
    vmail_gid: Annotated[int | None, _opt("vmail-gid", "Group of the Maildirs.")] = None,
    smtp_listen: Annotated[str | None, _opt("smtp-listen", "Public MX listener (service name or host:port).")] = None,
    submission_listen: Annotated[str | None, _opt("submission-listen", "Submission listener (login required).")] = None,
    reinject_listen: Annotated[str | None, _opt("reinject-listen", "Loopback listener for auto-replies.")] = None,
    imap_address: Annotated[str | None, _opt("imap-address", "IMAP listen address.")] = None,
    imap_port: Annotated[int | None, _opt("imap-port", "IMAP port.")] = None,
    lmtp_address: Annotated[str | None, _opt("lmtp-address", "Dovecot LMTP listen address.")] = None,
    lmtp_port: Annotated[int | None, _opt("lmtp-port", "Dovecot LMTP port.")] = None,
    postfix_queue_dir: Annotated[Path | None, _opt("postfix-queue-dir", "Postfix's queue_directory.")] = None,
    python: Annotated[str | None, _opt("python", "Python that runs the helpers (mailplan importable).")] = None,
    pythonpath: Annotated[str | None, _opt("pythonpath", "Extra PYTHONPATH for the helpers.")] = None,
    helper_user: Annotated[str | None, _opt("helper-user", "User the helpers run as (not root).")] = None,
    autoreply_state_dir: Annotated[
        Path | None, _opt("autoreply-state-dir", "Writable folder of the reply log.")
    ] = None,
    autoreply_domain: Annotated[
        str | None, _opt("autoreply-domain", "Pseudo-domain routing mail to the auto-reply helper.")
    ] = None,
    autoreply_days: Annotated[
        int | None, _opt("autoreply-days", "One auto-reply per sender in this many days.")
    ] = None,
    tls_cert: Annotated[Path | None, _opt("tls-cert", "TLS certificate for submission and IMAP.")] = None,
    tls_key: Annotated[Path | None, _opt("tls-key", "TLS private key.")] = None,
) -> None:
    """Write the Postfix and Dovecot configuration that serves the local provider's database."""
    given = {name: value for name, value in locals().items() if name in _DEFAULTS and value is not None}
    with guarded():
        facts = _deployment_facts(config, provider, today())
        out = out.resolve()
        params = ServerParams(**{"config_dir": out, **facts, **given})
        if (params.tls_cert is None) != (params.tls_key is None):
            fail("--tls-cert and --tls-key go together")
        written = serverconfig.write(params, out)
    for path in written:
        typer.echo(str(path))
    typer.echo(f"Next: read {out / 'README.txt'} for what goes where.", err=True)


def _deployment_facts(config: Path, name: str | None, day: dt.date) -> dict[str, Any]:
    """Database path, host name and postmaster, from the config's local provider."""
    desired = load_desired(config, day)
    local = [spec.name for spec in desired.providers.values() if spec.type == LocalMailProvider.TYPE]
    if name is None and len(local) != 1:
        fail(f"the config has {len(local)} local providers ({', '.join(local) or 'none'}); name one with --provider")
    chosen = name or local[0]
    if chosen not in local:
        fail(f"{chosen!r} is not a local provider in {config}; local providers: {', '.join(local) or 'none'}")
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


def register(app: typer.Typer) -> None:
    app.add_typer(local_app)
