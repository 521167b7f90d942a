"""``mailplan local client-config``: the files mail clients fetch from a self-hosted server (autoconfig,
autodiscover, Apple profiles), the nginx that serves them and the Radicale that serves the customers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mailplan import config as config_mod
from mailplan.cli.common import CONFIG_ARG, fail, guarded, today
from mailplan.cli.local_cmds import local_app, local_provider_count, not_a_local_provider
from mailplan.cli.localized_help import LocalizedCommand
from mailplan.config.secrets import is_secret_key
from mailplan.dns.clients import client_settings_for
from mailplan.i18n import N_, _, ngettext
from mailplan.model.objects import Contact, Domain, Mailbox
from mailplan.providers.mail.local import clientconfig
from mailplan.providers.mail.local.clientconfig import ClientParams, MailDomain
from mailplan.providers.mail.local.provider import LocalMailProvider
from mailplan.render.contacts_export import cards, vcard
from mailplan.session import Session, load_desired

HELP = N_("Write autoconfig, autodiscover and per-person Apple profiles, with nginx's and Radicale's configs.")


@local_app.command("client-config", cls=LocalizedCommand, help=HELP)
def client_config(
    out: Annotated[Path, typer.Option("--out", "-o", help=N_("Folder to write the files into."))],
    config: CONFIG_ARG = Path("mailplan.yaml"),
    provider: Annotated[
        str | None, typer.Option("--provider", help=N_("The local provider's name, if several."))
    ] = None,
    listen: Annotated[str, typer.Option("--listen", help=N_("nginx's listen address (443 with --tls-cert)."))] = "80",
    tls_cert: Annotated[Path | None, typer.Option("--tls-cert", help=N_("Certificate for HTTPS."))] = None,
    tls_key: Annotated[Path | None, typer.Option("--tls-key", help=N_("Its private key."))] = None,
    carddav_url: Annotated[str, typer.Option("--carddav-url", help=N_("Public https:// URL of the address book "
                                             "server, put into the Apple profiles."))] = "",
    carddav_listen: Annotated[str, typer.Option("--carddav-listen", help=N_("Radicale's listen address."))] = (
        "127.0.0.1:5232"
    ),
) -> None:
    if (tls_cert is None) != (tls_key is None):
        fail(_("--tls-cert and --tls-key go together"))
    with guarded():
        day = today()
        loaded = config_mod.load(config)
        desired = load_desired(config, day, create_keys=False)
        local = [n for n, spec in desired.providers.items() if spec.type == LocalMailProvider.TYPE]
        if provider is None and len(local) != 1:
            fail(local_provider_count(local))
        chosen = provider or local[0]
        if chosen not in local:
            fail(not_a_local_provider(chosen, config, local))
        spec = desired.providers[chosen]
        objects = desired.objects[chosen]
        settings = {k: v for k, v in spec.settings.items() if not is_secret_key(k)}
        domains = [o for o in objects if isinstance(o, Domain)]
        mail_domains = []
        for d in sorted((d for d in domains if d.alias_of is None), key=lambda d: d.name):
            clients = client_settings_for(spec.type, settings, d.name)
            assert clients is not None
            aliases = tuple(sorted(a.name for a in domains if a.alias_of == d.name))
            mail_domains.append(MailDomain(d.name, aliases, clients))
        accounts = clientconfig.accounts_of(
            [(o.address, o.name) for o in objects if isinstance(o, Mailbox) and not o.frozen])
        session = Session(desired, day)
        try:
            box = session.provider(chosen)
            assert isinstance(box, LocalMailProvider)
            # the address book as applied (the database), not as the config wishes it
            held = box.read(desired.scopes.get(chosen, ())).state
            database = box.database_path.resolve()
        finally:
            session.close()
        names = {p.address: p.name for p in loaded.people}
        contacts = [o for o in held if isinstance(o, Contact)]
        params = ClientParams(
            organization=loaded.document.organization.name, domains=tuple(mail_domains), accounts=accounts,
            out_dir=out.resolve(), database=database, listen=listen, tls_cert=tls_cert, tls_key=tls_key,
            carddav_url=carddav_url, carddav_listen=carddav_listen,
            vcards=tuple((c.uid, vcard(c)) for c in cards(contacts, names)),
        )
        written = clientconfig.write(params)
    typer.echo(ngettext("wrote {count} file under {path}", "wrote {count} files under {path}", len(written),
                        path=out), err=True)  # fmt: skip
    typer.echo(_("Next: read {path} for what goes where.", path=out / "README.txt"), err=True)


def register(app: typer.Typer) -> None:
    """The command registers itself on ``mailplan local`` when this module is imported."""
