"""Checks of the ``providers:`` section: known types, settings, roles, no literal secrets."""

from __future__ import annotations

from pydantic import ValidationError

from mailplan.config import models
from mailplan.config.problems import problems_of, suggest
from mailplan.config.secrets import is_reference, literal_secrets, misplaced_references
from mailplan.config.source import NodePath, SourceMap
from mailplan.errors import Problem
from mailplan.i18n import N_, Msg
from mailplan.providers import endpoints
from mailplan.providers.base import Provider
from mailplan.providers.registry import UnknownProviderType, known_types, provider_class


def available_class(type_name: str) -> type[Provider] | None:
    """The provider class, or None when its module is not part of this build (checked when it is used)."""
    try:
        return provider_class(type_name)
    except UnknownProviderType:
        return None


# each role's message whole (Chinese orders "a mail provider" differently): mail: names a DNS one, or the reverse
_WRONG_ROLE = {
    "mail": N_("mail: {name} is a dns provider (type {type}), not a mail provider"),
    "dns": N_("dns: {name} is a mail provider (type {type}), not a dns provider"),
}
_RIGHT_ROLE = {
    "mail": N_("name a provider whose type is a mail provider"),
    "dns": N_("name a provider whose type is a dns provider"),
}


def _known_types(wrong: str, known: list[str]) -> str:
    """'did you mean ...?' when a known type is close, and the list of known types."""
    listing = ", ".join(known)
    close = suggest(wrong, known)
    if "did you mean" in close:
        return Msg("{suggestion} known types: {types}", suggestion=close, types=listing)
    return Msg("known types: {types}", types=listing)


def check_providers(doc: models.Document, where: SourceMap) -> list[Problem]:
    problems: list[Problem] = []
    known = known_types()
    for name, provider in doc.providers.items():
        path: NodePath = ("providers", name)
        settings = provider.settings()
        problems.extend(literal_secrets(settings, path, where))
        problems.extend(misplaced_references(settings, path, where))
        if provider.type not in known:
            problems.append(
                Problem(
                    Msg("unknown provider type {type}", type=repr(provider.type)),
                    where.at((*path, "type")),
                    _known_types(provider.type, known),
                )
            )
            continue
        cls = available_class(provider.type)
        if cls is not None:
            literal = {k: v for k, v in settings.items() if not is_reference(v)}  # references: checked once resolved
            for setting, why in endpoints.problems(literal, cls.ENDPOINTS).items():
                problems.append(Problem(why, where.at((*path, setting)), Msg(
                    "name the documented host, or allow this one in the environment ({variable})",
                    variable=endpoints.ALLOW_ENV)))  # fmt: skip
        if cls is not None and cls.SETTINGS_MODEL is not None:
            try:
                cls.SETTINGS_MODEL.model_validate(settings)
            except ValidationError as exc:
                problems.extend(problems_of(exc, cls.SETTINGS_MODEL, where, path))
    problems.extend(_check_roles(doc, where))
    return problems


def _check_roles(doc: models.Document, where: SourceMap) -> list[Problem]:
    """``mail:`` must name a mail provider and ``dns:`` a DNS provider."""
    problems: list[Problem] = []
    for key, domain in doc.domains.items():
        for role, name in (("mail", domain.mail), ("dns", domain.dns)):
            provider = doc.providers.get(name or "")
            if provider is None:
                continue  # unknown names are reported with the domains
            cls = available_class(provider.type)
            if cls is not None and cls.ROLE != role:
                problems.append(
                    Problem(
                        Msg(_WRONG_ROLE[role], name=repr(name), type=provider.type),
                        where.at(("domains", key, role)),
                        Msg(_RIGHT_ROLE[role]),
                    )
                )
    return problems
