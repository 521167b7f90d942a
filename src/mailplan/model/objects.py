"""The provider-neutral objects a mail setup is made of.

Every object is a frozen dataclass: hashable, comparable, and cheap to diff.
An object is identified by ``(KIND, key)``; everything else is an attribute the
diff compares. Addresses are lower-case ``local@domain`` with the domain as an
IDNA A-label (``xn--...``), so that every provider and every server sees the
same bytes; renderers show the Unicode form.

Collections are sorted tuples, never sets or lists, so that two objects built
from the same facts are equal no matter the order the facts arrived in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar

MailboxKind = Literal["person", "functional"]
PostPolicy = Literal["anyone", "organization", "members", "senders"]
AdminLevel = Literal["super", "department"]


@dataclass(frozen=True)
class MailObject:
    """Base of every neutral object."""

    KIND: ClassVar[str] = ""
    # Key fields identify the object; every other field is a diffable attribute.
    KEY_FIELDS: ClassVar[tuple[str, ...]] = ()
    # Order in which objects of this kind are created (removals run in reverse).
    ORDER: ClassVar[int] = 0
    # An optional kind degrades on purpose: a provider that neither supports it nor lists it
    # as manual simply holds none (engine/capabilities.py), instead of refusing the config.
    OPTIONAL: ClassVar[bool] = False

    @property
    def key(self) -> str:
        return "/".join(str(getattr(self, f)) for f in self.KEY_FIELDS)

    @property
    def ident(self) -> tuple[str, str]:
        return (self.KIND, self.key)

    @property
    def domain(self) -> str:
        """The mail domain this object belongs to (used for grouping and routing)."""
        raise AttributeError(f"{type(self).__name__} does not say which domain it belongs to")

    def attrs(self) -> dict[str, Any]:
        """The diffable attributes (every field that is not a key field)."""
        return {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in self.KEY_FIELDS
        }

    def features(self) -> frozenset[str]:
        """Capability ids a provider must support to hold this object."""
        return frozenset({self.KIND})

    def to_dict(self) -> dict[str, Any]:
        # "object", not "kind": Mailbox has a field called kind (person | functional)
        out: dict[str, Any] = {"object": self.KIND}
        for f in dataclasses.fields(self):
            out[f.name] = _plain(getattr(self, f.name))
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def domain_of(address: str) -> str:
    return address.rpartition("@")[2]


@dataclass(frozen=True)
class Domain(MailObject):
    """A mail domain. ``alias_of`` makes it an alias domain of another one."""

    KIND: ClassVar[str] = "domain"
    KEY_FIELDS: ClassVar[tuple[str, ...]] = ("name",)
    ORDER: ClassVar[int] = 10

    name: str
    alias_of: str | None = None
    description: str = ""

    @property
    def domain(self) -> str:
        return self.name

    def features(self) -> frozenset[str]:
        return frozenset({"domain", "domain.alias"} if self.alias_of else {"domain"})


@dataclass(frozen=True)
class Department(MailObject):
    KIND: ClassVar[str] = "department"
    KEY_FIELDS: ClassVar[tuple[str, ...]] = ("name",)
    ORDER: ClassVar[int] = 15

    name: str
    # The department belongs to the organization, not to a domain; providers
    # that group departments by domain use the organization's primary domain.
    org_domain: str
    title: str = ""
    manager: str | None = None  # address
    parent: str | None = None  # department name

    @property
    def domain(self) -> str:
        return self.org_domain


@dataclass(frozen=True)
class Mailbox(MailObject):
    """A mailbox a person or a team logs in to. ``frozen`` = login refused, mail kept."""

    KIND: ClassVar[str] = "mailbox"
    KEY_FIELDS: ClassVar[tuple[str, ...]] = ("address",)
    ORDER: ClassVar[int] = 20

    address: str
    name: str
    kind: MailboxKind = "person"
    department: str | None = None
    frozen: bool = False
    quota_mb: int = 0

    @property
    def domain(self) -> str:
        return domain_of(self.address)


@dataclass(frozen=True)
class Alias(MailObject):
    """An extra address delivering to one or more targets (addresses, internal or not)."""

    KIND: ClassVar[str] = "alias"
    KEY_FIELDS: ClassVar[tuple[str, ...]] = ("address",)
    ORDER: ClassVar[int] = 30

    address: str
    targets: tuple[str, ...]

    @property
    def domain(self) -> str:
        return domain_of(self.address)

    def features(self) -> frozenset[str]:
        feats = {"alias"}
        if len(self.targets) > 1:
            feats.add("alias.multi")
        if any(domain_of(t) != self.domain for t in self.targets):
            feats.add("alias.external")
        return frozenset(feats)


@dataclass(frozen=True)
class Group(MailObject):
    """A distribution group with a posting policy. ``members`` are final addresses."""

    KIND: ClassVar[str] = "group"
    KEY_FIELDS: ClassVar[tuple[str, ...]] = ("address",)
    ORDER: ClassVar[int] = 30

    address: str
    name: str
    members: tuple[str, ...]
    post_policy: PostPolicy = "anyone"
    # Extra senders allowed to post (addresses or @domain), used with "senders".
    senders: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()

    @property
    def domain(self) -> str:
        return domain_of(self.address)

    def features(self) -> frozenset[str]:
        feats = {"group"}
        # a member outside the group's own domain: some providers refuse outside members
        if any(domain_of(m) != self.domain for m in self.members):
            feats.add("group.external")
        if self.post_policy != "anyone":
            feats.add(f"group.post.{self.post_policy}")
        return frozenset(feats)


@dataclass(frozen=True)
class Hold(MailObject):
    """A departed person's mailbox placed on hold (Google Vault hold, Exchange litigation hold), so
    nothing in it can be purged. The first step of a departure: preserve, before the handover."""

    KIND: ClassVar[str] = "hold"
    KEY_FIELDS: ClassVar[tuple[str, ...]] = ("address",)
    # Below the mailbox's: removals run in reverse, so a hold is released only after its mailbox went.
    ORDER: ClassVar[int] = 19
    OPTIONAL: ClassVar[bool] = True  # a provider with no hold of any kind keeps the mail as it always does

    address: str

    @property
    def domain(self) -> str:
        return domain_of(self.address)


@dataclass(frozen=True)
class Forwarding(MailObject):
    """New mail to ``address`` is delivered to ``targets`` (the handover of a frozen mailbox)."""

    KIND: ClassVar[str] = "forwarding"
    KEY_FIELDS: ClassVar[tuple[str, ...]] = ("address",)
    ORDER: ClassVar[int] = 40

    address: str
    targets: tuple[str, ...]

    @property
    def domain(self) -> str:
        return domain_of(self.address)


@dataclass(frozen=True)
class AutoReply(MailObject):
    KIND: ClassVar[str] = "autoreply"
    KEY_FIELDS: ClassVar[tuple[str, ...]] = ("address",)
    ORDER: ClassVar[int] = 41

    address: str
    subject: str
    body: str

    @property
    def domain(self) -> str:
        return domain_of(self.address)


@dataclass(frozen=True)
class Delegation(MailObject):
    """``grantee`` may read and/or send as ``mailbox``."""

    KIND: ClassVar[str] = "delegation"
    KEY_FIELDS: ClassVar[tuple[str, ...]] = ("mailbox", "grantee")
    ORDER: ClassVar[int] = 42

    mailbox: str
    grantee: str
    read: bool = False
    send: bool = False

    @property
    def domain(self) -> str:
        return domain_of(self.mailbox)

    def features(self) -> frozenset[str]:
        feats = {"delegation"}
        if self.read:
            feats.add("delegation.read")
        if self.send:
            feats.add("delegation.send")
        return frozenset(feats)


@dataclass(frozen=True)
class AdminRole(MailObject):
    """An administrator: ``super`` for everything, ``department`` for the departments in scope."""

    KIND: ClassVar[str] = "admin_role"
    KEY_FIELDS: ClassVar[tuple[str, ...]] = ("address",)
    ORDER: ClassVar[int] = 50

    address: str
    level: AdminLevel
    departments: tuple[str, ...] = ()

    @property
    def domain(self) -> str:
        return domain_of(self.address)


@dataclass(frozen=True)
class Policy(MailObject):
    """Organization-wide security policy, held by the mail provider of each domain."""

    KIND: ClassVar[str] = "policy"
    KEY_FIELDS: ClassVar[tuple[str, ...]] = ("scope",)
    ORDER: ClassVar[int] = 12

    scope: str  # the domain it applies to
    password_min_length: int = 12
    password_max_age_days: int = 0
    require_2fa: bool = False

    @property
    def domain(self) -> str:
        return self.scope

    def features(self) -> frozenset[str]:
        return frozenset({"policy", "policy.2fa"} if self.require_2fa else {"policy"})


@dataclass(frozen=True)
class ArchiveRule(MailObject):
    """Every message in and out of ``scope`` is also delivered to ``copy_to``."""

    KIND: ClassVar[str] = "archive"
    KEY_FIELDS: ClassVar[tuple[str, ...]] = ("scope",)
    ORDER: ClassVar[int] = 25

    scope: str  # domain
    copy_to: str
    retention_days: int = 0

    @property
    def domain(self) -> str:
        return self.scope


@dataclass(frozen=True)
class Record(MailObject):
    """A DNS record set, or the part of one mailplan owns.

    ``tag`` narrows ownership inside a shared rrset: a TXT record set at the
    apex holds the SPF value next to site-verification values; mailplan owns
    only the values starting with ``tag`` (``v=spf1``) and leaves the others.
    An empty tag means mailplan owns the whole rrset (MX, CNAME, ``_dmarc``).
    """

    KIND: ClassVar[str] = "record"
    KEY_FIELDS: ClassVar[tuple[str, ...]] = ("zone", "name", "rtype", "tag")
    ORDER: ClassVar[int] = 60

    zone: str  # A-label, no trailing dot
    name: str  # relative to the zone, "@" for the apex
    rtype: str
    tag: str
    ttl: int
    values: tuple[str, ...]  # presentation format, sorted; TXT values unquoted and joined

    @property
    def domain(self) -> str:
        return self.zone

    @property
    def fqdn(self) -> str:
        return self.zone if self.name == "@" else f"{self.name}.{self.zone}"

    def features(self) -> frozenset[str]:
        feats = {"record", f"record.{self.rtype}"}
        if self.rtype == "MX" and "0 ." in self.values:  # RFC 7505's null MX: some APIs refuse preference 0
            feats.add("record.MX.null")
        return frozenset(feats)


@dataclass(frozen=True)
class Contact(MailObject):
    """A customer company in the organization's shared address book, and the salesperson who owns it.

    Each address is ``"<role>: <address>"``, with ``" (<name>)"`` when a person is named
    (``"finance: buchhaltung@keller.example"``), so that the object stays flat and diffable.
    """

    KIND: ClassVar[str] = "contact"
    KEY_FIELDS: ClassVar[tuple[str, ...]] = ("scope", "company")
    ORDER: ClassVar[int] = 55
    # A provider without an address book holds none; the exported files still carry them.
    OPTIONAL: ClassVar[bool] = True

    scope: str  # the primary domain: the address book belongs to the organization
    company: str
    owner: str  # the owning salesperson's address (their successor's once they have left)
    addresses: tuple[str, ...]
    note: str = ""

    @property
    def domain(self) -> str:
        return self.scope

    def entries(self) -> list[tuple[str, str, str]]:
        """``(role, address, name)`` for every address."""
        out = []
        for item in self.addresses:
            role, _, rest = item.partition(": ")
            address, _, name = rest.partition(" (")
            out.append((role, address, name.removesuffix(")")))
        return out

    @staticmethod
    def entry(role: str, address: str, name: str = "") -> str:
        return f"{role}: {address}" + (f" ({name})" if name else "")


ALL_KINDS: tuple[type[MailObject], ...] = (
    Domain,
    Policy,
    Department,
    Mailbox,
    ArchiveRule,
    Hold,
    Alias,
    Group,
    Forwarding,
    AutoReply,
    Delegation,
    AdminRole,
    Contact,
    Record,
)
KINDS: dict[str, type[MailObject]] = {cls.KIND: cls for cls in ALL_KINDS}

T = TypeVar("T", bound=MailObject)


def from_dict(data: dict[str, Any]) -> MailObject:
    """Rebuild an object from ``to_dict`` output (saved plans, journals)."""
    cls = KINDS[data["object"]]
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if isinstance(value, list):
            value = tuple(value)
        kwargs[f.name] = value
    return cls(**kwargs)
