"""The shape of ``mailplan.yaml`` (version 1), as pydantic models.

Every key is documented with ``description=``: the JSON Schema that
``mailplan schema`` prints, and editors use for completion, is generated from
these models. The models check shapes and single values; references between
entries (departments, successors, members ...) are checked by ``directory``.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mailplan.config.dnsvalues import MxPattern, ReportTarget, SpfDomain, SpfIp4, SpfIp6
from mailplan.config.naming import DEFAULT_LATIN_PATTERN, DEFAULT_PATTERN, check_pattern
from mailplan.config.text import Line, Reason, Text, brace_error
from mailplan.i18n import Msg
from mailplan.model.desired import DEFAULT_LIMITS, DEFAULT_WINDOW_DAYS
from mailplan.model.periods import RETENTION

AUTO_REPLY_PLACEHOLDERS = ("name", "address", "successor_name", "successor_address", "left_on", "organization")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _as_list(value: Any) -> Any:
    """Let a single item stand where a list is expected: ``to: zhangsan``."""
    return [value] if isinstance(value, str) else value


class Organization(Model):
    name: Line = Field(description="The organization's name, shown in auto-replies ({organization}).")
    primary_domain: str = Field(
        description="The domain people's and mailboxes' addresses are on unless they name another one. "
        "Must be one of `domains:` and not an alias domain. Unicode (IDN) or A-label."
    )


class Naming(Model):
    pattern: str = Field(
        DEFAULT_PATTERN,
        description="How an address is derived from a Chinese name. Placeholders: {pinyin} (surname + given "
        "name, 张三 -> zhangsan), {family}, {given}, {given_initials} (张三丰 -> sf), {family_initial}. "
        "ü is written v (吕 -> lv).",
    )
    latin_pattern: str = Field(
        DEFAULT_LATIN_PATTERN,
        description="How an address is derived from a Latin-script name ('John Smith' or 'Smith, John'). "
        "Placeholders: {given}, {family}, {given_initials}, {family_initial}, {middle_initials}, {pinyin} "
        "(given + family). Accents are stripped.",
    )

    @field_validator("pattern", "latin_pattern")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        check_pattern(value)
        return value


class ProviderConfig(BaseModel):
    """A provider: ``type`` plus that provider's own settings."""

    model_config = ConfigDict(
        extra="allow",
        frozen=True,
        json_schema_extra={
            "description": "A mail or DNS provider: `type` selects it, every other key is one of its settings. "
            "Secrets only as references: `env:NAME` (environment variable) or `file:PATH` (file content)."
        },
    )

    type: str = Field(
        description="Which provider: local, google-workspace, microsoft-365, tencent-exmail, alibaba-mail, "
        "netease-qiye, zoho-mail (mail); zonefile, rfc2136, powerdns, cloudflare, alidns, dnspod (DNS)."
    )

    def settings(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Spf(Model):
    include: list[SpfDomain] = Field(
        default_factory=list,
        description="Extra senders' SPF domains (a CRM, a newsletter tool): the domain only, mailplan writes "
        "include:<domain>.",
    )
    ip4: list[SpfIp4] = Field(
        default_factory=list, description="Extra sending IPv4 addresses or networks (192.0.2.10, 192.0.2.0/24)."
    )
    ip6: list[SpfIp6] = Field(
        default_factory=list, description="Extra sending IPv6 addresses or networks (2001:db8::1, 2001:db8::/48)."
    )
    all: Literal["~all", "-all"] = Field(
        "~all", description="How receivers treat mail from other servers: ~all (soft fail) or -all (fail)."
    )

    def mechanisms(self) -> tuple[str, ...]:
        return (
            *(f"include:{d}" for d in self.include),
            *(f"ip4:{a}" for a in self.ip4),
            *(f"ip6:{a}" for a in self.ip6),
        )


# RFC 6376 §3.1: a selector is one or more DNS labels (letters, digits, inner hyphens), dot-separated.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_SELECTOR = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


class Dkim(Model):
    selector: str = Field("mail", description="The DKIM selector: the key is published at <selector>._domainkey.")
    enabled: bool = Field(True, description="Publish a DKIM key for this domain.")
    public_key: str | None = Field(
        None,
        description="The public key a hosted provider's console shows for this domain (Google, Exmail, Alibaba, "
        "NetEase, Zoho): the whole record (v=DKIM1; k=rsa; p=…), the p= value alone, quoted zone-file strings or a "
        "PEM public key; inline (it is public), or file:PATH / env:NAME. Not for local or microsoft-365 domains.",
    )

    @field_validator("selector")
    @classmethod
    def _selector_is_dns_labels(cls, value: str) -> str:
        if not _SELECTOR.fullmatch(value):
            raise ValueError(
                Msg("{value} is not a DKIM selector: use letters, digits and inner hyphens, "
                    "dot-separated labels of at most 63 characters (e.g. mail, s2026)", value=repr(value))
            )
        return value


class Dmarc(Model):
    policy: Literal["none", "quarantine", "reject"] = Field(
        "quarantine", description="What receivers do with mail failing SPF and DKIM alignment."
    )
    subdomain_policy: Literal["none", "quarantine", "reject"] | None = Field(
        None, description="Policy for subdomains (sp=); default: the same as policy."
    )
    rua: list[ReportTarget] = Field(
        default_factory=list,
        description="Addresses that receive aggregate reports (an address, or mailto:address, optionally with a "
        "size limit such as !10m).",
    )
    ruf: list[ReportTarget] = Field(
        default_factory=list, description="Addresses that receive failure reports (as for rua)."
    )
    pct: int = Field(100, ge=0, le=100, description="Percentage of failing mail the policy applies to.")

    _lists = field_validator("rua", "ruf", mode="before")(_as_list)


class MtaSts(Model):
    mode: Literal["enforce", "testing", "none"] = Field(description="MTA-STS policy mode.")
    mx: list[MxPattern] = Field(
        default_factory=list,
        description="MX host patterns for the policy (mx.example.com, *.example.com); default: the MX hosts.",
    )
    max_age: int = Field(604800, ge=86400, le=31557600, description="How long senders cache the policy, in seconds.")


class TlsRpt(Model):
    rua: list[ReportTarget] = Field(
        description="Where TLS reports go (mailto: or https: URIs, or plain addresses)."
    )

    _lists = field_validator("rua", mode="before")(_as_list)


class DomainConfig(Model):
    mail: str | None = Field(
        None,
        description="The name (under `providers:`) of the mail provider hosting this domain's mailboxes. "
        "Alias domains are hosted by their target's provider.",
    )
    dns: str | None = Field(
        None,
        description="The name of the DNS provider serving this domain's zone; omit if mailplan does not manage DNS.",
    )
    alias_of: str | None = Field(
        None,
        description="Makes this an alias domain: every address of the target domain also receives mail here "
        "(zs@huamao.cn reaches zs@huamao-trade.com). Addresses cannot be defined on it separately.",
    )
    zone: str | None = Field(
        None, description="The DNS zone holding this domain's records; default: the domain itself."
    )
    sends_mail: bool | None = Field(
        None,
        description="Whether mail is sent from this domain. Default: true, false for alias domains (their SPF "
        "is then v=spf1 -all and DMARC p=reject).",
    )
    receives_mail: bool | None = Field(
        None,
        description="Whether mail to this domain is accepted (its MX). Default: true for alias domains (they "
        "receive for their target), otherwise the same as sends_mail; false publishes a null MX.",
    )
    spf: Spf = Field(default_factory=Spf, description="SPF record settings.")
    dkim: Dkim = Field(default_factory=Dkim, description="DKIM settings.")
    dmarc: Dmarc = Field(default_factory=Dmarc, description="DMARC record settings.")
    mta_sts: MtaSts | None = Field(None, description="MTA-STS; omit for none.")
    tls_rpt: TlsRpt | None = Field(None, description="SMTP TLS reporting (_smtp._tls); omit for none.")
    ttl: int = Field(3600, ge=60, le=604800, description="TTL of the mail records mailplan publishes, in seconds.")
    description: Text = Field("", description="Free text kept with the domain.")


class Department(Model):
    name: Line = Field(description="The department's display name (销售部).")
    manager: str | None = Field(None, description="The person who manages it: their address, alias or name.")
    parent: str | None = Field(None, description="The key of the department this one belongs to.")


class Tier(Model):
    admin: Literal["super", "department"] | None = Field(
        None,
        description="Administrator rights: super (everything) or department (the person's own department "
        "and its sub-departments).",
    )
    read_department_mailboxes: bool = Field(
        False, description="May read the functional mailboxes of their department (info@, sales@ ...)."
    )
    send_as_department_mailboxes: bool = Field(
        False, description="May send as the functional mailboxes of their department."
    )


def _check_reply_text(value: str) -> str:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
    except ValueError as exc:
        raise ValueError(Msg("{error}; write a literal brace as {{{{ or }}}}", error=brace_error(exc))) from None
    unknown = [f for f in fields if f not in AUTO_REPLY_PLACEHOLDERS]
    if unknown:
        known = ", ".join("{" + p + "}" for p in AUTO_REPLY_PLACEHOLDERS)
        raise ValueError(Msg("unknown placeholder {placeholder}; known: {known}", placeholder="{" + unknown[0] + "}",
                             known=known))  # fmt: skip
    return value


class AutoReplyText(Model):
    subject: Line = Field(description="Subject of the automatic reply. May use the placeholders listed under body.")
    body: Text = Field(
        description="Text of the automatic reply; several languages in one text are fine. Placeholders: {name}, "
        "{address}, {successor_name}, {successor_address}, {left_on}, {organization}."
    )

    _placeholders = field_validator("subject", "body")(_check_reply_text)


class Person(Model):
    name: Line = Field(description="Full name as written (张三, John Smith). The address is derived from it.")
    address: str | None = Field(
        None,
        description="The address, when not the derived one: a local part (lina2) or a full address on one of "
        "the organization's domains. Write it to settle a collision or a doubtful reading; it never changes "
        "afterwards.",
    )
    given: Line | None = Field(
        None,
        description="The given name as written, when the rule cannot tell it from the family name (Mary 王, "
        "Đặng Văn Lâm): with family:, the address is derived from these two instead of from name.",
    )
    family: Line | None = Field(None, description="The family name as written; goes with given:.")
    aliases: list[str] = Field(default_factory=list, description="Extra addresses delivering to this person.")
    department: str | None = Field(None, description="The key of the person's department under `departments:`.")
    tier: str | None = Field(None, description="The key of the person's permission tier under `tiers:`.")
    quota_mb: int | None = Field(None, ge=0, description="Mailbox quota in MB; default: policies.mailbox.quota_mb.")
    starts_on: dt.date | None = Field(
        None,
        description="The person's first working day (YYYY-MM-DD). Before it the mailbox does not exist yet; the "
        "first apply on or after that day creates it.",
    )
    left_on: dt.date | None = Field(
        None,
        description="The day the person left (YYYY-MM-DD). From that day the mailbox is frozen: no login, mail "
        "kept, new mail handled by policies.offboarding.",
    )
    successor: str | None = Field(
        None, description="Who takes over the mail of a person who left: address, alias or name. Needs left_on."
    )
    left_reason: Text | None = Field(None, description="Why the person left; kept for the record, never sent.")
    auto_reply: AutoReplyText | None = Field(
        None, description="For a person who left: this auto-reply instead of the offboarding policy's one."
    )

    _lists = field_validator("aliases", mode="before")(_as_list)


class Mailbox(Model):
    address: str = Field(description="The functional mailbox's address: a local part (info) or a full address.")
    name: Line = Field(description="Display name (信息咨询).")
    owners: list[str] = Field(
        default_factory=list, description="People who work in this mailbox: they may read it and send as it."
    )
    department: str | None = Field(
        None, description="The department it belongs to (its managers may be granted access)."
    )
    aliases: list[str] = Field(default_factory=list, description="Extra addresses delivering to this mailbox.")
    auto_reply: AutoReplyText | None = Field(None, description="An automatic reply sent to every incoming message.")
    expires_on: dt.date | None = Field(
        None, description="Last day the mailbox is in use (order mailboxes); it is frozen the day after."
    )
    quota_mb: int | None = Field(None, ge=0, description="Mailbox quota in MB; default: policies.mailbox.quota_mb.")

    _lists = field_validator("owners", "aliases", mode="before")(_as_list)


class Group(Model):
    address: str = Field(description="The group's address: a local part or a full address.")
    name: Line = Field(description="Display name (销售团队).")
    members: list[str] = Field(
        default_factory=list,
        description="Who receives the group's mail: people (address, alias or name), mailboxes, "
        "department:<key> (its people, sub-departments included), group:<address> (nested group), "
        "or external addresses.",
    )
    post: Literal["anyone", "organization", "members", "senders"] = Field(
        "anyone",
        description="Who may send to the group: anyone (also from outside), organization (any address of the "
        "organization's domains), members, or senders (only those listed in `senders`).",
    )
    senders: list[str] = Field(
        default_factory=list, description="With post: senders — who may post: people, addresses, or @domain."
    )
    owners: list[str] = Field(default_factory=list, description="People who manage the group's membership.")
    allow_external_delivery: Reason | None = Field(
        None,
        description="Why this group may deliver company mail to personal free-mail members (qq.com, gmail.com ...): "
        "the exception to policies.external_delivery, with its reason.",
    )

    _lists = field_validator("members", "senders", "owners", mode="before")(_as_list)


class Alias(Model):
    address: str = Field(description="The alias address: a local part or a full address.")
    to: list[str] = Field(
        min_length=1, description="Where its mail goes: people, mailboxes, groups, or external addresses."
    )
    allow_external_delivery: Reason | None = Field(
        None,
        description="Why this alias may deliver company mail to a personal free-mail address (qq.com, gmail.com "
        "...): the exception to policies.external_delivery, with its reason.",
    )

    _lists = field_validator("to", mode="before")(_as_list)


class PasswordPolicy(Model):
    min_length: int = Field(12, ge=8, le=128, description="Minimum password length.")
    max_age_days: int = Field(0, ge=0, description="Days after which a password must be changed; 0 = never.")
    require_2fa: bool = Field(False, description="Require two-factor login (not every provider can enforce it).")


class ArchivePolicy(Model):
    retention: str | None = Field(
        None,
        description="How long mail of people who left is kept before their mailbox may be deleted: 5y, 18m, 90d. "
        "Also the archive's retention.",
    )
    journal_to: str | None = Field(
        None,
        description="A mailbox (or external address) that receives a copy of every message in and out of each domain.",
    )
    allow_external_delivery: Reason | None = Field(
        None,
        description="Why journal_to may be a personal free-mail address: the exception to "
        "policies.external_delivery, with its reason.",
    )

    @field_validator("retention")
    @classmethod
    def _retention_format(cls, value: str | None) -> str | None:
        if value is not None and not RETENTION.match(value):
            raise ValueError(Msg("{value} is not a retention period; write a number and y, m or d: 5y, 18m, 90d",
                                 value=repr(value)))  # fmt: skip
        return value


class OffboardingPolicy(Model):
    deliver_to_successor: bool = Field(True, description="New mail to a person who left goes to their successor.")
    remove_from_groups: bool = Field(True, description="People who left stop receiving group mail.")
    auto_reply: AutoReplyText | None = Field(
        None, description="Automatic reply of a person who left (who has a successor); omit for none."
    )


class MailboxPolicy(Model):
    quota_mb: int = Field(0, ge=0, description="Default mailbox quota in MB; 0 = the provider's default.")


class SafetyLimit(Model):
    max_percent: float | None = Field(
        None, ge=0, le=100,
        description="At most this share (percent) of the objects of this kind a provider holds may be frozen or "
        "removed within the window (at least one, unless 0). Left out: the default.",
    )
    max_count: int | None = Field(
        None, ge=0, description="And never more than this many, whatever the share. Left out: the default."
    )


_WHAT = {"mailbox": "Mailboxes frozen or removed", "group": "Groups removed", "alias": "Aliases removed",
         "domain": "Domains removed"}  # fmt: skip


def _limit(kind: str) -> Any:
    default = DEFAULT_LIMITS[kind]
    return Field(
        default_factory=SafetyLimit,
        description=f"{_WHAT[kind]} (default: {default.max_percent:g}% of those held, at most {default.max_count}).",
    )


class SafetyPolicy(Model):
    """The safety gate's limits: a plan that would freeze or remove more than these, counted together with what
    the journal shows was frozen or removed in the window, is refused unless ``--force``."""

    window_days: int = Field(
        DEFAULT_WINDOW_DAYS, ge=0, le=366,
        description="Freezes and removals journaled in this many last days count toward the limits, with the "
        f"plan's own (default {DEFAULT_WINDOW_DAYS}; 0: only the plan's).",
    )
    mailbox: SafetyLimit = _limit("mailbox")
    group: SafetyLimit = _limit("group")
    alias: SafetyLimit = _limit("alias")
    domain: SafetyLimit = _limit("domain")


class Policies(Model):
    password: PasswordPolicy = Field(default_factory=PasswordPolicy, description="Password and login policy.")
    archive: ArchivePolicy = Field(default_factory=ArchivePolicy, description="Archive and retention policy.")
    offboarding: OffboardingPolicy = Field(
        default_factory=OffboardingPolicy, description="What happens to the mail of people who leave."
    )
    mailbox: MailboxPolicy = Field(default_factory=MailboxPolicy, description="Mailbox defaults.")
    external_delivery: Literal["allow", "warn", "refuse"] = Field(
        "warn",
        description="Company mail delivered to personal free-mail addresses (qq.com, 163.com, gmail.com ...: the "
        "list shipped with mailplan) through a group member, an alias target or the archive copy: allow it, warn "
        "in validate, plan and check, or refuse it at validate. An entry with allow_external_delivery: <reason> "
        "is the exception.",
    )

    safety: SafetyPolicy = Field(
        default_factory=SafetyPolicy,
        description="How many freezes and removals a plan may bring about before the safety gate asks for --force.",
    )


ContactRole = Literal["inquiry", "business", "finance", "project"]


class CustomerAddress(Model):
    address: str = Field(description="The customer's address (name@their-domain).")
    role: ContactRole = Field(
        description="What the address is for: inquiry (first contact), business (the core business), finance "
        "(invoices, payments) or project (one order or project)."
    )
    name: str | None = Field(None, description="The person at that address, when there is one (Martin Keller).")


class Customer(Model):
    company: str = Field(description="The customer company's name, as the address book shows it.")
    owner: str = Field(
        description="The salesperson who owns the customer: their address, alias or name. When they leave, "
        "the customer passes to their successor."
    )
    addresses: list[CustomerAddress] = Field(
        min_length=1, description="The company's addresses, each with its role; several per role are allowed."
    )
    note: str = Field("", description="Free text shown with every address in the address book.")


class Document(Model):
    """mailplan.yaml: the whole mail setup of one organization."""

    model_config = ConfigDict(title="mailplan configuration")

    version: Literal[1] = Field(description="Version of this file format. Always 1.")
    organization: Organization = Field(description="Who this is for.")
    state_dir: str = Field(
        ".mailplan",
        description="Folder for what mailplan keeps between runs: DKIM keys, the credentials file, the journal. "
        "Relative to this file.",
    )
    journal: str | None = Field(
        None, description="The audit journal file; default: <state_dir>/journal.jsonl. Relative to this file."
    )
    journal_key: str | None = Field(
        None,
        description="Signs every journal entry (HMAC-SHA256), so a hand-edited journal cannot be re-chained by "
        "someone without the key: a reference, env:NAME or file:PATH, never the key itself.",
    )
    include: list[str] = Field(
        default_factory=list,
        description="Other files to merge into this one (relative to it; wildcards allowed): their lists are "
        "appended, their mappings merged; an entry defined twice is an error.",
    )
    naming: Naming = Field(default_factory=Naming, description="How addresses are derived from names.")
    providers: dict[str, ProviderConfig] = Field(
        description="The mail and DNS providers, by a name of your choice that domains refer to."
    )
    domains: dict[str, DomainConfig] = Field(description="The organization's mail domains (Unicode or A-label).")
    departments: dict[str, Department] = Field(default_factory=dict, description="Departments, by key.")
    tiers: dict[str, Tier] = Field(default_factory=dict, description="Permission tiers, by key.")
    people: list[Person] = Field(default_factory=list, description="Staff, current and former.")
    mailboxes: list[Mailbox] = Field(default_factory=list, description="Functional mailboxes (info@, order-...@).")
    groups: list[Group] = Field(default_factory=list, description="Distribution groups.")
    aliases: list[Alias] = Field(default_factory=list, description="Extra addresses delivering elsewhere.")
    policies: Policies = Field(default_factory=Policies, description="Organization-wide policies.")
    contacts: list[Customer] = Field(
        default_factory=list,
        description="Customer companies and their addresses: the shared address book every colleague sees.",
    )

    _lists = field_validator("include", mode="before")(_as_list)

    @field_validator("journal_key")
    @classmethod
    def _key_is_a_reference(cls, value: str | None) -> str | None:
        # the value is not repeated in the message: it may be the key itself
        if value is not None and not (value.startswith(("env:", "file:")) and len(value.split(":", 1)[1]) > 0):
            raise ValueError(
                Msg("must be a reference, never the key itself (it would end up in git): write "
                    "`journal_key: env:MAILPLAN_JOURNAL_KEY` or `journal_key: file:/run/secrets/mailplan-journal-key`")
            )
        return value
