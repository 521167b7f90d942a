"""The steps every provider must pass (in the manner of DNSControl's integration suite).

Each step is a complete desired state. The runner applies the diff and then
plans again: the re-plan must be empty. Objects whose features a provider does
not support are left out of its run (and the capability table says so).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mailplan.model.objects import (
    Alias,
    AutoReply,
    Domain,
    Forwarding,
    Group,
    Mailbox,
    MailObject,
    Policy,
    Record,
)


@dataclass(frozen=True)
class Step:
    name: str
    objects: tuple[MailObject, ...]


def mail_steps(d: str, alias_domain: str) -> list[Step]:
    def a(local: str) -> str:
        return f"{local}@{d}"

    ann, bob, cat = (Mailbox(a("zhangsan"), "张三"), Mailbox(a("lisi"), "李四"), Mailbox(a("john.smith"), "John Smith"))
    info = Mailbox(a("info"), "信息咨询", kind="functional")
    base: tuple[MailObject, ...] = (Domain(d), Policy(d), ann, bob, cat, info)
    sales = Alias(a("sales"), tuple(sorted((ann.address, bob.address))))
    team = Group(a("team"), "销售团队", tuple(sorted((ann.address, bob.address))), "members")
    team_org = Group(a("team"), "销售团队", tuple(sorted((ann.address, bob.address, cat.address))), "organization")
    ann_left = Mailbox(ann.address, ann.name, frozen=True)
    handover = (
        Forwarding(ann.address, (bob.address,)),
        AutoReply(ann.address, "张三已离职 / Zhang San has left", "请联系李四 lisi@ / Please write to Li Si."),
    )
    team_without_ann = Group(team.address, team.name, tuple(sorted((bob.address, cat.address))), "organization")
    return [
        Step("domain and people", base),
        Step("add an alias", (*base, sales)),
        Step("add a members-only group", (*base, sales, team)),
        Step("change the group's members and posting rule", (*base, sales, team_org)),
        Step("rename a person", (*base[:2], Mailbox(ann.address, "张三丰"), bob, cat, info, sales, team_org)),
        Step("a person leaves: freeze and hand over", (*base[:2], ann_left, bob, cat, info, sales, team_without_ann,
                                                        *handover)),
        Step("the person is rehired", (*base, sales, team_org)),
        Step("add an alias domain", (*base, sales, team_org, Domain(alias_domain, alias_of=d))),
        Step("drop the alias", (*base, team_org, Domain(alias_domain, alias_of=d))),
    ]


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
