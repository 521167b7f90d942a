"""One run of mailplan: the compiled config, its providers, and the plan between them.

The session stands above the core and ties its parts together: load → compile
(config/) → check capabilities → read observed (providers/, found through the
registry) → diff → gate (engine/). The CLI and the HR commands call it; the
engine below it knows no config file and no provider type.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from mailplan import clock
from mailplan import config as config_mod
from mailplan.dns import spf
from mailplan.engine import capabilities, gate, journal_index, retention
from mailplan.engine.dated import date_warnings
from mailplan.engine.diff import diff_all
from mailplan.engine.journal import APPLIED, NOT_APPLIED, PARTLY_APPLIED, UNKNOWN, Journal
from mailplan.engine.journal_reconcile import reconcile, unmarked_creates
from mailplan.engine.journal_recover import recover
from mailplan.engine.journal_run import for_run as journal_for_run
from mailplan.engine.order import leavers, plan_order
from mailplan.errors import ConfigError, MailplanError, Problem
from mailplan.i18n import Msg, plural_msg
from mailplan.model.change import Action
from mailplan.model.desired import Desired
from mailplan.model.objects import Mailbox
from mailplan.model.plan import Plan
from mailplan.model.state import Observed, State
from mailplan.providers.base import CredentialSink, Provider, ProviderContext, ProviderError
from mailplan.providers.registry import UnknownProviderType, provider_class
from mailplan.render import labels


def load_desired(
    config_path: Path, today: dt.date, spf_resolver: spf.Resolver | None = None, create_keys: bool = True,
    secrets: bool = True,
) -> Desired:
    """Load, validate and compile the config, and check every provider can hold it.

    ``create_keys=False`` for the commands that must write nothing (validate, check);
    ``secrets=False`` for those that never call a provider (check reads DNS only).
    """
    if not config_path.exists():
        raise MailplanError(Msg("{path}: no such config file — pass the path, or run in the folder holding it",
                                path=config_path))  # fmt: skip
    cfg = config_mod.load(config_path)
    desired = config_mod.compile_config(cfg, today, spf_resolver, create_keys, secrets)
    classes, problems = provider_classes(desired)
    problems += capabilities.check(desired, classes)
    if problems:
        raise ConfigError(problems)
    return capabilities.handed_over(desired, classes)


def provider_classes(desired: Desired) -> tuple[dict[str, type[Provider]], list[Problem]]:
    """Each configured provider's class, and a problem for each type this build does not know."""
    classes: dict[str, type[Provider]] = {}
    problems: list[Problem] = []
    for name, spec in sorted(desired.providers.items()):
        try:
            classes[name] = provider_class(spec.type)
        except UnknownProviderType as exc:
            problems.append(Problem(str(exc), spec.location,
                                    Msg("use one of the known provider types")))  # fmt: skip
    return classes, problems


def handed_over(desired: Desired) -> Desired:
    """``desired`` as its providers are handed it (engine/capabilities.py), for commands that compiled it."""
    return capabilities.handed_over(desired, provider_classes(desired)[0])


# what an interrupted run's change turned out to be (the journal's events), as the reader reads it
_EVENTS = {
    APPLIED: Msg("applied"),
    NOT_APPLIED: Msg("not applied"),
    PARTLY_APPLIED: Msg("partly applied"),
    UNKNOWN: Msg("unknown (its provider is no longer in the config)"),
}


def localizable(exc: BaseException) -> object:
    """What an error says, kept as the ``Msg`` it was raised with (translated where it is shown)."""
    return exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], Msg) else str(exc)


class Session:
    def __init__(self, desired: Desired, today: dt.date) -> None:
        self.desired = desired
        self.today = today
        self.base_dir = Path(desired.config_path).resolve().parent if desired.config_path else Path.cwd()
        self.credentials = CredentialSink(self._path(desired.credentials_file or ".mailplan/credentials.txt"))
        self._providers: dict[str, Provider] = {}
        self._journaled: journal_index.Summary | None = None

    @classmethod
    def open(
        cls,
        config_path: Path,
        today: dt.date | None = None,
        spf_resolver: spf.Resolver | None = None,
        create_keys: bool = True,
    ) -> Session:
        today = today or clock.today()
        return cls(load_desired(config_path, today, spf_resolver, create_keys), today)

    def _path(self, value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else self.base_dir / p

    def provider(self, name: str) -> Provider:
        if name not in self._providers:
            spec = self.desired.providers[name]
            context = ProviderContext(base_dir=self.base_dir, credentials=self.credentials)
            self._providers[name] = provider_class(spec.type)(name, spec.settings, context)
        return self._providers[name]

    @property
    def providers(self) -> dict[str, Provider]:
        return {name: self.provider(name) for name in sorted(self.desired.providers)}

    @property
    def journal_path(self) -> Path:
        return self._path(self.desired.journal_file or ".mailplan/journal.jsonl")

    def journal(self, actor: str = "") -> Journal:
        """The journal to write this run's changes to (it asks git which config version this is)."""
        as_of = self.today if self.today != clock.today() else None
        return journal_for_run(self.journal_path, self.desired, self.base_dir, actor, as_of)

    def observe(self, on_provider: Callable[[str], None] | None = None) -> dict[str, Observed]:
        observed: dict[str, Observed] = {}
        for name in sorted(self.desired.objects):
            if on_provider:
                on_provider(name)
            scope = self.desired.scopes.get(name, ())
            try:
                # what the plan diffs against: a DNS provider asks for the rrsets the config writes, no more
                observed[name] = self.provider(name).read_wanted(scope, self.desired.objects.get(name, State()))
            except ProviderError as exc:
                shown = repr(name)
                raise MailplanError(Msg("reading provider {name} failed: {error}", name=shown,
                                        error=localizable(exc))) from exc  # fmt: skip
        return observed

    def plan(self, observed: dict[str, Observed], settings: gate.GateSettings | None = None) -> Plan:
        settings = settings or gate.GateSettings(today=self.today)
        limits = self.desired.safety  # counted with what the journal shows in the window
        journaled = self.journal_summary()  # what the plan needs of the journal, kept in its index
        recent = gate.history(journaled.limited, settings.today, limits.window_days)
        made = journaled.made
        settings = dataclasses.replace(settings, limits=limits, history=recent, journaled=made)
        frozen_on = retention.freeze_dates(journaled.frozen, observed) if self.desired.retention_period else {}
        start = journaled.journal_start() or self.today  # the first day the journal vouches for
        settled = retention.settle(self.desired, observed, frozen_on, self.today, start)
        changes, unmanaged, orphans = diff_all(settled.objects, observed, settled.deletions)
        # made but never marked as mailplan's (a create cut short): made again, which adopts and marks it,
        # instead of any other change of it (the create sets it as the config describes it)
        marked_apart = {name: type(self.provider(name)).MARKED_APART for name in observed}
        again = unmarked_creates(journaled.started, settled.objects, observed, marked_apart)
        redone = {(c.provider, c.obj.ident) for c in again}
        changes = [c for c in changes if (c.provider, c.obj.ident) not in redone] + again
        expired = retention.expire_orphans(
            orphans, settled.retention, frozen_on, self.desired.retention_period, self.today
        )
        planned = [capabilities.as_planned(self.provider(c.provider), c) for c in changes]
        changes = plan_order(planned + expired, leavers(settled.objects))
        blocked = gate.check(changes, orphans, observed, settled.retention, settings, self.desired.origins)
        warnings = [w.problem for w in self.desired.warnings]
        warnings += date_warnings(changes, self.desired, observed, frozen_on)
        return Plan(
            changes=changes,
            unmanaged=unmanaged,
            blocked=blocked,
            warnings=warnings,
            config_fingerprint=self.desired.config_fingerprint,
            observed_fingerprints={name: obs.fingerprint() for name, obs in observed.items()},
            safety=gate.limit_uses(changes, observed, settings),
        )

    def journal_summary(self) -> journal_index.Summary:
        """What the plan needs of the journal, read once per run: from its index, and the entries written
        since. A torn last line is left out: the next command that writes moves it aside
        (``settle_journal``); a plan only reads past it."""
        if self._journaled is None:
            self._journaled = journal_index.summary(self.journal_path)
        return self._journaled

    def settle_journal(
        self, journal: Journal, observed: dict[str, Observed], tell: Callable[[str], None]
    ) -> None:
        """What a killed run left, put right before anything is planned (the caller holds the lock): a
        torn last line moved aside, and each intent left open journaled as what the live state shows it
        turned out to be (a mailbox found made keeps the password written for it)."""
        for found in recover(journal):
            tell(Msg("journal: the last line, cut short by an interrupted run ({size} bytes), was moved aside to "
                     "{file}; the journal records that", size=found.size, file=found.kept_in.name))  # fmt: skip
        marked_apart = {name: type(self.provider(name)).MARKED_APART for name in observed}
        for done in reconcile(journal, observed, marked_apart):
            change = done.change
            tell(Msg("journal: {change} ({provider}), left open by an interrupted run: {event}",
                     change=labels.change_msg(change.action.value, change.kind, change.key),
                     provider=change.provider, event=_EVENTS.get(done.event, done.event)))  # fmt: skip
            # the password written ahead holds if the mailbox was made (even if not all of it was done),
            # or the unfreeze that set it was done
            unfrozen = done.event == APPLIED and change.action is Action.UNFREEZE
            if change.kind == Mailbox.KIND and (done.made or unfrozen):
                self.credentials.settle(change.key)
            frozen = done.event == APPLIED and change.action is Action.FREEZE
            if change.kind == Mailbox.KIND and frozen:  # its password works no more: off the credentials file
                self.credentials.forget(change.key)
        self._journaled = None

    def stale_reasons(self, saved: Plan, observed: dict[str, Observed], current: Plan) -> list[Msg]:
        """Why a saved plan no longer fits the config or the live state ([] if it still does).

        ``current`` is the plan computed now. Matching fingerprints are not enough: the
        saved changes must be exactly the ones the config and the live state give today,
        so a plan file edited after review, or one made before a departure date, is refused.
        """
        reasons = []
        if saved.config_fingerprint != self.desired.config_fingerprint:
            reasons.append(Msg("the config changed since the plan was made"))
        now = {name: obs.fingerprint() for name, obs in observed.items()}
        for name in sorted(set(now) | set(saved.observed_fingerprints)):
            if now.get(name) != saved.observed_fingerprints.get(name):
                shown = repr(name)
                reasons.append(Msg("the live state of provider {name} changed since the plan was made", name=shown))
        if not reasons and [c.to_dict() for c in saved.changes] != [c.to_dict() for c in current.changes]:
            reasons.append(plural_msg(
                "its {count} change is not the {planned} the config and the live state give now (the file was "
                "edited, or the date changed what the config asks for)",
                "its {count} changes are not the {planned} the config and the live state give now (the file was "
                "edited, or the date changed what the config asks for)",
                len(saved.changes), planned=len(current.changes)))  # fmt: skip
        return reasons

    def close(self) -> None:
        for provider in self._providers.values():
            provider.close()

