"""What the config compiles to: per provider, the objects it should hold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mailplan.errors import Location, Problem
from mailplan.model.objects import Mailbox
from mailplan.model.state import Ident, State


@dataclass(frozen=True)
class ProviderSpec:
    name: str  # the key under ``providers:`` in the config
    type: str  # selects the provider class (``local``, ``zonefile``, ...)
    settings: Mapping[str, Any]  # secret references already resolved to their values
    location: Location | None = None


@dataclass(frozen=True)
class ConfigWarning:
    """What the config allows but a reviewer should see (a policy set to warn): shown by plan and check."""

    problem: Problem
    domain: str  # the A-label of the domain whose address it is about (check files it under that domain)


@dataclass(frozen=True)
class MailDns:
    """What the config says of one mail domain's DNS beyond the records it derives (``check`` reads it)."""

    # where the domain's DKIM keys are published, also when the key itself is not known here
    dkim_selectors: tuple[str, ...] = ()
    # (fqdn, rtype, why) of records the config derives whose value cannot be known here
    # (a self-hosted domain's DKIM key when its key file is on another machine)
    unknown: tuple[tuple[str, str, str], ...] = ()
    mta_sts_policy: str = ""  # the policy text to serve at https://mta-sts.<domain>/.well-known/mta-sts.txt


@dataclass(frozen=True)
class Desired:
    """The compiled config. The core needs nothing else from the YAML."""

    providers: Mapping[str, ProviderSpec]
    # provider name -> the objects it should hold
    objects: Mapping[str, State]
    # provider name -> the domains (A-labels) it is responsible for; its read scope
    scopes: Mapping[str, tuple[str, ...]]
    # where each object came from in the YAML, for error messages
    origins: Mapping[Ident, Location] = field(default_factory=dict)
    # a digest of every config file read (includes too): a saved plan is refused when it changes
    config_fingerprint: str = ""
    config_path: str = ""
    config_files: tuple[str, ...] = ()  # the config and its includes, to tell the journal they have uncommitted edits
    # where generated initial passwords and the audit journal go
    credentials_file: str = ""
    journal_file: str = ""
    journal_key: str = ""  # a reference (env:NAME, file:PATH) to the key that signs journal entries; "" for none
    # per provider: frozen mailbox address -> the ISO date before which it may not be deleted
    retention: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # per provider: frozen mailboxes whose retention by ``left_on`` has passed. They are left out
    # of ``objects``; the plan decides against the live state and the journal whether their
    # deletion is proposed (engine/retention.py), which only ``apply --allow-delete`` runs.
    deletions: Mapping[str, tuple[Mailbox, ...]] = field(default_factory=dict)
    # policies.archive.retention ("5y"; "" for none): dates deletions of mailboxes no longer in the config
    retention_period: str = ""
    warnings: tuple[ConfigWarning, ...] = ()
    # per mail domain (A-label) whose DNS mailplan derives: what ``check`` needs besides the records
    mail_dns: Mapping[str, MailDns] = field(default_factory=dict)
