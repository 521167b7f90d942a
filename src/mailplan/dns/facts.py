"""What record derivation needs to know about one mail domain (filled in by the compiler)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mailplan.errors import Location


@dataclass(frozen=True)
class MailDomainFacts:
    zone: str  # A-label of the DNS zone the records go in (no trailing dot)
    domain: str  # A-label of the mail domain (equal to zone, or a subdomain of it)
    mail_provider_type: str  # "local", "google-workspace", "microsoft-365", "tencent-exmail", ...
    mail_settings: Mapping[str, Any]  # that provider's settings from the config (e.g. local: mx_host)
    sends_mail: bool = True  # False for alias or parked domains: "v=spf1 -all", DMARC reject, no DKIM
    # Whether mail to the domain is accepted (its provider's MX). None = same as sends_mail, so a parked
    # domain gets the null MX; an alias domain that receives for its target sets this to True.
    receives_mail: bool | None = None
    spf_extra: tuple[str, ...] = ()  # extra SPF mechanisms from the config: "include:spf.crm.example", "ip4:..."
    spf_all: str = "~all"  # the closing qualifier mechanism: "-all" or "~all"
    dkim_selector: str | None = None  # None: the provider's own ("mail" for local, "google" for Google)
    # local: base64 of the DER public key mailplan holds; a console provider: the TXT value to publish
    # (checked by dkim_record.console_record); None: no key known
    dkim_public_key: str | None = None
    dmarc_policy: str = "quarantine"  # none | quarantine | reject
    dmarc_subdomain_policy: str | None = None
    dmarc_rua: tuple[str, ...] = ()  # mailto: addresses for aggregate reports
    dmarc_ruf: tuple[str, ...] = ()
    dmarc_pct: int = 100
    mta_sts_mode: str | None = None  # enforce | testing | none; None = no MTA-STS
    mta_sts_mx: tuple[str, ...] = ()  # policy mx patterns; empty = the provider's MX hosts
    mta_sts_max_age: int = 604800
    tls_rpt_rua: tuple[str, ...] = ()
    ttl: int = 3600
    extra: Mapping[str, Any] = field(default_factory=dict)  # provider-supplied inputs (M365 MX host, ...)
    # Domains whose DMARC reports this domain receives: each gets "<d>._report._dmarc" TXT "v=DMARC1" here,
    # so that receivers accept this domain as their external report destination (RFC 7489 §7.1).
    dmarc_report_for: tuple[str, ...] = ()
    location: Location | None = None  # where the domain is declared, for errors
    # The ``type`` of the DNS provider holding the zone ("" = none named): some APIs cannot hold
    # every value DNS allows (an MX preference of 0), and the records are derived as it can hold them.
    dns_provider_type: str = ""
    mx_preference_min: int = 0  # the lowest MX preference that provider's API accepts (DNS itself allows 0)
