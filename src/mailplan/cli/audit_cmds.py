"""``mailplan audit log`` and ``audit verify``: what happened, who did it, and is the record intact."""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path
from typing import Annotated, Any

import typer

from mailplan import config as config_mod
from mailplan import i18n
from mailplan.cli.common import CONFIG_ARG, fail, guarded
from mailplan.cli.localized_help import LocalizedCommand, LocalizedGroup
from mailplan.config.addresses import AddressError, external_address
from mailplan.config.compile import journal_path
from mailplan.engine import journal_check
from mailplan.engine.journal import GENESIS, Break, Head, Journal, parse_head
from mailplan.errors import ConfigError
from mailplan.files import write_atomically
from mailplan.i18n import N_, _, ngettext
from mailplan.people.select import concerns
from mailplan.render import audit_html, audit_json, audit_markdown, audit_text

audit = typer.Typer(
    cls=LocalizedGroup, help=N_("The audit journal: every applied change, hash-chained."), no_args_is_help=True
)


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

JOURNAL_OPT = typer.Option("--journal", help=N_("The journal file (default: the one the config names)."))
KEY_OPT = typer.Option(
    "--key",
    metavar="env:NAME|file:PATH",
    help=N_("Check the entries' signatures with this key (default: journal_key of the config, also with "
            "--journal; a file: path here is relative to the current directory). A reference only."),
)
DEFAULT_CONFIG = Path("mailplan.yaml")


def _journal(config: Path, journal: Path | None) -> Journal:
    """The journal to read: the file given, else the one the config names (reading needs no key)."""
    if journal is not None:
        return Journal(journal, actor="-")
    return Journal(journal_path(config_mod.load(config)), actor="-")


def _journal_to_verify(config: Path, journal: Path | None, key: str) -> tuple[Journal, str]:
    """The journal to check, with its key, and where that key comes from ("" when there is none).

    The key is ``--key`` (a ``file:`` path in it is relative to the current directory), else the
    ``journal_key`` of the config (relative to the config's folder) — with ``--journal`` too: the
    config given, or ./mailplan.yaml when there is one. With neither, only the chain can be checked.
    """
    cfg = None
    if journal is None:
        cfg = config_mod.load(config)
        journal = journal_path(cfg)
    elif not key and (config != DEFAULT_CONFIG or config.exists()):
        cfg = config_mod.load(config)
    if key:
        return Journal(journal, actor="-", key_ref=key, base_dir=Path.cwd()), f"--key {key}"
    if cfg is not None and cfg.document.journal_key:
        ref = cfg.document.journal_key
        where = _("journal_key {ref} of {config}", ref=ref, config=cfg.path)
        return Journal(journal, actor="-", key_ref=ref, base_dir=cfg.base_dir), where
    return Journal(journal, actor="-"), ""


def _signatures_not_checked(record: Journal) -> str:
    """Without a key: what to tell when entries carry signatures nobody checked ("" when none do)."""
    entries = [item for item in record.lines() if not isinstance(item, Break)]
    signed = sum(1 for entry in entries if "mac" in entry.data)
    if not signed:
        return ""
    return ngettext(
        "signatures NOT checked: {signed} of {count} entry is signed, but no journal key was given, so only the "
        "hash chain was checked, which whoever edits the file can recompute. Pass --key env:NAME|file:PATH, or "
        "the config whose journal_key signed it.",
        "signatures NOT checked: {signed} of {count} entries are signed, but no journal key was given, so only "
        "the hash chain was checked, which whoever edits the file can recompute. Pass --key env:NAME|file:PATH, "
        "or the config whose journal_key signed them.",
        len(entries),
        signed=signed,
    )


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
        fail(_("'{query}' is no person of the config and no address ({error})", query=query,
               error=i18n.localized(exc)))  # fmt: skip
    return {address}, address


LOG_HELP = N_("What was applied, when, by whom, from which config commit; oldest first.")


def log(
    config: CONFIG_ARG = Path("mailplan.yaml"),
    person: Annotated[str, typer.Option("--person", "-p", help=N_("Only changes concerning this person."))] = "",
    since: Annotated[str, typer.Option("--since", help=N_("Only changes on or after this date (YYYY-MM-DD)."))] = "",
    fmt: Annotated[Format, typer.Option("--format", "-f", help=N_("Output format."))] = Format.text,
    journal: Annotated[Path | None, JOURNAL_OPT] = None,
) -> None:
    with guarded():
        since_date = None
        if since:
            try:
                since_date = dt.date.fromisoformat(since)
            except ValueError:
                fail(_("--since '{since}' is not a date; write it as YYYY-MM-DD", since=since))
        record = _journal(config, journal)
        entries, damaged = [], []
        for item in record.lines():
            if isinstance(item, Break):
                damaged.append(item)
            else:
                entries.append(item.data)
        label = ""
        if person:
            addresses, label = person_addresses(config, person)
            entries = [e for e in entries if concerns(e, addresses)]
        if since_date is not None:
            entries = [e for e in entries if _day(e) is not None and _day(e) >= since_date]  # type: ignore[operator]
        typer.echo(RENDERERS[fmt](entries, label, since), nl=False)
        if damaged:
            # the readable entries are shown, but a log with holes must not pass for a complete one
            for found in damaged:
                typer.echo(_("{path}: line {line}: {reason}; left out of the log", path=record.path, line=found.line,
                             reason=i18n.localized(found.reason)), err=True)  # fmt: skip
            fail(ngettext("{count} damaged line in the journal; `mailplan audit verify` checks the rest of it",
                          "{count} damaged lines in the journal; `mailplan audit verify` checks the rest of it",
                          len(damaged)))  # fmt: skip


def _day(entry: dict[str, Any]) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(str(entry.get("time"))).date()
    except ValueError:
        return None


VERIFY_HELP = N_("Check the journal: exit 0 intact, 2 when a line was edited, deleted, moved or damaged "
                  "(says where).")


def verify(
    config: CONFIG_ARG = Path("mailplan.yaml"),
    journal: Annotated[Path | None, JOURNAL_OPT] = None,
    expect_head: Annotated[
        str,
        typer.Option(
            "--expect-head",
            metavar="SEQ:HASH|FILE",
            help=N_("A head printed earlier (by verify or apply), or a file holding it: that entry must still be "
                    "there, unchanged. Shows deleted last lines and a rewritten history, which the chain alone "
                    "cannot."),
        ),
    ] = "",
    save_head: Annotated[
        Path | None,
        typer.Option("--save-head",
                     help=N_("When intact, write the head (SEQ:HASH) to this file, for --expect-head.")),
    ] = None,
    key: Annotated[str, KEY_OPT] = "",
) -> None:
    with guarded():
        expected = _expected_head(expect_head) if expect_head else None
        if key and not key.startswith(("env:", "file:")):
            fail(_("--key takes a reference, env:NAME or file:PATH, never the key itself"))
        record, key_source = _journal_to_verify(config, journal, key)
        if not record.path.exists():
            if expected is not None and expected.seq > 0:
                typer.echo(_("{path}: the journal is gone, but the recorded head is entry {seq}", path=record.path,
                             seq=expected.seq))  # fmt: skip
                raise typer.Exit(2)
            typer.echo(_("{path}: no journal yet (nothing has been applied)", path=record.path))
            if save_head is not None:
                write_atomically(save_head, f"{Head(0, GENESIS)}\n")
            return
        result = journal_check.check(record, expected)
        unchecked = "" if record.key_ref else _signatures_not_checked(record)
        if result.breaks:
            for found in result.breaks:
                reason = i18n.localized(found.reason)
                if found.line:
                    typer.echo(_("{path}: line {line}: {reason}", path=record.path, line=found.line, reason=reason))
                else:
                    typer.echo(_("{path}: the journal: {reason}", path=record.path, reason=reason))
            if unchecked:
                typer.echo(unchecked)
            problems = ngettext("{count} problem", "{count} problems", len(result.breaks))
            entries = ngettext("{count} entry", "{count} entries", result.entries)
            typer.echo(_("The journal is not as it was written: {problems} in {entries}. Compare it with a backup "
                         "copy.", problems=problems, entries=entries))  # fmt: skip
            raise typer.Exit(2)
        checks = [_("hash chain intact")]
        if record.key_ref:
            checks.append(_("{signed} signed with the journal key ({source})", signed=result.signed,
                            source=key_source))  # fmt: skip
        elif unchecked:
            checks.append(_("signatures not checked (no journal key)"))
        if expected is not None:
            checks.append(_("entry {seq} matches the recorded head", seq=expected.seq))
        typer.echo(ngettext("{path}: {count} entry, {checks}.", "{path}: {count} entries, {checks}.", result.entries,
                            path=record.path, checks=_(", ").join(checks)))  # fmt: skip
        if unchecked:
            typer.echo(unchecked)
        # the same in every language: scripts read the head from this line (docs/i18n.md)
        typer.echo(f"head {result.head}")
        if save_head is not None:
            write_atomically(save_head, f"{result.head}\n")


def _expected_head(value: str) -> Head:
    """``--expect-head``: ``SEQ:HASH`` itself, or a file holding it."""
    head = parse_head(value)
    if head is not None:
        return head
    path = Path(value)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(_("--expect-head '{value}' is neither SEQ:HASH nor a readable file ({error})", value=value,
               error=exc.strerror or exc))  # fmt: skip
    head = parse_head(text.split()[0] if text.split() else "")
    if head is None:
        fail(_("--expect-head: {path} does not hold a head: expected SEQ:HASH, e.g. 42:9f86d081884c7d65…", path=path))
    return head


def register(app: typer.Typer) -> None:
    audit.command("log", cls=LocalizedCommand, help=LOG_HELP)(log)
    audit.command("verify", cls=LocalizedCommand, help=VERIFY_HELP)(verify)
    app.add_typer(audit, name="audit")
