"""Where an import starts: which provider to read, with which settings, for which domains.

Like Terraform's ``import``, the provider is described by a config file (often a
minimal one: ``version``, ``organization``, ``providers``, ``domains``), or, for
a first look without any file, by ``--type`` and ``--setting key=value``.
Either way the result is a validated ``Document`` the import builds on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mailplan import config as config_mod
from mailplan.config.addresses import AddressError, to_alabel
from mailplan.config.models import Document
from mailplan.config.problems import problems_of
from mailplan.config.providers import available_class, check_providers
from mailplan.config.secrets import resolve
from mailplan.config.source import SourceMap
from mailplan.errors import ConfigError, MailplanError, Problem
from mailplan.i18n import Msg, plural_msg
from mailplan.providers.base import CredentialSink, Provider, ProviderContext
from mailplan.providers.registry import provider_class


@dataclass(frozen=True)
class Start:
    """The document an import builds on, and the provider in it to read."""

    document: Document
    provider: str  # its name under providers:
    base_dir: Path  # relative paths in the document are relative to this folder
    origin: str  # for the header of the written file: the config file, or "--type local"
    domains: tuple[str, ...]  # A-labels the import reads: the hosted domains and their alias domains

    @property
    def provider_type(self) -> str:
        return self.document.providers[self.provider].type


def from_config(path: Path, provider: str | None, domains: list[str]) -> Start:
    """Start from an existing config; ``provider`` may be omitted when it has one mail provider."""
    if not path.exists():
        raise MailplanError(Msg("{path}: no such config file — pass --config FILE, or --type and --setting",
                                path=str(path)))
    doc = config_mod.load(path).document
    mail_providers = [n for n, p in doc.providers.items() if _role(p.type) == "mail"]
    if provider is None:
        if len(mail_providers) != 1:
            listed = ", ".join(mail_providers) or Msg("none")
            raise MailplanError(plural_msg("{path} has {count} mail provider ({names}); name one with --provider",
                                           "{path} has {count} mail providers ({names}); name one with --provider",
                                           len(mail_providers), path=str(path), names=listed))
        provider = mail_providers[0]
    if provider not in doc.providers:
        raise MailplanError(Msg("{path} defines no provider {name}; its mail providers: {names}", path=str(path),
                                name=repr(provider), names=", ".join(mail_providers)))
    if provider not in mail_providers:
        shown = repr(provider)
        raise MailplanError(Msg("provider {name} is not a mail provider; import reads a mail provider", name=shown))
    doc = _with_domains(doc, provider, domains)
    return Start(doc, provider, path.resolve().parent, str(path), _scope(doc, provider))


def from_settings(
    provider_type: str, settings: list[str], domains: list[str], organization: str | None, name: str | None
) -> Start:
    """Start from nothing but a provider type and its settings (``key=value``); needs ``--domain``."""
    if not domains:
        raise MailplanError(Msg("--type needs at least one --domain: which domains to import"))
    name = name or "mail"
    values: dict[str, Any] = {}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            shown = repr(item)
            raise MailplanError(Msg("--setting {setting}: write it as key=value", setting=shown))
        values[key.strip()] = value
    if _role(provider_type) not in ("mail", None):
        shown = repr(provider_type)
        raise MailplanError(Msg("{type} is not a mail provider; import reads mailboxes from a mail provider",
                                type=shown))
    data: dict[str, Any] = {
        "version": 1,
        "organization": {"name": organization or domains[0], "primary_domain": domains[0]},
        "providers": {name: {"type": provider_type, **values}},
        "domains": {d: {"mail": name} for d in domains},
    }
    try:
        doc = Document.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problems_of(exc, Document, SourceMap())) from None
    problems = check_providers(doc, SourceMap())
    if problems:
        raise ConfigError(problems)
    return Start(doc, name, Path.cwd(), f"--type {provider_type}", _scope(doc, name))


def _role(provider_type: str) -> str | None:
    cls = available_class(provider_type)
    return cls.ROLE if cls is not None else None


def _with_domains(doc: Document, provider: str, wanted: list[str]) -> Document:
    """Add the ``--domain`` domains the document does not list yet (hosted by ``provider``)."""
    known = {_alabel(key): key for key in doc.domains}
    extra = {d: {"mail": provider} for d in wanted if _alabel(d) not in known}
    if not extra and not wanted:
        return doc
    data = doc.model_dump(mode="json", exclude_unset=True, by_alias=True)
    data["domains"] = {**data["domains"], **extra}
    only = {_alabel(d) for d in wanted}
    # Restricting to some domains: remember them by dropping the others hosted by this provider.
    domains = {}
    for key, spec in data["domains"].items():
        hosted_here = spec.get("mail") == provider and not spec.get("alias_of")
        if hosted_here and _alabel(key) not in only:
            continue
        domains[key] = spec
    data["domains"] = domains
    return Document.model_validate(data)


def _alabel(domain: str) -> str:
    try:
        return to_alabel(domain)
    except AddressError:
        return domain


def _scope(doc: Document, provider: str) -> tuple[str, ...]:
    hosted = {_alabel(k) for k, d in doc.domains.items() if d.mail == provider and not d.alias_of}
    aliases = {_alabel(k) for k, d in doc.domains.items() if d.alias_of and _alabel(d.alias_of) in hosted}
    if not hosted:
        shown = repr(provider)
        raise MailplanError(Msg("no domain is hosted by provider {name}; name one with --domain", name=shown))
    return tuple(sorted(hosted | aliases))


def settings_as_written(start: Start) -> dict[str, Any]:
    return start.document.providers[start.provider].settings()


def open_provider(start: Start) -> Provider:
    problems: list[Problem] = []
    path = ("providers", start.provider)
    settings = resolve(settings_as_written(start), path, SourceMap(), start.base_dir, problems)
    if problems:
        raise ConfigError(problems)
    # Import never creates mailboxes, so nothing is ever written to this sink.
    sink = CredentialSink(Path(os.devnull))
    context = ProviderContext(base_dir=start.base_dir, credentials=sink)
    return provider_class(start.provider_type)(start.provider, settings, context)

