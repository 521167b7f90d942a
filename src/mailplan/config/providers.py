"""Checks of the ``providers:`` section: known types, settings, roles, no literal secrets."""

from __future__ import annotations

from pydantic import ValidationError

from mailplan.config import models
from mailplan.config.problems import problems_of, suggest
from mailplan.config.secrets import literal_secrets, misplaced_references
from mailplan.config.source import NodePath, SourceMap
from mailplan.errors import Problem
from mailplan.providers.base import Provider
from mailplan.providers.registry import UnknownProviderType, known_types, provider_class


def available_class(type_name: str) -> type[Provider] | None:
    """The provider class, or None when its module is not part of this build (checked when it is used)."""
    try:
        return provider_class(type_name)
    except UnknownProviderType:
        return None


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
                    f"unknown provider type {provider.type!r}",
                    where.at((*path, "type")),
                    (suggest(provider.type, known) + " " if "did you mean" in suggest(provider.type, known) else "")
                    + "known types: "
                    + ", ".join(known),
                )
            )
            continue
        cls = available_class(provider.type)
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
                        f"{role}: {name!r} is a {cls.ROLE} provider (type {provider.type}), not a {role} provider",
                        where.at(("domains", key, role)),
                        f"name a provider whose type is a {role} provider",
                    )
                )
    return problems
