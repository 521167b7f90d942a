"""What every command shares: the config argument, error handling, output, approval."""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from mailplan import clock, i18n
from mailplan.config.loader import state_dir_of
from mailplan.dns import spf
from mailplan.engine.lock import StateLock, parse_timeout
from mailplan.errors import ConfigError, MailplanError
from mailplan.files import remove_stale_temps
from mailplan.i18n import N_, Msg, _, ngettext
from mailplan.model.change import Change
from mailplan.model.plan import Plan
from mailplan.notes import Note, Waiting
from mailplan.providers.base import ProviderError
from mailplan.providers.redact import redact
from mailplan.render import labels, plan_json, plan_markdown, plan_text

CONFIG_ARG = Annotated[
    Path, typer.Argument(help=N_("The config file."), show_default=True, metavar="[CONFIG]")
]


LOCK_TIMEOUT_OPT = typer.Option(
    "--lock-timeout",
    metavar="SECONDS",
    help=N_("Wait this long for another run that holds the state folder's lock (30, 30s, 5m). Default: do not wait."),
)


SPF_RESOLVER_OPT = typer.Option(
    "--spf-resolver",
    envvar="MAILPLAN_SPF_RESOLVER",
    metavar="system|HOST[:PORT]",
    help=N_("Count SPF lookups through the includes as live DNS answers them (more than 10 is an error). "
            "`system` uses this machine's resolver. Off by default: plans stay offline."),
)


class OfflineSpf:
    """The ``spf.Resolver`` of a plan made without ``--spf-resolver``: DNS is not asked, so what
    nested includes cost is unknown and the count is a lower bound (derivation says so in a note)."""

    REASON = Msg("DNS not asked; count through the includes with --spf-resolver system (or HOST[:PORT])")

    def _unknown(self, rtype: str, name: str) -> NoReturn:
        raise spf.LookupFailed(f"{rtype} {name}", self.REASON)

    def txt(self, name: str) -> list[str] | None:
        self._unknown("TXT", name)

    def mx_hosts(self, name: str) -> list[str] | None:
        self._unknown("MX", name)

    def addresses(self, name: str) -> list[str] | None:
        self._unknown("A", name)


class PlanFormat(enum.StrEnum):
    """How a plan is printed (every command that prints one)."""

    text = "text"
    json = "json"
    markdown = "markdown"


def spf_resolver(value: str) -> spf.Resolver:
    if not value:
        return OfflineSpf()
    # a resolver and its transports are imported only by the commands that ask DNS
    from mailplan.dns.check.context import SpfDns
    from mailplan.dns.check.dnsview import LiveDns

    return SpfDns(LiveDns(None if value == "system" else value))


def today() -> dt.date:
    """Today, or MAILPLAN_TODAY (ISO date) to rehearse a future run, e.g. a departure date."""
    value = os.environ.get("MAILPLAN_TODAY")
    if not value:
        return clock.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        shown = repr(value)
        fail(_("MAILPLAN_TODAY={value} is not a date; write it as YYYY-MM-DD", value=shown))


def shown(text: object) -> str:
    """``text`` for the reader: a core ``Msg`` (or an error or note raised with one) in the run's language; any
    other text as it is (already in the run's language, or data: a provider's answer)."""
    said = text.args[0] if isinstance(text, BaseException) and len(text.args) == 1 else text
    return said.localized() if isinstance(said, Msg) else str(text)


def joined(parts: Sequence[str]) -> str:
    """Parts of one sentence in a row, each already in the run's language (a core ``Msg`` is translated)."""
    # Translators: what stands between the parts of a list ("3 applied; journal: …"): a semicolon and a space
    return _("; ").join(shown(part) for part in parts)


def fail(message: str) -> NoReturn:
    """Print ``error: message`` (the message already in the run's language) and exit 1."""
    typer.echo(_("error: {message}", message=redact(message)), err=True)  # the last line of defence: no secret
    raise typer.Exit(1)


@contextlib.contextmanager
def notes_shown() -> Iterator[None]:
    """Print each ``Note`` the run raises once, as ``note: …`` on stderr; other warnings as usual."""
    seen: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("always", Note)
        warnings.simplefilter("always", Waiting)
        previous = warnings.showwarning

        def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: object = None, line: str | None = None) -> None:
            if issubclass(category, Waiting):
                typer.echo(_("… {message}", message=shown(message)), err=True)  # shown every time: progress
                return
            if issubclass(category, Note):
                if str(message) not in seen:
                    seen.add(str(message))
                    typer.echo(_("note: {message}", message=shown(message)), err=True)
                return
            previous(message, category, filename, lineno, file, line)  # type: ignore[arg-type]

        warnings.showwarning = show
        yield


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Turn every expected failure into a message and exit 1: never a traceback. Notes are printed."""
    with notes_shown():
        yield from _guarded()


def _guarded() -> Iterator[None]:
    try:
        yield
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(problem.shown(i18n.localized), err=True)
        count = len(exc.problems)
        typer.echo(ngettext("{count} problem found; nothing was changed.",
                            "{count} problems found; nothing was changed.", count), err=True)  # fmt: skip
        raise typer.Exit(1) from None
    except (MailplanError, ProviderError) as exc:
        fail(i18n.localized(exc))
    except OSError as exc:
        # a folder that cannot be made, a file that cannot be written: name it, no traceback
        error = exc.strerror or str(exc)
        fail(_("{path}: {error}", path=exc.filename, error=error) if exc.filename else error)
    except KeyboardInterrupt:
        typer.echo(_("interrupted"), err=True)
        raise typer.Exit(130) from None


def color_wanted(stream: object = None) -> bool:
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class Console:
    """Progress and status go to stderr, so stdout stays the plan (pipe-able, e.g. --format json)."""

    def __init__(self) -> None:
        self.color = color_wanted()

    def status(self, message: str) -> None:
        """A line on stderr: ``message`` in the run's language (a core ``Msg`` is translated here)."""
        typer.echo(shown(message), err=True)

    def progress(self, index: int, total: int, change: Change, status: str) -> None:
        width = len(str(total))
        marks = {"ok": "✓", "failed": "✗", "manual": "?", "held back": "…", "skipped": "–"}
        mark = marks.get(status.split(":")[0], " ")
        name = labels.change_name(change.action.value, change.kind, change.key)
        line = f"[{index:>{width}}/{total}] {mark} {name} ({change.provider})"
        if status not in ("ok", "failed"):
            said = _(_STATUSES[status]) if status in _STATUSES else shown(status)
            line += f" — {said}"
        if self.color:
            line = typer.style(line, fg="red" if status == "failed" else None)
        typer.echo(line, err=True)


# the progress statuses that are one word (engine/apply.py); "skipped: needs …" comes as a Msg
_STATUSES = {"manual": N_("manual"), "held back": N_("held back")}


@contextlib.contextmanager
def state_locked(config: Path, command: str, timeout: str = "0") -> Iterator[None]:
    """Hold the lock of the config's state folder for the whole command (every command that writes).

    Taken before the config is read, so that what the command reads no other run changes meanwhile.
    Temporary files that killed runs left in the folders mailplan writes are removed here.
    """
    if not config.exists() and command != "import":
        yield  # nothing to lock: the command fails on the missing file
        return
    folder = state_dir_of(config)
    lock = StateLock(folder, command, on_wait=lambda message: typer.echo(shown(message), err=True))
    with lock.held(parse_timeout(timeout)):
        if lock.taken_over is not None:
            typer.echo(_("note: took over the lock of {holder}, which ended without letting go of it (killed, or its "
                         "machine stopped)", holder=lock.taken_over.describe()), err=True)  # fmt: skip
        for place in (folder, folder / "dkim", folder / "welcome", config.resolve().parent):
            remove_stale_temps(place)
        yield


def render_plan(plan: Plan, fmt: str, color: bool | None = None, title: str = "Plan") -> str:
    if fmt == "json":
        return plan_json.render(plan)
    if fmt == "markdown":
        return plan_markdown.render(plan, title)
    return plan_text.render(plan, color=color_wanted() if color is None else color, title=title)


def ask_approval(count: int) -> None:
    if not sys.stdin.isatty():
        fail(_("no terminal to ask for approval: pass --auto-approve, or apply a reviewed plan with "
               "`mailplan apply --plan FILE`"))  # fmt: skip
    # Translators: the answer stays `yes`, whatever the language (scripts pipe it in)
    question = ngettext("Apply this change? Only 'yes' is accepted",
                        "Apply these {count} changes? Only 'yes' is accepted", count)  # fmt: skip
    answer = typer.prompt(question, default="", show_default=False)
    if answer.strip() != "yes":
        fail(_("not approved; nothing was applied"))
