"""``mailplan audit log`` and ``audit verify``: what happened, who did it, and is the record intact."""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path
from typing import Annotated, Any

import typer

from mailplan import config as config_mod
from mailplan.cli.common import CONFIG_ARG, fail, guarded
from mailplan.config.addresses import AddressError, external_address
from mailplan.config.compile import journal_path
from mailplan.engine.journal import Journal
from mailplan.errors import ConfigError
from mailplan.people.select import mentions
from mailplan.render import audit_html, audit_json, audit_markdown, audit_text

audit = typer.Typer(help="The audit journal: every applied change, hash-chained.", no_args_is_help=True)


class Format(enum.StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


RENDERERS = {
    Format.text: audit_text.render,
    Format.json: audit_json.render,
    Format.markdown: audit_markdown.render,
    Format.html: audit_html.render,
}

JOURNAL_OPT = typer.Option("--journal", help="The journal file (default: the one the config names).")


def _journal(config: Path, journal: Path | None) -> Journal:
    if journal is not None:
        return Journal(journal, actor="-")
    return Journal(journal_path(config_mod.load(config)), actor="-")


def person_addresses(config: Path, query: str) -> tuple[set[str], str]:
    """The addresses (own and aliases) of the person ``query`` names, and how to call them.

    Someone already taken out of the config can still be asked for by address.
    """
    try:
        cfg = config_mod.load(config)
    except ConfigError:
        cfg = None
    if cfg is not None:
        try:
            person = config_mod.find_person(cfg, query)
        except ConfigError as exc:
            if "is the name of" in exc.problems[0].message:
                raise  # several people share the name: the user must say which
            if "@" not in query:
                query = f"{query}@{cfg.primary_domain}"
        else:
            return {person.address, *person.aliases}, f"{person.name} <{person.address}>"
    try:
        address = external_address(query)
    except AddressError as exc:
        fail(f"{query!r} is no person of the config and no address ({exc})")
    return {address}, address


def log(
    config: CONFIG_ARG = Path("mailplan.yaml"),
    person: Annotated[str, typer.Option("--person", "-p", help="Only changes concerning this person.")] = "",
    since: Annotated[str, typer.Option("--since", help="Only changes on or after this date (YYYY-MM-DD).")] = "",
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    journal: Annotated[Path | None, JOURNAL_OPT] = None,
) -> None:
    """What was applied, when, by whom, from which config commit; oldest first."""
    with guarded():
        since_date = None
        if since:
            try:
                since_date = dt.date.fromisoformat(since)
            except ValueError:
                fail(f"--since {since!r} is not a date; write it as YYYY-MM-DD")
        record = _journal(config, journal)
        entries = [e.data for e in record.entries()]
        label = ""
        if person:
            addresses, label = person_addresses(config, person)
            entries = [e for e in entries if _about(e, addresses)]
        if since_date is not None:
            entries = [e for e in entries if _day(e) is not None and _day(e) >= since_date]  # type: ignore[operator]
        typer.echo(RENDERERS[fmt](entries, label, since), nl=False)


def _about(entry: dict[str, Any], addresses: set[str]) -> bool:
    return mentions([entry.get("key"), entry.get("before"), entry.get("after")], addresses)


def _day(entry: dict[str, Any]) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(str(entry.get("time"))).date()
    except ValueError:
        return None


def verify(
    config: CONFIG_ARG = Path("mailplan.yaml"),
    journal: Annotated[Path | None, JOURNAL_OPT] = None,
) -> None:
    """Check the hash chain: exit 0 intact, 2 when a line was edited, deleted or moved (says where)."""
    with guarded():
        record = _journal(config, journal)
        if not record.path.exists():
            typer.echo(f"{record.path}: no journal yet (nothing has been applied)")
            return
        breaks = record.verify()
        if breaks:
            for found in breaks:
                where = f"line {found.line}" if found.line else "the file"
                typer.echo(f"{record.path}: {where}: {found.reason}")
            typer.echo(f"The journal was tampered with: {len(breaks)} problem(s). Compare it with a backup copy.")
            raise typer.Exit(2)
        entries = list(record.entries())
        last = entries[-1].data.get("hash", "") if entries else ""
        typer.echo(f"{record.path}: {len(entries)} entries, hash chain intact (last hash {str(last)[:16]}).")


def register(app: typer.Typer) -> None:
    audit.command("log")(log)
    audit.command("verify")(verify)
    app.add_typer(audit, name="audit")
