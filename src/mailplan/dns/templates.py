"""The records each mail provider needs, as templates over the domain and a few inputs.

A template gives the MX set, the SPF mechanisms to merge into the domain's one
SPF record, and the whole-rrset records the provider documents (DKIM selectors,
autodiscover). Provider-supplied values (a Microsoft 365 MX host, a DKIM key
from an admin console) are inputs with derived defaults where a default
exists; inputs are read from the domain's ``extra`` first, then from the mail
provider's settings.

``python -m mailplan.dns.templates --markdown`` prints the table for the docs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from mailplan.dns.clients import AUTODISCOVER_SRV, client_settings, srv_values
from mailplan.dns.dkim import dkim_txt
from mailplan.dns.facts import MailDomainFacts
from mailplan.errors import MailplanError
from mailplan.i18n import Msg


class TemplateError(MailplanError):
    """A template cannot be filled: an unknown provider type or a missing input."""


@dataclass(frozen=True)
class Input:
    key: str
    default: str  # human description of the default ("" = required)
    doc: str
    required_for: str = ""  # when only some domains need it: "a domain that sends mail"


@dataclass(frozen=True)
class OwnedRecord:
    """A record mailplan owns whole, ``name`` relative to the mail domain ("@" = the domain)."""

    name: str
    rtype: str
    value: str


@dataclass(frozen=True)
class ProviderRecords:
    mx: tuple[tuple[int, str], ...]  # (preference, host without trailing dot)
    spf: tuple[str, ...]  # mechanisms merged into the one SPF record
    owned: tuple[OwnedRecord, ...] = ()


# Where a provider's DKIM key comes from: mailplan generates it (local), the admin copies it from the
# provider's console (published as TXT), or the provider keeps it behind CNAMEs (Microsoft 365).
DkimSource = Literal["generated", "console", "cname"]


@dataclass(frozen=True)
class Template:
    type: str
    title: str
    inputs: tuple[Input, ...]
    build: Callable[[MailDomainFacts], ProviderRecords]
    notes: str = ""
    dkim: DkimSource = "console"
    dkim_selector: str | None = None  # the selector the provider uses when the config names none


def value(facts: MailDomainFacts, key: str, default: Any = None) -> Any:
    """An input: the domain's ``extra`` wins over the provider's settings."""
    if key in facts.extra and facts.extra[key] not in (None, ""):
        return facts.extra[key]
    if key in facts.mail_settings and facts.mail_settings[key] not in (None, ""):
        return facts.mail_settings[key]
    return default


def required(facts: MailDomainFacts, key: str, why: str) -> str:
    """The input ``key``, or an error naming it; ``why`` (an ``N_`` constant) says what it is for."""
    found = value(facts, key)
    if found is None:
        raise TemplateError(Msg("{provider} domain {domain}: '{key}' is required ({why})",
                                provider=facts.mail_provider_type, domain=facts.domain, key=key, why=why))
    return str(found).rstrip(".")


def console_dkim(facts: MailDomainFacts) -> tuple[OwnedRecord, ...]:
    """A DKIM TXT whose key the provider's console generates: published once the key is given.

    ``facts.dkim_public_key`` is the record value, already checked (``dkim_record.console_record``).
    """
    key = facts.dkim_public_key
    if not key:
        return ()
    selector = dkim_selectors(facts)
    if not selector:
        raise TemplateError(Msg(
            "{provider} domain {domain}: a DKIM public key is given but no selector; set the domain's dkim.selector "
            "to the selector the console shows with the key",
            provider=facts.mail_provider_type, domain=facts.domain,
        ))  # fmt: skip
    return (OwnedRecord(f"{selector[0]}._domainkey", "TXT", key),)


def dkim_selectors(facts: MailDomainFacts) -> tuple[str, ...]:
    """Where the domain's DKIM keys are published — also when the key itself is not known (yet, or here)."""
    if not facts.sends_mail:
        return ()
    template = template_for(facts.mail_provider_type)
    if template.dkim == "cname":
        return ("selector1", "selector2")  # Microsoft rotates between the two
    if template.dkim == "generated":
        return (facts.dkim_selector or "mail",)
    selector = facts.dkim_selector or template.dkim_selector
    return (selector,) if selector else ()


DKIM_INPUTS = (
    Input("dkim.selector", "the provider's selector", "the domain's DKIM selector, as the console shows it"),
    Input("dkim.public_key", "none (no DKIM record until given)",
          "the domain's key from the console (docs/dns.md lists the forms accepted)"),
)


# --- local (Postfix + Dovecot run by mailplan) ----------------------------------------------------


def _local(facts: MailDomainFacts) -> ProviderRecords:
    mx_host = required(facts, "mx_host", Msg("the host name of the local mail server"))
    # No key: DKIM is turned off, the domain sends no mail, or a read-only command did not generate one.
    key = facts.dkim_public_key
    selector = facts.dkim_selector or "mail"
    dkim = (OwnedRecord(f"{selector}._domainkey", "TXT", dkim_txt(key)),) if key else ()
    return ProviderRecords(mx=((10, mx_host),), spf=("mx",), owned=dkim + _local_clients(facts, mx_host))


def _local_clients(facts: MailDomainFacts, host: str) -> tuple[OwnedRecord, ...]:
    """What mail clients look up (RFC 6186 SRV; Thunderbird's autoconfig and Outlook's autodiscover
    names, answered by the web server ``mailplan local client-config`` configures on the mail host)."""
    settings = client_settings(facts)
    assert settings is not None
    srv = [OwnedRecord(name, "SRV", v) for name, v in sorted(srv_values(settings).items())]
    return (
        *srv,
        OwnedRecord(AUTODISCOVER_SRV, "SRV", f"0 1 443 {host}"),
        OwnedRecord("autoconfig", "CNAME", host),
        OwnedRecord("autodiscover", "CNAME", host),
    )


# --- Google Workspace -------------------------------------------------------------------------------

GOOGLE_MX = ((1, "smtp.google.com"),)
GOOGLE_LEGACY_MX = (
    (1, "aspmx.l.google.com"),
    (5, "alt1.aspmx.l.google.com"),
    (5, "alt2.aspmx.l.google.com"),
    (10, "alt3.aspmx.l.google.com"),
    (10, "alt4.aspmx.l.google.com"),
)


def _google(facts: MailDomainFacts) -> ProviderRecords:
    form = value(facts, "mx_form", "smtp")
    if form not in ("smtp", "legacy"):
        raise TemplateError(Msg("google-workspace domain {domain}: mx_form must be 'smtp' or 'legacy', not {value}",
                                domain=facts.domain, value=repr(form)))
    # One form only: mixing the single smtp.google.com MX with the legacy set is an error Google warns about.
    return ProviderRecords(
        mx=GOOGLE_MX if form == "smtp" else GOOGLE_LEGACY_MX,
        spf=("include:_spf.google.com",),
        owned=console_dkim(facts),
    )


# --- Microsoft 365 ----------------------------------------------------------------------------------


def _dashed(domain: str) -> str:
    return domain.replace(".", "-")


def _m365(facts: MailDomainFacts) -> ProviderRecords:
    mx_host = value(facts, "mx_host")
    if mx_host is None:
        if "-" in facts.domain:
            raise TemplateError(Msg(
                "microsoft-365 domain {domain}: the MX host cannot be derived for a name containing '-'; "
                "set 'mx_host' to the value the Microsoft 365 admin centre shows", domain=facts.domain,
            ))  # fmt: skip
        mx_host = f"{_dashed(facts.domain)}.mail.protection.outlook.com"
    owned = [OwnedRecord("autodiscover", "CNAME", "autodiscover.outlook.com")]
    # The DKIM CNAMEs (and the tenant they need) only for a domain that sends: a receive-only alias
    # domain publishes the MX alone, so it must not be refused for a missing tenant.
    for n in (1, 2) if facts.sends_mail else ():
        target = value(facts, f"dkim_selector{n}_target")
        if target is None:
            why = Msg("the <tenant>.onmicrosoft.com name, for the DKIM CNAME targets")
            tenant = str(required(facts, "tenant", why))
            tenant = tenant.removesuffix(".onmicrosoft.com")
            target = f"selector{n}-{_dashed(facts.domain)}._domainkey.{tenant}.onmicrosoft.com"
        owned.append(OwnedRecord(f"selector{n}._domainkey", "CNAME", str(target).rstrip(".")))
    return ProviderRecords(
        mx=((0, str(mx_host).rstrip(".")),), spf=("include:spf.protection.outlook.com",), owned=tuple(owned)
    )


# --- Chinese providers and Zoho ------------------------------------------------------------------------


MxSet = tuple[tuple[int, str], ...]


def _fixed(mx: MxSet, spf: str) -> Callable[[MailDomainFacts], ProviderRecords]:
    def build(facts: MailDomainFacts) -> ProviderRecords:
        return ProviderRecords(mx=mx, spf=(spf,), owned=console_dkim(facts))

    return build


ALIBABA_MX = ((5, "mx1.qiye.aliyun.com"), (10, "mx2.qiye.aliyun.com"), (15, "mx3.qiye.aliyun.com"))
ALIBABA_LEGACY_MX = ((5, "mxn.mxhichina.com"), (10, "mxw.mxhichina.com"))


def _alibaba(facts: MailDomainFacts) -> ProviderRecords:
    form = value(facts, "mx_form", "qiye")
    if form not in ("qiye", "legacy"):
        raise TemplateError(Msg("alibaba-mail domain {domain}: mx_form must be 'qiye' or 'legacy', not {value}",
                                domain=facts.domain, value=repr(form)))
    return ProviderRecords(
        mx=ALIBABA_MX if form == "qiye" else ALIBABA_LEGACY_MX,
        spf=("include:spf.mxhichina.com",),
        owned=console_dkim(facts),
    )


ZOHO_REGIONS = ("zoho.com", "zoho.eu", "zoho.in", "zoho.com.au", "zoho.jp", "zohocloud.ca", "zoho.com.cn")


def _zoho(facts: MailDomainFacts) -> ProviderRecords:
    region = str(value(facts, "region", "zoho.com"))
    if region not in ZOHO_REGIONS:
        regions = ", ".join(ZOHO_REGIONS)
        raise TemplateError(Msg("zoho domain {domain}: region must be one of {regions}", domain=facts.domain,
                                regions=regions))
    return ProviderRecords(
        mx=((10, f"mx.{region}"), (20, f"mx2.{region}"), (50, f"mx3.{region}")),
        spf=(f"include:{region}",),
        owned=console_dkim(facts),
    )


# Hosted providers document their client servers (dns/clients.py) but no SRV or autoconfig record in
# the customer's zone: nothing is derived for them rather than records of our own invention.
NO_CLIENT_RECORDS = "no client SRV/autoconfig records documented"
MX_FORM = "'smtp' (smtp.google.com) or 'legacy' (aspmx set); never both"
TEMPLATES: dict[str, Template] = {
    t.type: t
    for t in (
        Template("local", "Self-hosted Postfix + Dovecot", (
            Input("mx_host", "", "host name of the mail server"),
        ), _local, "DKIM key generated and kept by mailplan (2048-bit RSA); client SRV (RFC 6186), "
                   "autoconfig and autodiscover on the mail host", dkim="generated"),
        Template("google-workspace", "Google Workspace", (
            Input("mx_form", "smtp", MX_FORM), *DKIM_INPUTS,
        ), _google, "DKIM selector 'google'; the key comes from the Admin console; " + NO_CLIENT_RECORDS,
            dkim_selector="google"),
        Template("microsoft-365", "Microsoft 365", (
            Input("mx_host", "<domain-with-dashes>.mail.protection.outlook.com", "MX host from the admin centre"),
            Input("tenant", "", "<tenant>.onmicrosoft.com, for the DKIM CNAME targets",
                  required_for="a domain that sends mail, unless both DKIM targets are given"),
            Input("dkim_selector1_target", "selector1-<dashed>._domainkey.<tenant>.onmicrosoft.com", "from Defender"),
            Input("dkim_selector2_target", "selector2-<dashed>._domainkey.<tenant>.onmicrosoft.com", "from Defender"),
        ), _m365, "autodiscover CNAME; both DKIM selectors (Microsoft rotates between them)", dkim="cname"),
        Template("tencent-exmail", "Tencent Exmail (腾讯企业邮)", DKIM_INPUTS,
                 _fixed(((5, "mxbiz1.qq.com"), (10, "mxbiz2.qq.com")), "include:spf.mail.qq.com"),
                 NO_CLIENT_RECORDS),
        Template("alibaba-mail", "Alibaba Mail (阿里企业邮)", (
            Input("mx_form", "qiye", "'qiye' (mx1-3.qiye.aliyun.com) or 'legacy' (mxhichina)"), *DKIM_INPUTS,
        ), _alibaba, NO_CLIENT_RECORDS),
        Template("netease-qiye", "NetEase Qiye (网易企业邮)", DKIM_INPUTS, _fixed(
            ((10, "qiye163mx01.mxmail.netease.com"), (50, "qiye163mx02.mxmail.netease.com")),
            "include:spf.163.com"), NO_CLIENT_RECORDS),
        Template("zoho-mail", "Zoho Mail", (
            Input("region", "zoho.com", "data centre domain: " + ", ".join(ZOHO_REGIONS)), *DKIM_INPUTS,
        ), _zoho, NO_CLIENT_RECORDS),
    )
}


def dkim_source(provider_type: str) -> DkimSource:
    """Where the provider's DKIM key comes from; ``console`` for a type without a template (its error comes later)."""
    found = TEMPLATES.get(provider_type)
    return found.dkim if found else "console"


def template_for(provider_type: str) -> Template:
    try:
        return TEMPLATES[provider_type]
    except KeyError:
        known = ", ".join(sorted(TEMPLATES))
        raise TemplateError(Msg("no DNS record template for mail provider type {type}; templates exist for: {known}",
                                type=repr(provider_type), known=known)) from None
