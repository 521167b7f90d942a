"""Provider types by name. Modules are imported on first use, so a provider's
dependencies cost nothing to a config that does not use it."""

from __future__ import annotations

import importlib

from mailplan.providers.base import Provider

# ``type:`` in the config -> "module:Class"
BUILTIN: dict[str, str] = {
    "local": "mailplan.providers.local.provider:LocalMailProvider",
    "zonefile": "mailplan.providers.zonefile:ZoneFileProvider",
}


class UnknownProviderType(LookupError):
    pass


def provider_class(type_name: str) -> type[Provider]:
    try:
        target = BUILTIN[type_name]
    except KeyError:
        known = ", ".join(sorted(BUILTIN))
        raise UnknownProviderType(f"unknown provider type {type_name!r}; known types: {known}") from None
    module_name, _, class_name = target.partition(":")
    cls: type[Provider] = getattr(importlib.import_module(module_name), class_name)
    return cls


def known_types() -> list[str]:
    return sorted(BUILTIN)
