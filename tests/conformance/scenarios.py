"""The steps every provider must pass (in the manner of DNSControl's integration suite).

Each step is a complete desired state. The runner applies the diff and then
plans again: the re-plan must be empty. A provider runs each step as far as it
supports it: what it leaves to a person is a manual step, what it cannot hold at
all is left out of its run (and the capability table says so). The steps use
every kind and every feature some provider supports, so that a provider which
claims a feature proves it here (see ``Run.supported_not_exercised``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, TypeVar, cast

from mailplan.model.objects import (
    AdminRole,
    Alias,
    ArchiveRule,
    AutoReply,
    Contact,
    Delegation,
    Department,
    Domain,
    Forwarding,
    Group,
    Hold,
    Mailbox,
    MailObject,
    Policy,
    Record,
)

T = TypeVar("T", bound=MailObject)


@dataclass(frozen=True)
class Step:
    name: str
    objects: tuple[MailObject, ...]


class Scenario:
    """The desired state as the steps change it; each ``step`` takes a copy of the whole of it."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], MailObject] = {}
        self.steps: list[Step] = []

    def now(self, obj: T) -> T:
        """``obj`` as the steps so far left it."""
        return cast(T, self.objects[obj.ident])

    def edit(self, obj: T, **changes: Any) -> T:
        return replace(self.now(obj), **changes)

    def step(self, name: str, put: Iterable[MailObject] = (), drop: Iterable[MailObject] = ()) -> None:
        for obj in drop:
            del self.objects[obj.ident]
        for obj in put:
            self.objects[obj.ident] = obj
        self.steps.append(Step(name, tuple(self.objects.values())))


def mail_steps(d: str, alias_domain: str, second_domain: str) -> list[Step]:
    def a(local: str) -> str:
        return f"{local}@{d}"

    def members(*addresses: str) -> tuple[str, ...]:
        return tuple(sorted(addresses))

    ann, bob, cat = (Mailbox(a("zhangsan"), "张三"), Mailbox(a("lisi"), "李四"), Mailbox(a("john.smith"), "John Smith"))
    info = Mailbox(a("info"), "信息咨询", kind="functional")
    outside = "m.keller@keller-handel.example"
    sales = Alias(a("sales"), members(ann.address, bob.address))
    team = Group(a("team"), "销售团队", members(ann.address, bob.address), "members")
    dept = Department("sales", d, title="销售部")
    zs = Alias(a("zs"), (ann.address,))
    everyone = Group(a("sales-team"), "Sales team", members(ann.address, bob.address), "anyone")
    reads = Delegation(info.address, cat.address, read=True)
    admin = AdminRole(bob.address, "super")

    s = Scenario()
    s.step("domain and people", (Domain(d), Policy(d), ann, bob, cat, info))
    s.step("add an alias", (sales,))
    s.step("add a members-only group", (team,))
    s.step("change the group's members and posting rule",
           (s.edit(team, members=members(ann.address, bob.address, cat.address), post_policy="organization"),))
    s.step("rename a person", (s.edit(ann, name="张三丰"),))
    # departments: created, retitled, given a manager and a child; people move in
    s.step("add a department", (dept, s.edit(ann, department="sales"), s.edit(bob, department="sales")))
    s.step("rename the department's title", (s.edit(dept, title="销售与市场部"),))
    s.step("the department gets a manager", (s.edit(dept, manager=bob.address),))
    eu = Department("sales-eu", d, title="欧洲销售部", parent="sales")
    s.step("add a child department", (eu, s.edit(cat, department="sales-eu")))
    s.step("add a single-target alias", (zs,))
    s.step("the alias points elsewhere", (s.edit(zs, targets=(bob.address,)),))
    s.step("add an alias to an outside address", (Alias(a("partner"), (outside,)),))
    s.step("add a group anyone may write to", (everyone,))
    s.step("change that group's members", (s.edit(everyone, members=members(ann.address, bob.address, cat.address)),))
    project = Group(a("keller-project"), "Keller 项目", members(bob.address, outside), "members")
    s.step("add a group with an outside member", (project,))
    s.step("only listed senders may post to a group", (s.edit(team, post_policy="senders", senders=(info.address,)),))
    s.step("grant read access to a mailbox", (reads,))
    s.step("the delegate may also send as it", (s.edit(reads, send=True),))
    s.step("take the access back", drop=(reads,))
    s.step("make someone super admin", (admin,))
    s.step("limit the admin to a department", (s.edit(admin, level="department", departments=("sales",)),))
    s.step("archive every message", (ArchiveRule(d, a("archive"), retention_days=1825),))
    # a departure as offboarding plans it: preserve, hand over to the successor, cut access, leave the groups
    handover = (
        Hold(ann.address),
        Forwarding(ann.address, (bob.address,)),
        AutoReply(ann.address, "张三已离职 / Zhang San has left", "请联系李四 lisi@ / Please write to Li Si."),
        Delegation(ann.address, bob.address, read=True),
    )
    back = (s.now(ann), s.now(team), s.now(everyone))
    s.step("a person leaves: hold, freeze and hand over", (
        s.edit(ann, frozen=True), *handover,
        s.edit(team, members=members(bob.address, cat.address)),
        s.edit(everyone, members=members(bob.address, cat.address)),
    ))
    s.step("the person is rehired", back, drop=handover)
    s.step("the admin role ends", drop=(admin,))
    books = (Contact.entry("business", outside, "Martin Keller"), Contact.entry("finance", "buch@keller.example"))
    customer = Contact(d, "Keller Handel GmbH", cat.address, books)
    s.step("add a customer to the shared address book", (customer,))
    s.step("the customer passes to another salesperson", (s.edit(customer, owner=bob.address),))
    s.step("the customer leaves the address book", drop=(customer,))
    s.step("the project group is closed", drop=(project,))
    s.step("the child department is closed, its people move up", (s.edit(cat, department="sales"),), drop=(eu,))
    s.step("add a second mail domain", (Domain(second_domain),))
    s.step("add an alias domain", (Domain(alias_domain, alias_of=d),))
    s.step("drop the aliases", drop=(sales, zs))
    return s.steps


def dns_steps(zone: str) -> list[Step]:
    def txt(name: str, tag: str, value: str) -> Record:
        return Record(zone, name, "TXT", tag, 3600, (value,))

    mx = Record(zone, "@", "MX", "", 3600, ("10 mx1.example.net.",))
    spf = txt("@", "v=spf1", "v=spf1 mx include:spf.crm.example ~all")
    dmarc = txt("_dmarc", "", "v=DMARC1; p=quarantine; rua=mailto:dmarc@" + zone)
    dkim = txt("mail._domainkey", "", "v=DKIM1; k=rsa; p=" + "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" * 8)
    return [
        Step("mail records", (mx, spf, dmarc, dkim)),
        Step("change SPF and DMARC", (mx, txt("@", "v=spf1", "v=spf1 mx -all"),
                                      txt("_dmarc", "", "v=DMARC1; p=reject"), dkim)),
        Step("second MX and TLS reporting", (Record(zone, "@", "MX", "", 3600, ("10 mx1.example.net.",
                                                                                 "20 mx2.example.net.")),
                                             txt("@", "v=spf1", "v=spf1 mx -all"),
                                             txt("_dmarc", "", "v=DMARC1; p=reject"), dkim,
                                             txt("_smtp._tls", "", "v=TLSRPTv1; rua=mailto:tls@" + zone))),
    ]


Supports = Callable[[MailObject], bool]
