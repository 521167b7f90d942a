"""``mailplan names``: every person's address with how their name was read, doubtful readings flagged.

What HR runs before onboarding a batch: exit 0 when every reading is settled, 2 when some
reading is doubtful (each with the address the other reading gives), 1 on an error.
"""

from __future__ import annotations

import enum
import json
import unicodedata
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from mailplan.cli.common import CONFIG_ARG, guarded
from mailplan.cli.localized_help import LocalizedCommand
from mailplan.config.names import NameRow, name_rows
from mailplan.i18n import N_, Msg, _, localized, ngettext


class NamesFormat(enum.StrEnum):
    text = "text"
    json = "json"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def render_text(rows: list[NameRow]) -> str:
    written_mark = _(" (written)")
    name_w = max((_width(r.name) for r in rows), default=0)
    addr_w = max((_width(r.address) + (_width(written_mark) if r.written else 0) for r in rows), default=0)
    out = []
    for row in rows:
        mark = "?" if row.doubtful else " "
        address = row.address + (written_mark if row.written else "")
        out.append(f"{mark} {_pad(row.name, name_w)}  {_pad(address, addr_w)}  {localized(row.how)}")
        indent = f"  {' ' * name_w}  {' ' * addr_w}  "
        if row.written and row.reads_as and row.reads_as != row.address.partition("@")[0]:
            out.append(indent + _("(the name alone gives {local})", local=row.reads_as))
        for doubt in row.doubts if row.doubtful else ():
            out.append(indent + _("doubtful: {doubt} — write `address:` to settle it ({location})",
                                  doubt=localized(doubt), location=row.location))  # fmt: skip
    doubtful = ngettext("{count} doubtful reading", "{count} doubtful readings", sum(r.doubtful for r in rows))
    written = ngettext("{count} address written by hand", "{count} addresses written by hand",
                       sum(r.written for r in rows))  # fmt: skip
    out.append("")
    out.append(ngettext("{count} person: {doubtful}, {written}.", "{count} people: {doubtful}, {written}.", len(rows),
                        doubtful=doubtful, written=written))  # fmt: skip
    return "\n".join(out) + "\n"


def names(
    config: CONFIG_ARG = Path("mailplan.yaml"),
    fmt: Annotated[NamesFormat, typer.Option("--format", "-f", help=N_("Output format."))] = NamesFormat.text,
) -> None:
    """List every person's address and how the name was read; exit 2 when a reading is doubtful."""
    from mailplan import config as config_mod

    with guarded():
        if not config.exists():
            from mailplan.errors import MailplanError

            raise MailplanError(Msg("{path}: no such config file — pass the path, or run in the folder holding it",
                                    path=str(config)))
        rows = name_rows(config_mod.load(config))
        if fmt is NamesFormat.json:
            typer.echo(json.dumps([asdict(r) | {"doubtful": r.doubtful} for r in rows], ensure_ascii=False, indent=2))
        else:
            typer.echo(render_text(rows), nl=False)
    if any(r.doubtful for r in rows):
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command("names", cls=LocalizedCommand)(names)  # the docstring: the msgid cli/main.py marks
