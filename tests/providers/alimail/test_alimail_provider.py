"""The Alibaba Mail provider against the loopback fake of the open platform."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.alimail import Harness, harness
from importer.tenant_plan import import_then_plan
from mailplan.model.change import Action, Change
from mailplan.model.objects import Alias, Department, Domain, Group, Mailbox, MailObject
from mailplan.providers.base import CredentialSink, NotSupported, ProviderContext, ProviderError
from mailplan.providers.mail.alimail.provider import AlibabaMailProvider

DOMAIN = "example.com"
IDN = "xn--fsqu00a.xn--fiqs8s"  # 例子.中国


@pytest.fixture
def org() -> Iterator[Harness]:
    with harness((DOMAIN, IDN)) as h:
        yield h


@pytest.fixture
def sleeps() -> list[float]:
    return []


def make_provider(org: Harness, tmp_path: Path, sleeps: list[float], **overrides: object) -> AlibabaMailProvider:
    context = ProviderContext(base_dir=tmp_path, credentials=CredentialSink(tmp_path / "credentials.tsv"))
    provider = AlibabaMailProvider("alimail", {**org.settings, **overrides}, context)
    provider.http.sleep = org.fake.waits(sleeps)  # waits are recorded, not slept: the fake's clock moves on
    provider.sleep = org.fake.waits(sleeps)
    return provider


@pytest.fixture
def provider(org: Harness, tmp_path: Path, sleeps: list[float]) -> AlibabaMailProvider:
    return make_provider(org, tmp_path, sleeps)


def create(provider: AlibabaMailProvider, *objects: MailObject) -> None:
    for obj in objects:
        provider.apply(Change(Action.CREATE, "alimail", None, obj))


def objects_of(provider: AlibabaMailProvider) -> set[MailObject]:
    return set(provider.read([DOMAIN, IDN]).state)


SALES = Department(name="sales", org_domain=DOMAIN, title="销售部")
ZHANGSAN = Mailbox(address=f"zhangsan@{DOMAIN}", name="张三", department="sales")
LISI = Mailbox(address=f"lisi@{DOMAIN}", name="李四", department="export")
EXPORT = Department(name="export", org_domain=DOMAIN, title="外贸组", parent="sales", manager=ZHANGSAN.address)
INFO = Mailbox(address=f"info@{IDN}", name="信息", kind="functional")
ALIAS = Alias(address=f"san.zhang@{DOMAIN}", targets=(ZHANGSAN.address,))
DESIRED = (SALES, ZHANGSAN, EXPORT, LISI, INFO, ALIAS)


def test_applied_objects_read_back_equal(provider: AlibabaMailProvider, org: Harness) -> None:
    org.fake.domains[DOMAIN] = ["example.net"]
    create(provider, *DESIRED)

    observed = provider.read([DOMAIN, IDN, "example.net"])
    domains = {Domain(name=DOMAIN), Domain(name=IDN), Domain(name="example.net", alias_of=DOMAIN)}
    assert set(observed.state) == {*DESIRED, *domains}
    # users carry the mark; departments have no field for one
    assert observed.managed == {ZHANGSAN.ident, LISI.ident, INFO.ident, ALIAS.ident}
    assert org.fake.user_by_email(INFO.address)["employeeType"] == "SERVICE"
    assert {d["name"] for d in org.fake.departments.values()} == {"销售部 [sales]", "外贸组 [export]"}


def test_initial_password_goes_to_the_credentials_file_only(
    provider: AlibabaMailProvider, org: Harness, tmp_path: Path
) -> None:
    answer = provider.apply(Change(Action.CREATE, "alimail", None, INFO))

    password = org.fake.passwords[INFO.address]
    assert (tmp_path / "credentials.tsv").read_text() == f"{INFO.address}\t{password}\n"
    assert password not in answer
    assert org.fake.user_by_email(INFO.address)["forceChangePasswordNextSignIn"] is True


def test_freeze_and_unfreeze_set_the_status(provider: AlibabaMailProvider, org: Harness) -> None:
    box = Mailbox(address=ZHANGSAN.address, name="张三")
    frozen = Mailbox(address=ZHANGSAN.address, name="张三", frozen=True)
    create(provider, box)

    provider.apply(Change(Action.FREEZE, "alimail", box, frozen))
    assert org.fake.user_by_email(box.address)["status"] == "FREEZE"
    assert frozen in objects_of(provider)

    provider.apply(Change(Action.UNFREEZE, "alimail", frozen, box))
    assert org.fake.user_by_email(box.address)["status"] == "NORMAL"
    assert box in objects_of(provider)


def test_updates_rename_and_move(provider: AlibabaMailProvider) -> None:
    create(provider, SALES, ZHANGSAN)
    moved = Mailbox(address=ZHANGSAN.address, name="张三丰")
    provider.apply(Change(Action.UPDATE, "alimail", ZHANGSAN, moved))
    renamed = Department(name="sales", org_domain=DOMAIN, title="销售中心", manager=ZHANGSAN.address)
    provider.apply(Change(Action.UPDATE, "alimail", SALES, renamed))

    assert {moved, renamed} <= objects_of(provider)


def test_alias_moves_and_goes_away(provider: AlibabaMailProvider, org: Harness) -> None:
    create(provider, SALES, ZHANGSAN, EXPORT, LISI, ALIAS)
    moved = Alias(address=ALIAS.address, targets=(LISI.address,))

    provider.apply(Change(Action.UPDATE, "alimail", ALIAS, moved))
    assert org.fake.user_by_email(LISI.address)["emailAliases"] == [ALIAS.address]
    assert moved in objects_of(provider)

    provider.apply(Change(Action.REMOVE, "alimail", moved, None))
    assert not any(isinstance(o, Alias) for o in objects_of(provider))


def test_removals_delete_on_the_service(provider: AlibabaMailProvider, org: Harness) -> None:
    create(provider, SALES, ZHANGSAN)
    provider.apply(Change(Action.REMOVE, "alimail", ZHANGSAN, None))
    provider.apply(Change(Action.REMOVE, "alimail", SALES, None))
    assert org.fake.users == {} and org.fake.departments == {}


def test_create_adopts_an_existing_user(provider: AlibabaMailProvider, org: Harness, tmp_path: Path) -> None:
    org.fake.add_user(ZHANGSAN.address, "旧名字", info="工号 42")
    box = Mailbox(address=ZHANGSAN.address, name="张三")

    create(provider, box)

    assert box in objects_of(provider)
    assert box.ident in provider.read([DOMAIN]).managed
    assert org.fake.user_by_email(box.address)["info"].startswith("工号 42")  # what was there is kept
    assert not (tmp_path / "credentials.tsv").exists()


def test_unmarked_users_are_read_but_not_managed(provider: AlibabaMailProvider, org: Harness) -> None:
    org.fake.add_user(f"boss@{DOMAIN}", "老板", emailAliases=[f"ceo@{DOMAIN}"])
    observed = provider.read([DOMAIN])
    boss = Mailbox(address=f"boss@{DOMAIN}", name="老板")
    assert set(observed.state) == {boss, Alias(address=f"ceo@{DOMAIN}", targets=(boss.address,)), Domain(DOMAIN)}
    assert observed.managed == frozenset()


def test_expired_token_is_renewed_once(provider: AlibabaMailProvider, org: Harness) -> None:
    provider.read([DOMAIN])
    org.fake.expire_tokens()
    provider.read([DOMAIN])
    assert org.fake.count("POST /oauth2/v2.0/token") == 2


def test_wrong_secret_is_reported_without_the_secret(org: Harness, tmp_path: Path, sleeps: list[float]) -> None:
    provider = make_provider(org, tmp_path, sleeps, client_secret="not-the-secret")
    with pytest.raises(ProviderError) as caught:
        provider.read([DOMAIN])
    assert "client_secret" in str(caught.value) and "not-the-secret" not in str(caught.value)


def test_429_is_backed_off(provider: AlibabaMailProvider, org: Harness, sleeps: list[float]) -> None:
    org.fake.rate_limit_next(3)  # HTTP 429 over 40 calls/s, with no Retry-After
    create(provider, INFO)
    assert sleeps == [0.5, 1.0, 2.0]
    assert INFO in objects_of(provider)


def test_a_retry_after_on_a_429_is_honoured(provider: AlibabaMailProvider, org: Harness, sleeps: list[float]) -> None:
    org.fake.rate_limit_next(2, retry_after="2")
    create(provider, INFO)
    assert sleeps == [2.0, 2.0]


def test_writes_wait_for_a_new_user_to_appear(provider: AlibabaMailProvider, sleeps: list[float], org: Harness) -> None:
    org.fake.lag(2)
    alias = Alias(address=f"hello@{IDN}", targets=(INFO.address,))
    frozen = Mailbox(address=INFO.address, name=INFO.name, kind="functional", frozen=True)
    create(provider, INFO)
    provider.apply(Change(Action.FREEZE, "alimail", INFO, frozen))
    create(provider, alias)
    assert sleeps
    assert {frozen, alias} <= objects_of(provider)


def test_what_the_api_cannot_do_is_refused_before_any_write(provider: AlibabaMailProvider, org: Harness) -> None:
    create(provider, Mailbox(address=ZHANGSAN.address, name="张三"))
    before = org.fake.total()
    refused = [
        Change(Action.CREATE, "alimail", None, Mailbox(address=f"big@{DOMAIN}", name="大", quota_mb=1)),
        Change(Action.CREATE, "alimail", None, Group(address=f"g@{DOMAIN}", name="g", members=(ZHANGSAN.address,))),
        Change(
            Action.UPDATE,
            "alimail",
            Mailbox(address=ZHANGSAN.address, name="张三"),
            Mailbox(address=ZHANGSAN.address, name="张三", kind="functional"),
        ),
    ]
    for change in refused:
        with pytest.raises(NotSupported):
            provider.apply(change)
    assert org.fake.total() == before


def test_groups_are_manual_with_the_real_addresses(provider: AlibabaMailProvider) -> None:
    group = Group(address=f"sales@{DOMAIN}", name="销售", members=(ZHANGSAN.address,), post_policy="members")
    steps = provider.manual_instructions(Change(Action.MANUAL, "alimail", None, group))
    assert group.address in steps and ZHANGSAN.address in steps and "members only" in steps
    assert "group" in AlibabaMailProvider.MANUAL and "group" not in AlibabaMailProvider.SUPPORTS


def test_a_no_change_plan_of_ten_thousand_people_costs_one_call_per_page(
    org: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(9_999):
        org.fake.add_user(f"user{n:05d}@{DOMAIN}", f"员工{n}")
    org.fake.add_user(f"leaver@{DOMAIN}", "离职员工", status="FREEZE")  # the 10,000th: left

    # the tenant imported into a config, and that config planned: the fake counts the plan's calls only
    changes = import_then_plan(tmp_path, org.provider_type, org.settings, (DOMAIN,), org.fake, monkeypatch)

    # nothing to change; what is left is the console step for the password policy the API cannot set
    assert [(c["action"], c["kind"]) for c in changes] == [("manual", "policy")]
    pages = math.ceil(10_000 / 100)
    # 40 calls a second is the limit: what it refused was asked again, the pages themselves once each
    refused, listing = sum(org.fake.refused.values()), "GET /v2/departments/$root/users"
    assert org.fake.count(listing) - org.fake.refused[listing] == pages
    # plus the token, the domain list and the root's sub-department list; no call per user
    assert org.fake.total() - refused == pages + 3


def test_users_spread_over_departments_cost_one_call_per_page_each(org: Harness, provider: AlibabaMailProvider) -> None:
    sales = org.fake.add_department("sales")
    empty = org.fake.add_department("empty")
    for n in range(250):
        org.fake.add_user(f"s{n:03d}@{DOMAIN}", f"销售{n}", department=sales)

    provider.read([DOMAIN])

    assert org.fake.count(f"GET /v2/departments/{sales}/users") == 3
    assert org.fake.count(f"GET /v2/departments/{empty}/users") == 0  # says it has none: not asked


def test_child_departments_and_managers_may_come_before_what_they_name(provider: AlibabaMailProvider) -> None:
    # plans create departments in key order and mailboxes after departments
    create(provider, EXPORT, SALES, ZHANGSAN, LISI)
    assert {EXPORT, SALES} <= objects_of(provider)
