"""``mailplan export crm|contacts``: files for a CRM's mailbox binding and for mail clients' address books."""

from __future__ import annotations

import csv
import enum
import io
import json
from pathlib import Path
from typing import Annotated

import typer

from mailplan import config as config_mod
from mailplan.cli.common import CONFIG_ARG, guarded, today
from mailplan.cli.localized_help import LocalizedCommand, LocalizedGroup
from mailplan.i18n import N_, _, ngettext
from mailplan.model.objects import Contact
from mailplan.people.dayone import crm_rows
from mailplan.render.contacts_export import outlook_csv, vcards
from mailplan.session import load_desired

export_app = typer.Typer(name="export", cls=LocalizedGroup, no_args_is_help=True,
                         help=N_("Files for other systems: a CRM, mail clients' address books."))
CRM_HELP = N_("One row per active person: address, name, department, IMAP/SMTP/POP servers, login. Never a password.")
CONTACTS_HELP = N_("The customers of `contacts:` as one address book, each customer with its owner as of today.")


class CrmFormat(enum.StrEnum):
    csv = "csv"
    json = "json"


class CrmTarget(enum.StrEnum):
    generic = "generic"
    hubspot = "hubspot"
    zoho_crm = "zoho-crm"


class ContactsFormat(enum.StrEnum):
    vcard = "vcard"
    outlook_csv = "outlook-csv"


OUT_OPT = typer.Option("--out", "-o", help=N_("Write to this file instead of standard output."))


@export_app.command("crm", cls=LocalizedCommand, help=CRM_HELP)
def export_crm(
    config: CONFIG_ARG = Path("mailplan.yaml"),
    fmt: Annotated[CrmFormat, typer.Option("--format", "-f", help=N_("csv or json."))] = CrmFormat.csv,
    target: Annotated[CrmTarget, typer.Option("--for", help=N_("Column names as this CRM's import expects."))] = (
        CrmTarget.generic
    ),
    out: Annotated[Path | None, OUT_OPT] = None,
) -> None:
    with guarded():
        rows = crm_rows(config_mod.load(config), today(), target.value)
        if fmt is CrmFormat.json:
            text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
        else:
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else [], lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            text = buffer.getvalue()
        _emit(text, out, ngettext("{count} person", "{count} people", len(rows)))


@export_app.command("contacts", cls=LocalizedCommand, help=CONTACTS_HELP)
def export_contacts(
    config: CONFIG_ARG = Path("mailplan.yaml"),
    fmt: Annotated[ContactsFormat, typer.Option("--format", "-f", help=N_("vcard (RFC 6350 vCard 4.0) or outlook-csv "
                                                "(Outlook and Foxmail import)."))] = ContactsFormat.vcard,
    out: Annotated[Path | None, OUT_OPT] = None,
) -> None:
    with guarded():
        day = today()
        loaded = config_mod.load(config)
        desired = load_desired(config, day, create_keys=False)
        contacts = [o for state in desired.objects.values() for o in state if isinstance(o, Contact)]
        names = {p.address: p.name for p in loaded.people}
        text = vcards(contacts, names) if fmt is ContactsFormat.vcard else outlook_csv(contacts, names)
        count = sum(len(c.addresses) for c in contacts)
        customers = ngettext("{count} customer", "{count} customers", len(contacts))
        _emit(text, out, ngettext("{count} address of {customers}", "{count} addresses of {customers}", count,
                                  customers=customers))  # fmt: skip


def _emit(text: str, out: Path | None, what: str) -> None:
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8", newline="")
    typer.echo(_("wrote {what} to {path}", what=what, path=out), err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(export_app)
