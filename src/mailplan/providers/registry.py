"""Provider types by name. Modules are imported on first use, so a provider's
dependencies cost nothing to a config that does not use it."""

from __future__ import annotations

import importlib

from mailplan.providers.base import Provider

# ``type:`` in the config -> "module:Class"
BUILTIN: dict[str, str] = {
    # mail
    "local": "mailplan.providers.mail.local.provider:LocalMailProvider",
    "google-workspace": "mailplan.providers.mail.google.provider:GoogleWorkspaceProvider",
    "microsoft-365": "mailplan.providers.mail.microsoft.provider:Microsoft365Provider",
    "tencent-exmail": "mailplan.providers.mail.exmail.provider:TencentExmailProvider",
    "alibaba-mail": "mailplan.providers.mail.alimail.provider:AlibabaMailProvider",
    "netease-qiye": "mailplan.providers.mail.netease.provider:NeteaseQiyeProvider",
    "zoho-mail": "mailplan.providers.mail.zoho.provider:ZohoMailProvider",
    # dns
    "zonefile": "mailplan.providers.dns.zonefile:ZoneFileProvider",
    "rfc2136": "mailplan.providers.dns.rfc2136:Rfc2136Provider",
    "powerdns": "mailplan.providers.dns.powerdns:PowerDnsProvider",
    "cloudflare": "mailplan.providers.dns.cloudflare:CloudflareProvider",
    "alidns": "mailplan.providers.dns.alidns:AliDnsProvider",
    "dnspod": "mailplan.providers.dns.dnspod:DnsPodProvider",
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
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise UnknownProviderType(f"provider type {type_name!r} is not available in this build") from None
        raise
    cls: type[Provider] = getattr(module, class_name)
    return cls


def known_types() -> list[str]:
    return sorted(BUILTIN)
