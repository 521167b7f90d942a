"""onboard, offboard, rehire: HR's commands. Each edits the config (one person's entry, nothing else)
and prints the plan the edit causes; ``offboard --now`` also applies that person's part at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from mailplan import config as config_mod
from mailplan import i18n
from mailplan.cli.common import (
    LOCK_TIMEOUT_OPT,
    Console,
    PlanFormat,
    fail,
    guarded,
    render_plan,
    state_locked,
    today,
)
from mailplan.cli.localized_help import LocalizedCommand
from mailplan.config.compile import compile_config
from mailplan.engine import gate
from mailplan.engine.apply import ApplyReport, apply_changes
from mailplan.engine.journal_recover import recover
from mailplan.errors import MailplanError
from mailplan.i18n import N_, _, ngettext
from mailplan.model.change import Action, Change
from mailplan.model.desired import Desired
from mailplan.model.plan import Plan
from mailplan.people import lifecycle
from mailplan.people.select import caused_by_edit
from mailplan.session import Session, handed_over


def _config_and(arguments: list[str], what: str) -> tuple[Path, str]:
    """``[CONFIG] PERSON``: the config is optional and comes first, as in every other command."""
    if len(arguments) == 1:
        return Path("mailplan.yaml"), arguments[0]
    if len(arguments) == 2:
        return Path(arguments[0]), arguments[1]
    fail(_("expected [CONFIG] {what}, got {count} arguments (quote a name with spaces)", what=what,
           count=len(arguments)))


FORMAT_OPT = typer.Option("--format", "-f", help=N_("Format of the plan printed after the edit."))
NO_PLAN_OPT = typer.Option("--no-plan", help=N_("Only edit the config; do not read the providers to show the plan."))


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        shown = repr(value)
        fail(_("{option} {value} is not a date; write it as YYYY-MM-DD", option=option, value=shown))


def _save(edit: lifecycle.Edit, config: Path, console: Console) -> None:
    lifecycle.save(edit, config)
    changed = _changed_lines(edit.before, edit.after)
    for note in edit.notes:
        console.status(i18n.localized(note))
    console.status(_("Edited {file} (line {line}); every other line is as it was.", file=edit.file, line=changed))


def _changed_lines(before: str, after: str) -> str:
    old, new = before.splitlines(), after.splitlines()
    start = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new)))
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old, end_new = end_old - 1, end_new - 1
    return f"{start + 1}" if end_new <= start + 1 else f"{start + 1}-{end_new}"


def _show_plan(config: Path, day: dt.date, fmt: PlanFormat, console: Console, edit: lifecycle.Edit) -> None:
    """The part of the plan on ``day`` the edit causes (a future departure or start date shows what the
    nightly apply will do then); other pending changes are counted, not listed."""
    session = Session.open(config, day)
    try:
        result = session.plan(session.observe(lambda name: console.status(_("reading provider {name} …", name=name))))
        mine = caused_by_edit(result.changes, _before(edit, day), session.desired)
    finally:
        session.close()
    if day == today():
        title = _("Plan for {address}", address=edit.address)
    else:
        title = _("Plan on {day} (the first apply on or after that day does this) for {address}", day=day,
                  address=edit.address)
    shown = Plan(changes=mine, blocked=result.blocked)
    typer.echo(render_plan(shown, fmt.value, title=title), nl=False)
    others = len(result.changes) - len(mine)
    if others:
        console.status(ngettext("{count} other change is pending as well (not this edit's): see `mailplan plan`",
                                "{count} other changes are pending as well (not this edit's): see `mailplan plan`",
                                others))


def _before(edit: lifecycle.Edit, day: dt.date) -> Desired:
    """The config as it was before the edit, compiled for ``day``."""
    assert edit.config is not None, "every HR edit keeps the config it started from"
    return handed_over(compile_config(edit.config, day))


def offboard(
    arguments: Annotated[
        list[str], typer.Argument(metavar="[CONFIG] PERSON", help=N_("The config, and who leaves."))
    ],
    successor: Annotated[
        str, typer.Option("--successor", "-s", help=N_("Who takes over their mail: address, alias or name."))
    ] = "",
    on: Annotated[str | None, typer.Option("--on", help=N_("Departure date YYYY-MM-DD (default: today)."))] = None,
    reason: Annotated[str | None, typer.Option("--reason", help=N_("Why they leave; kept in the config only."))] = None,
    now: Annotated[
        bool, typer.Option("--now", help=N_("Emergency: freeze and hand over immediately through the providers."))
    ] = False,
    actor: Annotated[str, typer.Option(help=N_("Who does this, for the audit journal (with --now)."))] = "",
    fmt: Annotated[PlanFormat, FORMAT_OPT] = PlanFormat.text,
    no_plan: Annotated[bool, NO_PLAN_OPT] = False,
    lock_timeout: Annotated[str, LOCK_TIMEOUT_OPT] = "0",
) -> None:
    """Record that a person leaves (left_on, successor, reason) and show the plan it causes."""
    with guarded():
        config, person = _config_and(arguments, "PERSON")
        if not successor:
            fail(_("name the successor with --successor: the person who takes over the mail"))
        console = Console()
        day = _date(on, "--on") or today()
        if now and day != today():
            fail(_("--now freezes today ({today}); leave out `--on {on}`, or drop --now to leave on {day}",
                   today=today(), on=on, day=day))
        # held from reading the config to the last write: two HR edits at once cannot lose one
        with state_locked(config, "offboard", lock_timeout):
            if now:
                _journal_ready(config, actor)  # an emergency that cannot be journaled must not half-happen
            edit = lifecycle.offboard(config_mod.load(config), person, successor, day, reason)
            _save(edit, config, console)
            if now:
                _apply_now(config, edit, actor, console)
            elif not no_plan:
                _show_plan(config, max(day, today()), fmt, console, edit)


def _journal_ready(config: Path, actor: str) -> None:
    """Refuse before editing the config when the journal cannot take the changes (damaged, no key).
    A torn last line an interrupted run left is moved aside first (it is no damage)."""
    session = Session.open(config, today(), create_keys=False)
    try:
        journal = session.journal(actor)
        recover(journal)
        journal.prepare()
    finally:
        session.close()


def _apply_now(config: Path, edit: lifecycle.Edit, actor: str, console: Console) -> None:
    """Apply only what the departure causes: handover, freeze, rights and groups, the handovers that
    passed through this person; journaled."""
    address = edit.address
    session = Session.open(config, today())
    try:
        try:
            observed = session.observe(lambda name: console.status(_("reading provider {name} …", name=name)))
        except MailplanError as exc:
            error = i18n.localized(exc)
            what = _("nobody was frozen: {error}", error=error)
            fix = _("{address} can still log in. The config records the departure ({file}); run `mailplan apply` as "
                    "soon as the provider answers, or cut the access by hand in the provider's console now.",
                    address=address, file=edit.file)
            fail(what + "\n" + fix)  # two lines, each one whole sentence
        journal = session.journal(actor)
        session.settle_journal(journal, observed, console.status)
        full = session.plan(observed)
        mine = caused_by_edit(full.changes, _before(edit, session.today), session.desired)
        # One person's part: the freeze threshold is not the question here, the other rules are.
        settings = gate.GateSettings(today=session.today, force=True)
        blocked = gate.check(mine, {}, observed, session.desired.retention, settings, session.desired.origins)
        shown = Plan(changes=mine, blocked=blocked)
        title = _("Applying now for {address}", address=address)
        typer.echo(render_plan(shown, "text", color=console.color, title=title), nl=False)
        if blocked:
            fail(_("the safety gate refused these changes; nothing was applied (the config keeps the departure)"))
        report = apply_changes(mine, session.providers, journal, progress=console.progress)
        cut = _freezes_left(report)
        if cut:
            # The emergency is the access: even where the freeze waits for a failed handover step (a
            # frozen mailbox refusing mail), lock the account now.
            console.status(_("the freeze waited for a step that failed; freezing now all the same"))
            locked = apply_changes(cut, session.providers, journal, progress=console.progress)
            report.applied += locked.applied
            report.failures += locked.failures
    finally:
        session.close()
    if not report.ok:
        open_access = [c for c in report.failed_changes if c.action is Action.FREEZE]
        error = i18n.localized(report.error)
        applied = ngettext("{count} applied", "{count} applied", len(report.applied))
        if open_access:
            fail(_("failed: {error}; {applied}, the mailbox is still NOT frozen: freeze it by hand at once. The "
                   "config records the departure: the next `mailplan apply` finishes the rest.",
                   error=error, applied=applied))
        fail(_("failed: {error}; {applied}, the mailbox is frozen. The config records the departure: the next "
               "`mailplan apply` finishes the rest.", error=error, applied=applied))
    done = ngettext("{count} change applied now", "{count} changes applied now", len(report.applied))
    if report.manual:
        manual = ngettext("{count} manual step left for a person (listed above)",
                          "{count} manual steps left for a person (listed above)", len(report.manual))
        typer.echo(_("Done: {done}; {manual}. The next regular apply keeps this state. Journal head {head}.",
                     done=done, manual=manual, head=journal.head()))
    else:
        typer.echo(_("Done: {done}. The next regular apply keeps this state. Journal head {head}.",
                     done=done, head=journal.head()))


def _freezes_left(report: ApplyReport) -> list[Change]:
    """The freezes a failed run did not make: skipped (they waited for a failed handover step where a
    frozen mailbox refuses mail), or never reached (the journal failed)."""
    left = [s.change for s in report.skipped] + report.not_attempted
    return [c for c in left if c.action is Action.FREEZE]


def rehire(
    arguments: Annotated[
        list[str], typer.Argument(metavar="[CONFIG] PERSON", help=N_("The config file, and who comes back."))
    ],
    fmt: Annotated[PlanFormat, FORMAT_OPT] = PlanFormat.text,
    no_plan: Annotated[bool, NO_PLAN_OPT] = False,
    lock_timeout: Annotated[str, LOCK_TIMEOUT_OPT] = "0",
) -> None:
    """Undo a departure (removes left_on, successor, reason) and show what comes back."""
    with guarded():
        config, person = _config_and(arguments, "PERSON")
        console = Console()
        with state_locked(config, "rehire", lock_timeout):
            edit = lifecycle.rehire(config_mod.load(config), person)
            _save(edit, config, console)
            if not no_plan:
                _show_plan(config, today(), fmt, console, edit)


def onboard(
    arguments: Annotated[
        list[str], typer.Argument(metavar="[CONFIG] NAME", help=N_("The config, and the full name (张三)."))
    ],
    department: Annotated[str, typer.Option("--department", "-d", help=N_("The department's key."))] = "",
    tier: Annotated[str | None, typer.Option("--tier", "-t", help=N_("The permission tier's key."))] = None,
    start: Annotated[str | None, typer.Option("--start", help=N_("First working day YYYY-MM-DD."))] = None,
    address: Annotated[
        str | None, typer.Option("--address", help=N_("The address, when not the derived one (a local part)."))
    ] = None,
    fmt: Annotated[PlanFormat, FORMAT_OPT] = PlanFormat.text,
    no_plan: Annotated[bool, NO_PLAN_OPT] = False,
    lock_timeout: Annotated[str, LOCK_TIMEOUT_OPT] = "0",
) -> None:
    """Add a person with the address derived from their name, and show the plan."""
    with guarded():
        config, name = _config_and(arguments, "NAME")
        if not department:
            fail(_("name the department with --department"))
        console = Console()
        starts = _date(start, "--start")
        with state_locked(config, "onboard", lock_timeout):
            edit = lifecycle.onboard(config_mod.load(config), name, department, tier, starts, address)
            _save(edit, config, console)
            if not no_plan:
                _show_plan(config, max(starts or today(), today()), fmt, console, edit)


def register(app: typer.Typer) -> None:
    for command in (onboard, offboard, rehire):
        # the docstring is the help: its msgid is the summary cli/main.py marks
        app.command(cls=LocalizedCommand)(command)
