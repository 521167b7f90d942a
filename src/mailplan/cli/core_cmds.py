"""validate, plan, apply, drift, schema: the CLI contract (exit 0 fine, 1 error, 2 found something)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from mailplan import clock, i18n
from mailplan.cli.common import (
    CONFIG_ARG,
    LOCK_TIMEOUT_OPT,
    SPF_RESOLVER_OPT,
    Console,
    PlanFormat,
    ask_approval,
    fail,
    guarded,
    joined,
    render_plan,
    shown,
    spf_resolver,
    state_locked,
    today,
)
from mailplan.cli.localized_help import LocalizedCommand
from mailplan.engine import gate
from mailplan.engine.apply import Failure, apply_changes, waiting_for_allow_delete
from mailplan.engine.drift import in_sync
from mailplan.engine.journal import Journal
from mailplan.i18n import N_, _, ngettext
from mailplan.model.change import Change
from mailplan.model.plan import Plan
from mailplan.people import welcome
from mailplan.render import labels
from mailplan.session import Session, load_desired

FORMAT_OPT = typer.Option("--format", "-f", help=N_("Output format."))


def validate(
    config: CONFIG_ARG = Path("mailplan.yaml"),
    spf_dns: Annotated[str, SPF_RESOLVER_OPT] = "",
) -> None:
    """Check the config: syntax, references, naming collisions, provider capabilities."""
    with guarded():
        desired = load_desired(config, today(), spf_resolver(spf_dns), create_keys=False)
        for warning in desired.warnings:  # a policy set to warn: shown, but the config is valid
            typer.echo(_("warning: {problem}", problem=warning.problem.shown(i18n.localized)), err=True)
        counts: dict[str, int] = {}
        for state in desired.objects.values():
            for obj in state:
                counts[obj.KIND] = counts.get(obj.KIND, 0) + 1
        # Translators: the separator between the counts of a valid config ("35 mailbox, 7 alias").
        detail = _(", ").join(_("{count} {kind}", count=n, kind=labels.word(k)) for k, n in sorted(counts.items()))
        providers = ngettext("{count} provider", "{count} providers", len(desired.providers))
        typer.echo(_("{config}: valid ({objects}; {providers})", config=str(config), objects=detail,
                     providers=providers))  # fmt: skip


def plan(
    config: CONFIG_ARG = Path("mailplan.yaml"),
    out: Annotated[Path | None, typer.Option("--out", "-o", help=N_("Save the plan to apply it later."))] = None,
    fmt: Annotated[PlanFormat, FORMAT_OPT] = PlanFormat.text,
    detailed_exitcode: Annotated[
        bool, typer.Option("--detailed-exitcode", help=N_("Exit 0 when there are no changes, 2 when there are."))
    ] = False,
    allow_delete: Annotated[bool, typer.Option(help=N_("Plan deletions whose retention has passed."))] = False,
    force: Annotated[bool, typer.Option(help=N_("Skip the freeze/remove threshold of the safety gate."))] = False,
    spf_dns: Annotated[str, SPF_RESOLVER_OPT] = "",
) -> None:
    """Show what apply would change."""
    with guarded():
        session = Session.open(config, today(), spf_resolver(spf_dns))
        try:
            console = Console()
            observed = session.observe(lambda name: console.status(_("reading provider {name} …", name=name)))
            result = session.plan(observed, gate.GateSettings(today=session.today, allow_delete=allow_delete,
                                                              force=force))
        finally:
            session.close()
        typer.echo(render_plan(result, fmt.value), nl=False)
        if out is not None:
            result.save(out)
            console.status(_("Saved the plan to {path}. Apply exactly this plan with: `mailplan apply --plan {path}`",
                             path=out))
        if result.blocked:
            raise typer.Exit(1)
        if detailed_exitcode and result.has_changes:
            raise typer.Exit(2)


def apply(
    config: CONFIG_ARG = Path("mailplan.yaml"),
    plan_file: Annotated[Path | None, typer.Option("--plan", help=N_("Apply exactly this saved plan."))] = None,
    auto_approve: Annotated[bool, typer.Option("--auto-approve", help=N_("Do not ask for approval."))] = False,
    allow_delete: Annotated[
        bool, typer.Option("--allow-delete", help=N_("Also delete mailboxes whose retention has passed."))
    ] = False,
    force: Annotated[bool, typer.Option(help=N_("Skip the freeze/remove threshold of the safety gate."))] = False,
    actor: Annotated[
        str, typer.Option(help=N_("Who applies, for the audit journal (default: CI user or OS user)."))
    ] = "",
    spf_dns: Annotated[str, SPF_RESOLVER_OPT] = "",
    lock_timeout: Annotated[str, LOCK_TIMEOUT_OPT] = "0",
) -> None:
    """Apply the changes (asks first, unless --auto-approve or --plan)."""
    with guarded(), state_locked(config, "apply", lock_timeout):
        console = Console()
        session = Session.open(config, today(), spf_resolver(spf_dns))
        try:
            observed = session.observe(lambda name: console.status(_("reading provider {name} …", name=name)))
            journal = session.journal(actor)
            session.settle_journal(journal, observed, console.status)
            if session.today != clock.today():
                console.status(_("acting as of {day} (MAILPLAN_TODAY); the clock says {today}", day=session.today,
                                 today=clock.today()))  # fmt: skip
            settings = gate.GateSettings(
                today=session.today, allow_delete=allow_delete, force=force, real_today=clock.today()
            )
            if plan_file is not None:
                saved = Plan.load(plan_file)
                current = session.plan(observed, settings)
                stale = session.stale_reasons(saved, observed, current)
                if stale:
                    fail(_("{file} is stale and was not applied: {reasons}. Run `mailplan plan --out` again and "
                           "review the new plan.", file=plan_file, reasons=joined(stale)))  # fmt: skip
                saved.blocked = current.blocked
                result = saved
            else:
                result = session.plan(observed, settings)
            typer.echo(render_plan(result, "text", color=console.color), nl=False)
            if result.blocked:
                fail(_("the safety gate refused this plan; nothing was applied"))
            if not result.has_changes:
                return
            if plan_file is None and not auto_approve:
                ask_approval(len(result.changes))
            _apply(session, journal, result.changes, allow_delete, console)
        finally:
            session.close()


def _apply(session: Session, journal: Journal, changes: list[Change], allow_delete: bool, console: Console) -> None:
    report = apply_changes(
        changes, session.providers, journal, allow_delete=allow_delete, progress=console.progress
    )
    lines = [ngettext("{count} applied", "{count} applied", len(report.applied))]
    if report.manual:
        lines.append(ngettext("{count} manual step left for a person (listed above)",
                              "{count} manual steps left for a person (listed above)", len(report.manual)))
    if report.held_back:
        lines.append(ngettext("{count} deletion held back (it needs --allow-delete)",
                              "{count} deletions held back (they need --allow-delete)", len(report.held_back)))
    if report.skipped:
        lines.append(ngettext("{count} skipped (it needs a change that failed or waits)",
                              "{count} skipped (each needs a change that failed or waits)", len(report.skipped)))
    if session.credentials.written:
        lines.append(ngettext(
            "initial password of {count} new mailbox written to {file} (owner-only; hand it over securely, then "
            "delete the file)",
            "initial passwords of {count} new mailboxes written to {file} (owner-only; hand them over securely, "
            "then delete the file)", session.credentials.written, file=session.credentials.path))
    sheets = welcome.write_for(session, report.applied)
    if sheets:
        lines.append(ngettext("welcome sheet of {count} new person written to {folder} (owner-only; print)",
                              "welcome sheets of {count} new people written to {folder} (owner-only; print)",
                              len(sheets), folder=sheets[0].parent))
    # the head, kept in the CI log or elsewhere, lets `audit verify --expect-head` see a deleted tail
    lines.append(_("journal: {path}, head {head}", path=journal.path, head=journal.head()))
    if not report.ok:
        failures = "\n".join(f"  ✗ {_failure(f)}" for f in report.failures)
        failed = ngettext("{count} failed", "{count} failed", len(report.failures))
        if report.not_attempted:
            left = ngettext("{count} not attempted", "{count} not attempted", len(report.not_attempted))
            fail(_("{failed}:\n{failures}\n{done}; {left}: apply stopped, as the journal failed. Fix the cause and "
                   "run `mailplan plan` again: it shows exactly what is left.", failed=failed, failures=failures,
                   done=joined(lines), left=left))  # fmt: skip
        fail(_("{failed}:\n{failures}\n{done}. Every change that did not need a failed one was made. Fix the cause "
               "and run `mailplan plan` again: it shows exactly what is left.", failed=failed, failures=failures,
               done=joined(lines)))  # fmt: skip
    typer.echo(_("Apply complete: {done}.", done=joined(lines)))


def _failure(failure: Failure) -> str:
    """A failed change and the error (the provider's answer as it came, or our own message translated)."""
    change = failure.change
    what = labels.change_name(change.action.value, change.kind, change.key) if change else _("finish the run's writes")
    return _("{change} ({provider}): {error}", change=what, provider=failure.provider,
             error=shown(failure.error))  # fmt: skip


def drift(
    config: CONFIG_ARG = Path("mailplan.yaml"),
    fmt: Annotated[PlanFormat, FORMAT_OPT] = PlanFormat.text,
    spf_dns: Annotated[str, SPF_RESOLVER_OPT] = "",
) -> None:
    """Does the live setup still match the config? Exit 0 in sync, 2 drift."""
    with guarded():
        session = Session.open(config, today(), spf_resolver(spf_dns))
        try:
            result = session.plan(session.observe())
            supports = {name: type(provider).SUPPORTS for name, provider in session.providers.items()}
        finally:
            session.close()
        typer.echo(render_plan(result, fmt.value, title="Drift"), nl=False)
        waiting = waiting_for_allow_delete(result.changes)
        if waiting:
            typer.echo(ngettext(
                "{count} removal waits for `mailplan apply --allow-delete` (retention passed): not drift.",
                "{count} removals wait for `mailplan apply --allow-delete` (retention passed): not drift.",
                len(waiting)), err=True)
        if not in_sync(result, supports.__getitem__):
            raise typer.Exit(2)


def schema() -> None:
    """Print the JSON Schema of the config file."""
    from mailplan import config as config_mod

    with guarded():
        json.dump(config_mod.json_schema(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")


def register(app: typer.Typer) -> None:
    for command in (validate, plan, apply, drift, schema):
        # the docstring is the help: its msgid is the summary cli/main.py marks
        app.command(cls=LocalizedCommand)(command)
