"""``mailplan check``: the mail DNS of every configured domain, against the rule table and the config."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from mailplan.cli.common import CONFIG_ARG, color_wanted, fail, guarded, today
from mailplan.cli.localized_help import LocalizedCommand
from mailplan.dns.check.deadline import Deadline
from mailplan.dns.check.dnsview import LiveDns
from mailplan.dns.check.model import Report
from mailplan.dns.check.policy_fetch import ConnectTo, PolicyFetcher
from mailplan.dns.check.runner import ad_hoc_targets, run, targets_from_desired
from mailplan.files import write_atomically
from mailplan.i18n import N_, _, ngettext
from mailplan.render import check_html, check_json, check_markdown, check_text


class CheckFormat(enum.StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


HELP = N_("Query live DNS for every domain and report rule findings. Exit 0 fine, 2 findings, 1 the check failed.")


def render_report(report: Report, fmt: CheckFormat, color: bool = False, passes: bool = False) -> str:
    if fmt is CheckFormat.json:
        return check_json.render(report)
    if fmt is CheckFormat.markdown:
        return check_markdown.render(report)
    if fmt is CheckFormat.html:
        return check_html.render(report)
    return check_text.render(report, color=color, passes=passes)


def check(
    config: CONFIG_ARG = Path("mailplan.yaml"),
    nameserver: Annotated[
        str | None,
        typer.Option("--nameserver", help=N_("Ask this server (HOST or HOST:PORT) instead of the system resolver.")),
    ] = None,
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help=N_("Output format."))] = CheckFormat.text,
    out: Annotated[Path | None, typer.Option("--out", "-o", help=N_("Write the report to this file."))] = None,
    strict: Annotated[bool, typer.Option("--strict", help=N_("Exit 2 on warnings too."))] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help=N_("Text: list passed rules too."))] = False,
    domain: Annotated[
        list[str] | None, typer.Option("--domain", "-d", help=N_("Check this domain without a config (repeatable)."))
    ] = None,
    parked: Annotated[
        bool, typer.Option("--parked", help=N_("With --domain: the domains send and receive no mail."))
    ] = False,
    selector: Annotated[
        list[str] | None,
        typer.Option("--selector", help=N_("DKIM selectors to look at too (repeatable); with --domain, instead of the "
                                           "common ones.")),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help=N_("Seconds the whole check may take; what it cuts is reported."))
    ] = 30.0,
    connect_to: Annotated[
        list[str] | None,
        typer.Option("--connect-to", metavar="HOST1:PORT1:HOST2:PORT2",
                     help=N_("Fetch MTA-STS policies from another address, as curl's --connect-to (the certificate "
                             "is still checked for the policy host).")),
    ] = None,
) -> None:
    with guarded():
        rules = [ConnectTo.parse(text) for text in connect_to or []]
        if domain:
            targets = ad_hoc_targets(domain, parked, selector or [])
        else:
            from mailplan.session import load_desired

            if parked:
                fail(_("--parked describes domains named with --domain; in a config, a domain that sends no mail "
                       "says `sends_mail: false` (and `receives_mail: false` for no MX)"))
            # DNS is all check reads: the providers' secrets are not needed, and not read
            desired = load_desired(config, today(), create_keys=False, secrets=False)
            targets = targets_from_desired(desired, selector or [])
        deadline = Deadline(timeout)
        view = LiveDns(nameserver, deadline=deadline)
        try:
            report = run(targets, view, nameserver or "", PolicyFetcher(deadline, rules), deadline)
        finally:
            view.close()
        color = out is None and fmt is CheckFormat.text and color_wanted()
        text = render_report(report, fmt, color=color, passes=verbose)
        if out is not None:
            write_atomically(out, text)
            typer.echo(_("wrote {path}", path=out), err=True)
        else:
            typer.echo(text, nl=False)
    failed = report.failed_queries()
    if report.cut:
        seconds = f"{timeout:g}"
        typer.echo(ngettext(
            "error: the check's deadline (--timeout {seconds} s) cut {count} lookup before it was answered: {names}. "
            "Give it more time with --timeout, or find out why the server is slow.",
            "error: the check's deadline (--timeout {seconds} s) cut {count} lookups before they were answered: "
            "{names}. Give it more time with --timeout, or find out why the server is slow.",
            len(report.cut), seconds=seconds, names=_first(report.cut)), err=True)
    elif failed:  # the report is printed, but the check itself did not finish: say which lookups failed
        typer.echo(ngettext(
            "error: {count} rule could not be checked because lookups got no answer: {names}. Check that the "
            "server answers for these names (or use the system resolver), then run the check again.",
            "error: {count} rules could not be checked because lookups got no answer: {names}. Check that the "
            "server answers for these names (or use the system resolver), then run the check again.",
            len(report.undecided), names=_first(failed)), err=True)
    code = report.exit_code(strict)
    if code:
        raise typer.Exit(code)


def _first(items: list[str], shown: int = 5) -> str:
    more = len(items) - shown
    return "; ".join(items[:shown]) + ("; " + _("and {count} more", count=more) if more > 0 else "")


def register(app: typer.Typer) -> None:
    app.command("check", cls=LocalizedCommand, help=HELP)(check)
