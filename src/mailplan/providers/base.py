"""The one narrow interface every provider implements.

A provider reads what it holds for a set of domains (as neutral objects) and
applies one change at a time. It declares what it supports in ``SUPPORTS``
(capability ids such as ``"group.post.members"``, see ``MailObject.features``);
the core refuses, at validate/plan time, a config that needs something the
provider lacks, unless ``MANUAL`` says a person can do it by hand, in which
case the plan carries a manual step with the provider's instructions.

A kind in ``APPLIES_PARTLY`` is applied as far as the API allows even when
some of its features are manual: the change keeps its action and carries the
instructions for what is left (a Microsoft 365 group is created through Graph,
who may post to it is set in Exchange). An optional kind the provider lacks
altogether (``MailObject.OPTIONAL``) is simply not handed to it.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel

from mailplan.i18n import Msg
from mailplan.model.change import Change
from mailplan.model.state import Observed, State
from mailplan.providers import endpoints, redact
from mailplan.providers.credentials import CredentialSink

__all__ = ["CredentialSink", "NotSupported", "Provider", "ProviderContext", "ProviderError"]


class ProviderError(Exception):
    """A provider call failed. The message is shown to the user as it is."""


class NotSupported(ProviderError):
    """The provider cannot do what a change asks; raised only if the core's check was bypassed."""


@dataclass
class ProviderContext:
    """What the core hands a provider besides its own settings."""

    base_dir: Path  # the config file's folder; relative paths in settings are relative to it
    credentials: CredentialSink
    secrets: Mapping[str, str] = field(default_factory=dict)  # resolved secret settings

    def path(self, value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else self.base_dir / p


class Provider(abc.ABC):
    """A mail or DNS backend."""

    TYPE: ClassVar[str] = ""  # the ``type:`` that selects this provider in the config
    ROLE: ClassVar[str] = "mail"  # "mail" or "dns"
    SUPPORTS: ClassVar[frozenset[str]] = frozenset()
    # capability id -> why it is manual / what a person must do (for the capability table)
    MANUAL: ClassVar[Mapping[str, str]] = {}
    # kinds applied in part: the API does what it can, ``manual_instructions`` says what is left
    APPLIES_PARTLY: ClassVar[frozenset[str]] = frozenset()
    # kind -> attributes the service keeps no trace of (Zoho Mail has one kind of account and no
    # departments): the provider is handed its objects with these at their defaults
    UNHELD: ClassVar[Mapping[str, frozenset[str]]] = {}
    # kinds whose mark (this is mailplan's) takes a call of its own after the object is made: a create
    # cut short between the two leaves it unmarked, and the next plan makes it again (adopting, marking)
    MARKED_APART: ClassVar[frozenset[str]] = frozenset()
    # Optional pydantic model of the provider's ``settings`` in the config; the config
    # loader validates against it so a wrong setting is reported at its file:line:col.
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = None
    # Whether a frozen mailbox refuses new mail here: then a freeze waits for the forwarding to the
    # successor, so that cutting access never bounces mail (engine/depends.py).
    FREEZE_STOPS_DELIVERY: ClassVar[bool] = False
    # Endpoint settings -> the documented hosts they may name in the config (``providers/endpoints.py``);
    # an empty tuple: self-hosted, any host, but only where the environment allows it.
    ENDPOINTS: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    # How many changes ``apply_batch`` may make durable at once (a database transaction). 1: each change
    # is made on its own and journaled before the next, as an API that answers one call at a time must be.
    BATCH: ClassVar[int] = 1

    def __init__(self, name: str, settings: Mapping[str, Any], context: ProviderContext) -> None:
        self.name = name
        self.settings = settings
        self.context = context
        redact.register_settings(dict(settings))  # a secret setting never shows in an error
        refused = endpoints.problems(settings, self.ENDPOINTS)
        if refused:
            shown, reasons = repr(name), "; ".join(refused.values())
            raise ProviderError(Msg("provider {name} ({type}): {reasons}", name=shown, type=self.TYPE, reasons=reasons))

    @abc.abstractmethod
    def read(self, domains: Sequence[str]) -> Observed:
        """Everything this provider holds for ``domains`` (A-labels), managed or not.

        Read in as few calls as the API allows: list endpoints, largest pages.
        """

    def read_wanted(self, domains: Sequence[str], wanted: State) -> Observed:
        """What a plan diffs ``wanted`` against: by default everything ``read`` finds. A provider that can
        ask for exactly the objects wanted (and holds nothing else a plan needs) reads only those."""
        return self.read(domains)

    @abc.abstractmethod
    def apply(self, change: Change) -> str:
        """Apply one change; return the provider's answer in a short line for the journal.

        Must be idempotent: a create that finds the object already there adopts it.
        Raises ProviderError with a message a person can act on.
        """

    def apply_batch(self, changes: Sequence[Change]) -> list[str]:
        """Apply up to BATCH changes as one unit: all durable when it returns (their answers, in order),
        or, when it raises, none of them made."""
        if len(changes) > 1:
            raise NotImplementedError(f"{type(self).__name__} applies one change at a time (BATCH = 1)")
        return [self.apply(change) for change in changes]

    def manual_instructions(self, change: Change) -> str:
        """For a change whose capability is in MANUAL: the exact steps for a person."""
        return ""

    def wholly_manual(self, change: Change) -> bool:
        """Whether a person must make ``change`` although its features are supported: what only the
        live state tells (a distribution list on Microsoft 365) or a variant the API cannot create.
        Asked after ``read``; the plan then carries ``manual_instructions``."""
        return False

    def finish(self) -> None:  # noqa: B027 - optional hook, for providers that batch writes
        """Complete what ``apply`` deferred to send in one call (Exmail's tag members). Called once at
        the end of an apply in which this provider applied something; raises ProviderError naming
        what is left undone."""

    def close(self) -> None:  # noqa: B027 - optional hook, most providers hold nothing open
        """Release connections. Called once after reading or applying."""
