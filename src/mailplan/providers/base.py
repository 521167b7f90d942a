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
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel

from mailplan.dirs import make_dirs
from mailplan.model.change import Change
from mailplan.model.state import Observed, State


class ProviderError(Exception):
    """A provider call failed. The message is shown to the user as it is."""


class NotSupported(ProviderError):
    """The provider cannot do what a change asks; raised only if the core's check was bypassed."""


class CredentialSink:
    """Where generated initial passwords go: an owner-only file, never the terminal.

    One line per account, holding the password that works now: a new password replaces the
    account's earlier line, and ``forget`` takes out the line of an account nobody may log in
    to any more. Opened lazily, so a run that generates nothing creates no file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = 0

    def put(self, address: str, password: str, note: str = "") -> None:
        """``address<TAB>password``, with ``<TAB># note`` when the password needs one."""
        self._rewrite(address, f"{address}\t{password}" + (f"\t# {note}" if note else ""))
        self.written += 1

    def forget(self, address: str) -> None:
        if self.path.is_file():
            self._rewrite(address, None)

    def _rewrite(self, address: str, line: str | None) -> None:
        make_dirs(self.path.parent)
        if self.path.exists() and not self.path.is_file():  # e.g. /dev/null: nothing to rewrite
            if line is not None:
                with self.path.open("a", encoding="utf-8") as sink:
                    sink.write(line + "\n")
            return
        old = self.path.read_text(encoding="utf-8").splitlines() if self.path.exists() else []
        lines = [kept for kept in old if kept.partition("\t")[0] != address] + ([line] if line else [])
        # A new file beside the old one, then renamed over it: a crash leaves one or the other, whole.
        temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
        os.fchmod(fd, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("".join(f"{kept}\n" for kept in lines))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, self.path)


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
    # Optional pydantic model of the provider's ``settings`` in the config; the config
    # loader validates against it so a wrong setting is reported at its file:line:col.
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = None
    # How many changes ``apply_batch`` may make durable at once (a database transaction). 1: each change
    # is made on its own and journaled before the next, as an API that answers one call at a time must be.
    BATCH: ClassVar[int] = 1

    def __init__(self, name: str, settings: Mapping[str, Any], context: ProviderContext) -> None:
        self.name = name
        self.settings = settings
        self.context = context

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

    def close(self) -> None:  # noqa: B027 - optional hook, most providers hold nothing open
        """Release connections. Called once after reading or applying."""
