"""Where a mail client connects: each mail provider's documented IMAP, SMTP and POP servers.

One table serves everything a new person's mail client needs: the RFC 6186 SRV records of
the providers that publish client records in the customer's zone (only ``local``: mailplan runs
those servers itself), the welcome sheet, the CRM export and the self-hosted autoconfig files.

Sources, per provider (what each documents for clients; none of the hosted providers documents
SRV or autoconfig records in the customer's own zone, so none are derived for them — Microsoft 365
documents one, the ``autodiscover`` CNAME, which its DNS template publishes):
- Tencent Exmail: "客户端设置" help (service.exmail.qq.com, help id 1000585): IMAP
  imap.exmail.qq.com 993 SSL, SMTP smtp.exmail.qq.com 465 SSL, POP pop.exmail.qq.com 995 SSL.
- Alibaba Mail: help.aliyun.com "POP、SMTP、IMAP 服务器地址" (document 446248 for SMTP):
  imap.qiye.aliyun.com 993, smtp.qiye.aliyun.com 465, pop.qiye.aliyun.com 995, all SSL.
- NetEase Qiye: qiye.163.com client help: imap.qiye.163.com 993, smtp.qiye.163.com 465,
  pop.qiye.163.com 995, all SSL (unverified here: seen in public configurations, not on a vendor page).
- Google Workspace: support.google.com/mail/answer/7126229 ("Read Gmail messages on other email
  clients using IMAP"): imap.gmail.com 993 SSL, smtp.gmail.com 465 SSL (or 587 TLS);
  answer/7104828 (POP): pop.gmail.com 995 SSL.
- Microsoft 365: learn.microsoft.com, "POP, IMAP, and SMTP settings" (Exchange Online,
  pop3-and-imap4): outlook.office365.com 993 SSL/TLS (IMAP), 995 (POP), smtp.office365.com 587 STARTTLS.
- Zoho Mail: zoho.com/mail/help/imap-access.html and pop-access.html, organization accounts:
  imappro.<region> 993 SSL, smtppro.<region> 465 SSL, poppro.<region> 995 SSL.
- local: what ``mailplan local server-config`` serves (it needs a certificate for anything off
  loopback): implicit TLS on 993 (IMAP) and 465 (submission), which clients are told first
  (RFC 8314 §3 prefers it), and STARTTLS on 143 and 587; no POP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from mailplan.dns.facts import MailDomainFacts

Protocol = Literal["imap", "smtp", "pop3"]
Security = Literal["tls", "starttls"]  # tls: TLS from the first byte ("SSL"); starttls: upgraded in the session


@dataclass(frozen=True)
class Server:
    protocol: Protocol
    host: str
    port: int
    security: Security

    @property
    def label(self) -> str:
        return {"tls": "SSL/TLS", "starttls": "STARTTLS"}[self.security]


@dataclass(frozen=True)
class ClientSettings:
    """What a mail client is told for one mail domain. The login name is always the full address."""

    provider_type: str
    imap: Server
    smtp: Server
    pop3: Server | None  # None: the provider serves no POP
    source: str  # the document the values follow
    unverified: bool = False
    webmail: str = ""  # where the person logs in first in a browser ("" when there is none)
    also: tuple[Server, ...] = ()  # further ways in to the same servers (STARTTLS beside implicit TLS): SRV only

    @property
    def servers(self) -> tuple[Server, ...]:
        return tuple(s for s in (self.imap, self.smtp, self.pop3) if s is not None)


def _hosted(kind: str, imap: str, smtp: str, pop: str | None, source: str, webmail: str,
            smtp_port: int = 465, smtp_security: Security = "tls", unverified: bool = False) -> ClientSettings:
    return ClientSettings(
        kind, Server("imap", imap, 993, "tls"), Server("smtp", smtp, smtp_port, smtp_security),
        Server("pop3", pop, 995, "tls") if pop else None, source, unverified, webmail,
    )


ZOHO_DEFAULT_REGION = "zoho.com"


def client_settings(facts: MailDomainFacts) -> ClientSettings | None:
    """The documented client servers of ``facts``' mail provider; None for a type with none on record."""
    kind = facts.mail_provider_type
    if kind == "local":
        host = _setting(facts, "mx_host") or f"mail.{facts.domain}"
        return ClientSettings(
            kind, Server("imap", host, 993, "tls"), Server("smtp", host, 465, "tls"), None,
            "mailplan local server-config (Dovecot IMAP, Postfix submission)",
            also=(Server("imap", host, 143, "starttls"), Server("smtp", host, 587, "starttls")),
        )
    if kind == "tencent-exmail":
        return _hosted(kind, "imap.exmail.qq.com", "smtp.exmail.qq.com", "pop.exmail.qq.com",
                       "Tencent Exmail help 1000585 (客户端设置)", "https://exmail.qq.com")
    if kind == "alibaba-mail":
        return _hosted(kind, "imap.qiye.aliyun.com", "smtp.qiye.aliyun.com", "pop.qiye.aliyun.com",
                       "Alibaba Mail help (POP、SMTP、IMAP 服务器地址)", "https://qiye.aliyun.com")
    if kind == "netease-qiye":
        return _hosted(kind, "imap.qiye.163.com", "smtp.qiye.163.com", "pop.qiye.163.com",
                       "NetEase Qiye client help", "https://qiye.163.com", unverified=True)
    if kind == "google-workspace":
        return _hosted(kind, "imap.gmail.com", "smtp.gmail.com", "pop.gmail.com",
                       "Google support answers 7126229 (IMAP) and 7104828 (POP)", "https://mail.google.com")
    if kind == "microsoft-365":
        return _hosted(kind, "outlook.office365.com", "smtp.office365.com", "outlook.office365.com",
                       "Microsoft Learn: POP, IMAP, and SMTP settings (Exchange Online)", "https://outlook.office.com",
                       smtp_port=587, smtp_security="starttls")
    if kind == "zoho-mail":
        region = str(_setting(facts, "region") or ZOHO_DEFAULT_REGION)
        return _hosted(kind, f"imappro.{region}", f"smtppro.{region}", f"poppro.{region}",
                       "Zoho Mail help: IMAP access, POP access (organization accounts)", f"https://mail.{region}")
    return None


def client_settings_for(provider_type: str, settings: Mapping[str, Any], domain: str) -> ClientSettings | None:
    """The same, from a provider's type and settings (what the compiled config keeps)."""
    facts = MailDomainFacts(zone=domain, domain=domain, mail_provider_type=provider_type, mail_settings=settings)
    return client_settings(facts)


def _setting(facts: MailDomainFacts, key: str) -> Any:
    found = facts.extra.get(key) or facts.mail_settings.get(key)
    return str(found).rstrip(".") if found else None


# --- RFC 6186 SRV records -------------------------------------------------------------------------

# The service names a client asks for (RFC 6186 §3; RFC 8314 §5.1 adds _submissions), and Outlook's
# last autodiscover lookup. Every one of them is a client record: check's AD01 compares them.
SRV_SERVICES = {
    ("imap", "tls"): "_imaps._tcp",
    ("imap", "starttls"): "_imap._tcp",
    ("pop3", "tls"): "_pop3s._tcp",
    ("pop3", "starttls"): "_pop3._tcp",
    ("smtp", "tls"): "_submissions._tcp",
    ("smtp", "starttls"): "_submission._tcp",
}
AUTODISCOVER_SRV = "_autodiscover._tcp"
CLIENT_NAMES = (*SRV_SERVICES.values(), AUTODISCOVER_SRV, "autoconfig", "autodiscover")
# RFC 6186 §4 / RFC 2782: a service that is not offered is published with the target "." alone.
NOT_OFFERED = "0 0 0 ."


def srv_values(settings: ClientSettings) -> dict[str, str]:
    """Name (relative to the mail domain) → SRV value, for the services RFC 6186 names.

    The three the issue names always get a record, ``.`` where the service is not offered, so
    a client asking for ``_pop3s._tcp`` learns that there is no POP instead of guessing; the
    others only where they are offered.
    """
    out: dict[str, str] = {name: NOT_OFFERED for name in ("_imaps._tcp", "_submission._tcp", "_pop3s._tcp")}
    for server in (*settings.servers, *settings.also):
        out[SRV_SERVICES[(server.protocol, server.security)]] = f"0 1 {server.port} {server.host}"
    return out
