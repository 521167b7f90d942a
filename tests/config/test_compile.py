"""What compile_config builds from a config: the objects per provider, on a given day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from mailplan.config import Config, compile_config, load
from mailplan.model import objects as o
from mailplan.model.desired import Desired

from .conftest import BASE

TODAY = dt.date(2026, 11, 1)

COMPANY = """\
departments:
  sales: {name: 销售部, manager: wangfang}
  sales-eu: {name: 欧洲组, parent: sales}
tiers:
  admin: {admin: super}
  dept_admin: {admin: department}
  manager: {read_department_mailboxes: true, send_as_department_mailboxes: true}
people:
  - {name: 王芳, department: sales, tier: manager}
  - {name: 张三, department: sales, aliases: [zs]}
  - {name: John Smith, department: sales-eu, tier: dept_admin}
  - {name: 刘洋, tier: admin}
  - {name: 李娜, address: lina2, department: sales, left_on: 2026-09-30, successor: zs, left_reason: resigned}
mailboxes:
  - {address: info, name: 信息咨询, department: sales, owners: [张三], auto_reply: {subject: '收到 {name}', body: 谢谢}}
  - {address: order-2026-118, name: 订单, department: sales-eu, owners: [john.smith], expires_on: 2026-10-31}
  - {address: archive, name: 归档, owners: [liuyang]}
groups:
  - {address: sales-team, name: 销售团队, members: [department:sales, buyer@partner.example], post: anyone}
  - {address: everyone, name: 全体, members: ['group:sales-team', liuyang, lina2], post: organization}
aliases:
  - {address: postmaster, to: [刘洋]}
policies:
  password: {min_length: 14, require_2fa: false}
  archive: {retention: 5y, journal_to: archive}
  offboarding:
    auto_reply: {subject: '{name} 已离职', body: '请联系 {successor_name} <{successor_address}> / {name} has left.'}
"""

D = "huamao-trade.com"
CN = "huamao.cn"


TOP = "".join(BASE.splitlines(keepends=True)[:7])  # BASE up to the domains (7 lines)


@pytest.fixture
def company(write: Callable[..., Path]) -> Callable[[str], Config]:
    return lambda extra="": load(write(TOP + COMPANY + extra))


@pytest.fixture
def desired(company: Callable[[str], Config]) -> Desired:
    return compile_config(company(""), TODAY)


def mail(desired: Desired) -> dict[tuple[str, str], o.MailObject]:
    return {obj.ident: obj for obj in desired.objects["mail"]}


def test_domains_policy_and_archive(desired: Desired) -> None:
    objs = mail(desired)
    assert objs[("domain", D)] == o.Domain(D)
    assert objs[("domain", CN)] == o.Domain(CN, alias_of=D)
    assert objs[("policy", D)] == o.Policy(D, password_min_length=14, password_max_age_days=0, require_2fa=False)
    assert ("policy", CN) not in objs  # an alias domain has no mailboxes of its own
    assert objs[("archive", D)] == o.ArchiveRule(D, f"archive@{D}", retention_days=1826)
    assert desired.scopes["mail"] == (D, CN)


def test_person_who_left_is_frozen_handed_over_and_out_of_groups(desired: Desired) -> None:
    objs = mail(desired)
    lina = f"lina2@{D}"
    assert objs[("mailbox", lina)] == o.Mailbox(lina, "李娜", "person", "sales", frozen=True)
    assert objs[("forwarding", lina)] == o.Forwarding(lina, (f"zhangsan@{D}",))
    reply = objs[("autoreply", lina)]
    assert isinstance(reply, o.AutoReply)
    assert reply.subject == "李娜 已离职"
    assert reply.body == f"请联系 张三 <zhangsan@{D}> / 李娜 has left."
    for group in ("sales-team", "everyone"):
        members = objs[("group", f"{group}@{D}")]
        assert isinstance(members, o.Group) and lina not in members.members
    assert desired.retention == {"mail": {lina: "2031-09-30", f"order-2026-118@{D}": "2031-11-01"}}


def test_person_before_leaving_day_is_active(company: Callable[[str], Config]) -> None:
    desired = compile_config(company(""), dt.date(2026, 9, 29))
    objs = mail(desired)
    assert objs[("mailbox", f"lina2@{D}")] == o.Mailbox(f"lina2@{D}", "李娜", "person", "sales", frozen=False)
    assert ("forwarding", f"lina2@{D}") not in objs
    group = objs[("group", f"sales-team@{D}")]
    assert isinstance(group, o.Group) and f"lina2@{D}" in group.members


def test_groups_expand_departments_nested_groups_and_keep_externals(desired: Desired) -> None:
    objs = mail(desired)
    team = objs[("group", f"sales-team@{D}")]
    assert team == o.Group(
        f"sales-team@{D}",
        "销售团队",
        ("buyer@partner.example", f"john.smith@{D}", f"wangfang@{D}", f"zhangsan@{D}"),  # sub-department included
        "anyone",
    )
    everyone = objs[("group", f"everyone@{D}")]
    assert isinstance(everyone, o.Group)
    assert everyone.members == (*team.members[:2], f"liuyang@{D}", *team.members[2:])
    assert everyone.post_policy == "organization"


def test_aliases_mailboxes_and_auto_reply(desired: Desired) -> None:
    objs = mail(desired)
    assert objs[("alias", f"zs@{D}")] == o.Alias(f"zs@{D}", (f"zhangsan@{D}",))
    assert objs[("alias", f"postmaster@{D}")] == o.Alias(f"postmaster@{D}", (f"liuyang@{D}",))
    assert objs[("mailbox", f"info@{D}")] == o.Mailbox(f"info@{D}", "信息咨询", "functional", "sales")
    assert objs[("autoreply", f"info@{D}")] == o.AutoReply(f"info@{D}", "收到 信息咨询", "谢谢")
    order = objs[("mailbox", f"order-2026-118@{D}")]
    assert isinstance(order, o.Mailbox) and order.frozen  # expired the day before TODAY


def test_delegations_and_admin_roles(desired: Desired) -> None:
    delegations = {(d.mailbox, d.grantee): d for d in desired.objects["mail"].of_kind("delegation")}
    assert set(delegations) == {
        (f"info@{D}", f"zhangsan@{D}"),  # owner
        (f"info@{D}", f"wangfang@{D}"),  # manager of sales
        (f"order-2026-118@{D}", f"john.smith@{D}"),  # owner
        (f"order-2026-118@{D}", f"wangfang@{D}"),  # sales-eu is inside sales
        (f"archive@{D}", f"liuyang@{D}"),
        (f"lina2@{D}", f"zhangsan@{D}"),  # the successor reads the old mail of the person who left
    }
    handed_over = delegations.pop((f"lina2@{D}", f"zhangsan@{D}"))
    assert handed_over == o.Delegation(f"lina2@{D}", f"zhangsan@{D}", read=True, send=False)
    assert all(isinstance(d, o.Delegation) and d.read and d.send for d in delegations.values())
    admins = {a.key: a for a in desired.objects["mail"].of_kind("admin_role")}
    assert admins == {
        f"liuyang@{D}": o.AdminRole(f"liuyang@{D}", "super"),
        f"john.smith@{D}": o.AdminRole(f"john.smith@{D}", "department", ("sales-eu",)),
    }


def test_departments(desired: Desired) -> None:
    depts = {d.key: d for d in desired.objects["mail"].of_kind("department")}
    assert depts["sales"] == o.Department("sales", D, "销售部", f"wangfang@{D}", None)
    assert depts["sales-eu"] == o.Department("sales-eu", D, "欧洲组", None, "sales")


def test_origins_point_at_the_yaml(desired: Desired) -> None:
    origin = desired.origins[("mailbox", f"lina2@{D}")]
    assert (origin.line, origin.col) == (7 + 13, 5)  # 李娜 is line 13 of COMPANY
    assert desired.origins[("domain", CN)].line == 7


def test_files_and_fingerprint(company: Callable[[str], Config]) -> None:
    config = company("")
    desired = compile_config(config, TODAY)
    assert desired.config_fingerprint == config.fingerprint and len(config.fingerprint) == 64
    assert desired.credentials_file == str(config.path.parent / ".mailplan" / "credentials.txt")
    assert desired.journal_file == str(config.path.parent / ".mailplan" / "journal.jsonl")
    assert desired.providers["mail"].settings == {"database": "mail.sqlite", "mx_host": "mx.huamao-trade.com"}
    changed = compile_config(company("# a comment changes the bytes\n"), TODAY)
    assert changed.config_fingerprint != desired.config_fingerprint


def test_compile_is_deterministic(company: Callable[[str], Config]) -> None:
    config = company("")
    first, second = compile_config(config, TODAY), compile_config(config, TODAY)
    assert first.objects["mail"].fingerprint() == second.objects["mail"].fingerprint()
