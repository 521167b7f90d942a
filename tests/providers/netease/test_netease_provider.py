"""The NetEase Qiye provider against the loopback fake of the signed qiyeservice API."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from fakes.netease import LISTED_FIELDS, Harness, harness, private_key_pem
from importer.tenant_plan import cli
from mailplan.engine import capabilities
from mailplan.model.change import Action, Change
from mailplan.model.objects import Alias, ArchiveRule, Department, Domain, Group, Mailbox, MailObject, Policy
from mailplan.notes import Note
from mailplan.providers.base import CredentialSink, NotSupported, ProviderContext, ProviderError
from mailplan.providers.http import NETEASE_POLICY, RetryPolicy
from mailplan.providers.mail.marks import RESENT_NOTE
from mailplan.providers.mail.netease.provider import NeteaseQiyeProvider

DOMAIN = "example.com"


@pytest.fixture
def qiye() -> Iterator[Harness]:
    with harness((DOMAIN,)) as h:
        yield h


@pytest.fixture
def sleeps() -> list[float]:
    return []


def make_provider(qiye: Harness, tmp_path: Path, sleeps: list[float], **overrides: object) -> NeteaseQiyeProvider:
    context = ProviderContext(base_dir=tmp_path, credentials=CredentialSink(tmp_path / "credentials.tsv"))
    provider = NeteaseQiyeProvider("qiye", {**qiye.settings, **overrides}, context)
    provider.http.sleep = sleeps.append  # waits are recorded, not slept
    provider.sleep = sleeps.append
    return provider


@pytest.fixture
def provider(qiye: Harness, tmp_path: Path, sleeps: list[float]) -> NeteaseQiyeProvider:
    return make_provider(qiye, tmp_path, sleeps)


def create(provider: NeteaseQiyeProvider, *objects: MailObject) -> None:
    for obj in objects:
        provider.apply(Change(Action.CREATE, "qiye", None, obj))


def objects_of(provider: NeteaseQiyeProvider) -> set[MailObject]:
    return set(provider.read([DOMAIN]).state)


def credentials(tmp_path: Path) -> list[list[str]]:
    file = tmp_path / "credentials.tsv"
    return [line.split("\t") for line in file.read_text().splitlines()] if file.exists() else []


SALES = Department(name="sales", org_domain=DOMAIN, title="销售部")
ZHANGSAN = Mailbox(address=f"zhangsan@{DOMAIN}", name="张三", department="sales")
EXPORT = Department(name="export", org_domain=DOMAIN, title="外贸组", parent="sales", manager=ZHANGSAN.address)
LISI = Mailbox(address=f"lisi@{DOMAIN}", name="李四", department="export")
INFO = Mailbox(address=f"info@{DOMAIN}", name="信息", kind="functional")
ALIAS = Alias(address=f"san.zhang@{DOMAIN}", targets=(ZHANGSAN.address,))
DESIRED = (EXPORT, SALES, ZHANGSAN, LISI, INFO, ALIAS)  # the child department before its parent


def test_applied_objects_read_back_equal(provider: NeteaseQiyeProvider, qiye: Harness) -> None:
    create(provider, *DESIRED)

    observed = provider.read([DOMAIN])
    assert set(observed.state) == {*DESIRED, Domain(name=DOMAIN)}
    assert observed.managed == {o.ident for o in DESIRED}
    # the console shows the title, the key rides along; the child sits under its parent
    units = {u["unit_name"]: u for u in qiye.fake.units.values()}
    assert units["外贸组 [export]"]["parent_id"] == units["销售部 [sales]"]["unit_id"]
    assert "manager=zhangsan@example.com" in units["外贸组 [export]"]["unit_desc"]
    assert qiye.fake.accounts["info"]["remark"] == "[mailplan kind=functional]"
    assert qiye.fake.accounts["zhangsan"]["aliases"] == ["san.zhang"]
    assert qiye.fake.violations == []


def test_initial_password_goes_to_the_credentials_file_only(
    provider: NeteaseQiyeProvider, qiye: Harness, tmp_path: Path
) -> None:
    answer = provider.apply(Change(Action.CREATE, "qiye", None, INFO))

    password = qiye.fake.passwords["info"]
    assert credentials(tmp_path) == [[INFO.address, password]]
    assert password not in answer
    assert qiye.fake.accounts["info"]["passchange_req"] == 2  # changed at the first web login, clients wait
    assert (tmp_path / "credentials.tsv").stat().st_mode & 0o077 == 0


def test_freeze_sets_a_password_nobody_sees_and_disables_the_account(
    provider: NeteaseQiyeProvider, qiye: Harness, tmp_path: Path
) -> None:
    box = Mailbox(address=ZHANGSAN.address, name="张三")
    frozen = Mailbox(address=ZHANGSAN.address, name="张三", frozen=True)
    create(provider, box)
    first = qiye.fake.passwords["zhangsan"]

    answer = provider.apply(Change(Action.FREEZE, "qiye", box, frozen))

    account = qiye.fake.accounts["zhangsan"]
    assert account["status"] == 1
    scrambled = qiye.fake.passwords["zhangsan"]
    assert scrambled != first
    assert scrambled not in (tmp_path / "credentials.tsv").read_text() and scrambled not in answer
    assert frozen in objects_of(provider)

    provider.apply(Change(Action.UNFREEZE, "qiye", frozen, box))
    assert account["status"] == 0 and account["passchange_req"] == 2
    rehired = credentials(tmp_path)[-1]
    assert rehired[:2] == [box.address, qiye.fake.passwords["zhangsan"]] and rehired[1] != scrambled
    assert box in objects_of(provider)


def test_a_freeze_or_rehire_cut_short_is_finished_by_the_next_run(
    provider: NeteaseQiyeProvider, qiye: Harness, tmp_path: Path
) -> None:
    box = Mailbox(address=ZHANGSAN.address, name="张三")
    frozen = Mailbox(address=ZHANGSAN.address, name="张三", frozen=True)
    create(provider, box)
    first = qiye.fake.passwords["zhangsan"]
    qiye.fake.refusing["account/suspendAccount"] = "PERMISSION_NOT_REGISTER"

    with pytest.raises(ProviderError, match="ask NetEase to grant it"):
        provider.apply(Change(Action.FREEZE, "qiye", box, frozen))

    # the password is already one nobody knows; the account still reads as not frozen, so the plan repeats it
    assert qiye.fake.passwords["zhangsan"] != first and box in objects_of(provider)
    del qiye.fake.refusing["account/suspendAccount"]
    provider.apply(Change(Action.FREEZE, "qiye", box, frozen))
    assert frozen in objects_of(provider)

    qiye.fake.refusing["account/recoverAccount"] = "PERMISSION_NOT_REGISTER"
    with pytest.raises(ProviderError):
        provider.apply(Change(Action.UNFREEZE, "qiye", frozen, box))
    assert frozen in objects_of(provider)  # still shut: the rehire shows again in the next plan
    del qiye.fake.refusing["account/recoverAccount"]
    provider.apply(Change(Action.UNFREEZE, "qiye", frozen, box))
    assert box in objects_of(provider)
    assert credentials(tmp_path)[-1][:2] == [box.address, qiye.fake.passwords["zhangsan"]]  # the latest works


def test_someone_who_left_before_mailplan_is_created_frozen_with_no_password_recorded(
    provider: NeteaseQiyeProvider, qiye: Harness, tmp_path: Path
) -> None:
    left = Mailbox(address=LISI.address, name="李四", frozen=True)
    create(provider, left)
    assert qiye.fake.accounts["lisi"]["status"] == 1
    assert credentials(tmp_path) == []
    assert left in objects_of(provider)


def test_a_mailbox_goes_only_as_a_soft_delete(provider: NeteaseQiyeProvider, qiye: Harness) -> None:
    frozen = Mailbox(address=ZHANGSAN.address, name="张三", frozen=True)
    create(provider, frozen)

    answer = provider.apply(Change(Action.REMOVE, "qiye", frozen, None))

    assert qiye.fake.accounts["zhangsan"]["status"] == 2  # deleteAccountSim: NetEase can still restore it
    assert "recoverable" in answer
    assert objects_of(provider) == {Domain(name=DOMAIN)}
    assert qiye.fake.count("POST /qiyeservice/api/account/deleteAccount") == 0


def test_updates_rename_move_and_retype_a_mailbox(provider: NeteaseQiyeProvider, qiye: Harness) -> None:
    create(provider, SALES, EXPORT, ZHANGSAN)
    qiye.fake.accounts["zhangsan"]["remark"] = "工号 42 [mailplan]"
    moved = Mailbox(address=ZHANGSAN.address, name="张三丰", kind="functional", department="export")

    provider.apply(Change(Action.UPDATE, "qiye", ZHANGSAN, moved))

    assert moved in objects_of(provider)
    assert qiye.fake.accounts["zhangsan"]["remark"] == "工号 42 [mailplan kind=functional]"
    back = Mailbox(address=ZHANGSAN.address, name="张三丰")
    provider.apply(Change(Action.UPDATE, "qiye", moved, back))
    assert back in objects_of(provider)
    assert qiye.fake.accounts["zhangsan"]["unit_id"] == qiye.fake.default_unit


def test_departments_are_renamed_given_a_manager_and_deleted(provider: NeteaseQiyeProvider, qiye: Harness) -> None:
    create(provider, SALES, ZHANGSAN)
    renamed = Department(name="sales", org_domain=DOMAIN, title="销售中心", manager=ZHANGSAN.address)
    provider.apply(Change(Action.UPDATE, "qiye", SALES, renamed))
    assert renamed in objects_of(provider)

    provider.apply(Change(Action.UPDATE, "qiye", ZHANGSAN, Mailbox(ZHANGSAN.address, "张三")))
    provider.apply(Change(Action.REMOVE, "qiye", renamed, None))
    assert qiye.fake.units == {}


def test_moving_a_department_is_a_console_step(provider: NeteaseQiyeProvider) -> None:
    create(provider, SALES, Department(name="export", org_domain=DOMAIN, title="外贸组"))
    provider.read([DOMAIN])
    top, under_sales = Department("export", DOMAIN, "外贸组"), Department("export", DOMAIN, "外贸组", parent="sales")
    move = Change(Action.UPDATE, "qiye", top, under_sales)

    planned = capabilities.as_planned(provider, move)

    assert planned.action is Action.MANUAL
    assert "部门" in planned.instructions and "under sales" in planned.instructions
    with pytest.raises(ProviderError, match="cannot move"):
        provider.apply(move)


def test_alias_moves_and_goes_away(provider: NeteaseQiyeProvider, qiye: Harness) -> None:
    create(provider, SALES, EXPORT, ZHANGSAN, LISI, ALIAS)
    moved = Alias(address=ALIAS.address, targets=(LISI.address,))

    provider.apply(Change(Action.UPDATE, "qiye", ALIAS, moved))
    assert qiye.fake.alias_owner("san.zhang") == "lisi"
    assert moved in objects_of(provider)

    provider.apply(Change(Action.REMOVE, "qiye", moved, None))
    assert qiye.fake.alias_owner("san.zhang") is None


def test_create_adopts_an_existing_account(provider: NeteaseQiyeProvider, qiye: Harness, tmp_path: Path) -> None:
    qiye.fake.add_account("zhangsan", "旧名字", remark="工号 42")
    box = Mailbox(address=ZHANGSAN.address, name="张三")

    create(provider, box)

    assert box in objects_of(provider) and box.ident in provider.read([DOMAIN]).managed
    assert qiye.fake.accounts["zhangsan"]["remark"] == "工号 42 [mailplan]"  # what was there is kept
    assert credentials(tmp_path) == []  # no password was set, none is recorded


def test_a_name_held_by_a_deleted_account_is_refused_with_the_way_out(
    provider: NeteaseQiyeProvider, qiye: Harness
) -> None:
    qiye.fake.add_account("zhangsan", "张三", status=2, remark="[mailplan]")
    with pytest.raises(ProviderError, match="deleted a short while ago") as caught:
        create(provider, Mailbox(address=ZHANGSAN.address, name="张三"))
    assert "nothing was changed" in str(caught.value)
    assert qiye.fake.accounts["zhangsan"]["status"] == 2


def test_a_service_that_keeps_no_remark_is_said_and_nothing_is_managed(
    provider: NeteaseQiyeProvider, qiye: Harness
) -> None:
    qiye.fake.keeps_remark = False  # should NetEase not keep the remark mailplan marks accounts with
    with pytest.warns(Note, match="does not carry the remark"):
        create(provider, Mailbox(address=ZHANGSAN.address, name="张三"))
    observed = provider.read([DOMAIN])
    assert Mailbox(address=ZHANGSAN.address, name="张三") in set(observed.state)
    assert observed.managed == frozenset()  # nothing mailplan cannot recognise is ever removed by it


def test_accounts_nobody_marked_are_read_but_not_managed(provider: NeteaseQiyeProvider, qiye: Harness) -> None:
    qiye.fake.add_account("boss", "老板", aliases=["ceo"])
    observed = provider.read([DOMAIN])
    boss = Mailbox(address=f"boss@{DOMAIN}", name="老板")
    assert set(observed.state) == {boss, Alias(address=f"ceo@{DOMAIN}", targets=(boss.address,)), Domain(DOMAIN)}
    assert observed.managed == frozenset()


def test_a_wrong_key_is_refused_by_netease_and_named_without_the_key(
    qiye: Harness, tmp_path: Path, sleeps: list[float]
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    provider = make_provider(qiye, tmp_path, sleeps, private_key=pem)

    with pytest.raises(ProviderError) as caught:
        provider.read([DOMAIN])

    message = str(caught.value)
    assert "AUTH_FAILURE" in message and "private_key" in message
    assert pem.splitlines()[1] not in message
    assert qiye.fake.requests == [] and sleeps == []  # refused, and not sent again


def test_a_clock_far_off_is_refused_and_the_message_says_so(
    provider: NeteaseQiyeProvider, qiye: Harness, sleeps: list[float]
) -> None:
    qiye.fake.now = lambda: 0.0  # the service's clock and ours are decades apart
    with pytest.raises(ProviderError, match="clock"):
        provider.read([DOMAIN])
    assert qiye.fake.requests == []


def test_every_attempt_is_signed_afresh(provider: NeteaseQiyeProvider, qiye: Harness, tmp_path: Path) -> None:
    provider.http.policy = RetryPolicy(timeout=0.3)
    qiye.fake.slow_next(1, 1.0)  # carried out, answered after the client gave up: the create is sent again

    create(provider, INFO)

    sent = [r for r in qiye.fake.requests if r.get("account_name") == "info" and "password" in r]
    assert len(sent) == 2 and sent[0]["time"] != sent[1]["time"] and sent[0]["sign"] != sent[1]["sign"]
    # the first attempt made the account with this very password: it is recorded, with a note saying so
    assert credentials(tmp_path) == [[INFO.address, qiye.fake.passwords["info"], f"# {RESENT_NOTE}"]]
    assert INFO in objects_of(provider)


def test_rate_limits_and_server_errors_are_backed_off(
    provider: NeteaseQiyeProvider, qiye: Harness, sleeps: list[float]
) -> None:
    qiye.fake.rate_limit_next(3)  # HTTP 200, suc false, REQUEST_FREQUENCY_TOO_HIGH
    provider.read([DOMAIN])
    assert sleeps == [2.0, 4.0, 8.0]  # NETEASE_POLICY: backed off as from a per-minute limit

    sleeps.clear()
    qiye.fake.fail_next(2, 503, retry_after=None)
    create(provider, INFO)
    assert sleeps == [2.0, 4.0]
    assert INFO in objects_of(provider)


def test_a_limit_that_lasts_stops_the_run_with_a_clear_error(
    provider: NeteaseQiyeProvider, qiye: Harness, sleeps: list[float]
) -> None:
    qiye.fake.rate_limit_next(50)
    with pytest.raises(ProviderError) as caught:
        provider.read([DOMAIN])
    message = str(caught.value)
    assert "gave up after" in message and "REQUEST_FREQUENCY_TOO_HIGH" in message
    assert "run again in a few minutes" in message
    attempts = int(message.split("gave up after ")[1].split()[0])
    assert len(sleeps) == attempts - 1 and sum(sleeps) <= NETEASE_POLICY.max_total  # waited as a minute's limit


def test_writes_wait_for_a_just_created_account_to_appear(
    provider: NeteaseQiyeProvider, qiye: Harness, sleeps: list[float]
) -> None:
    qiye.fake.lag(2)
    frozen_info = Mailbox(address=INFO.address, name=INFO.name, kind="functional", frozen=True)
    hello = Alias(address=f"hello@{DOMAIN}", targets=(INFO.address,))
    create(provider, frozen_info, hello)

    assert sleeps  # it did have to wait
    assert {frozen_info, hello} <= objects_of(provider)


def test_what_netease_cannot_hold_is_refused_before_any_write(provider: NeteaseQiyeProvider, qiye: Harness) -> None:
    create(provider, Mailbox(address=ZHANGSAN.address, name="张三"))
    before = (dict(qiye.fake.accounts), dict(qiye.fake.units))
    sent = qiye.fake.total()
    refused = [
        Mailbox(address=f"big@{DOMAIN}", name="大", quota_mb=2048),
        Mailbox(address="someone@example.net", name="别的域"),
        Alias(address=f"team@{DOMAIN}", targets=(ZHANGSAN.address, f"lisi@{DOMAIN}")),
        Group(address=f"g@{DOMAIN}", name="g", members=(ZHANGSAN.address,)),
    ]
    for obj in refused:
        with pytest.raises(NotSupported):
            provider.apply(Change(Action.CREATE, "qiye", None, obj))
    assert (qiye.fake.accounts, qiye.fake.units) == before and qiye.fake.total() == sent


def test_mail_lists_are_console_steps_with_the_real_addresses(provider: NeteaseQiyeProvider) -> None:
    group = Group(
        address=f"sales@{DOMAIN}", name="销售", members=(ZHANGSAN.address,), post_policy="senders",
        senders=(INFO.address,),
    )  # fmt: skip
    planned = capabilities.as_planned(provider, Change(Action.CREATE, "qiye", None, group))
    assert planned.action is Action.MANUAL
    steps = planned.instructions
    assert "邮箱与邮件 › 邮件列表" in steps and "使用范围" in steps
    assert group.address in steps and ZHANGSAN.address in steps and INFO.address in steps


def test_the_password_policy_is_a_console_step(provider: NeteaseQiyeProvider) -> None:
    change = Change(Action.MANUAL, "qiye", None, Policy(scope=DOMAIN, password_min_length=14, password_max_age_days=90))
    steps = provider.manual_instructions(change)
    assert "密码规则管理" in steps and "14" in steps and "90 days" in steps


def test_the_archive_account_is_named_through_the_api_and_the_rest_is_a_step(
    provider: NeteaseQiyeProvider, qiye: Harness
) -> None:
    archive_box = Mailbox(address=f"archive@{DOMAIN}", name="归档", kind="functional")
    rule = ArchiveRule(scope=DOMAIN, copy_to=archive_box.address, retention_days=1825)
    # while the archive account does not exist, the whole archive is a person's step
    provider.read([DOMAIN])
    assert capabilities.as_planned(provider, Change(Action.CREATE, "qiye", None, rule)).action is Action.MANUAL

    create(provider, archive_box)
    provider.read([DOMAIN])
    planned = capabilities.as_planned(provider, Change(Action.CREATE, "qiye", None, rule))
    assert planned.action is Action.CREATE and "增值服务 › 邮件归档" in planned.instructions

    provider.apply(planned)
    assert qiye.fake.archive_account == "archive"
    observed = provider.read([DOMAIN])
    assert rule in set(observed.state) and rule.ident in observed.managed

    provider.apply(Change(Action.REMOVE, "qiye", rule, None))
    assert rule not in objects_of(provider) and archive_box in objects_of(provider)


def test_list_items_without_status_are_looked_up_once_each(provider: NeteaseQiyeProvider, qiye: Harness) -> None:
    create(provider, SALES, ZHANGSAN, Mailbox(address=LISI.address, name="李四", frozen=True))
    qiye.fake.list_fields = LISTED_FIELDS  # what the public clients show a list item carries
    qiye.fake.calls.clear()

    assert {ZHANGSAN, Mailbox(address=LISI.address, name="李四", frozen=True)} <= objects_of(provider)
    assert qiye.fake.count("POST /qiyeservice/api/account/getAccount") == 2


def test_pages_are_followed_until_the_count_whatever_their_size(provider: NeteaseQiyeProvider, qiye: Harness) -> None:
    qiye.fake.page_size = 3  # should NetEase's pages be smaller than the 2000 a client counts on
    for n in range(7):
        qiye.fake.add_account(f"user{n}", f"员工{n}")
    assert len([o for o in objects_of(provider) if isinstance(o, Mailbox)]) == 7
    assert qiye.fake.count("POST /qiyeservice/api/unit/getAccountList") == 3


def test_keys_in_netease_formats_and_endpoints_limited_to_its_hosts(
    qiye: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pem = make_provider(qiye, tmp_path, [], private_key=private_key_pem())
    assert Domain(DOMAIN) in set(pem.read([DOMAIN]).state)
    with pytest.raises(ProviderError, match="not an RSA private key") as caught:
        make_provider(qiye, tmp_path, [], private_key="not-a-key-at-all")
    assert "not-a-key-at-all" not in str(caught.value)

    model = NeteaseQiyeProvider.SETTINGS_MODEL
    assert model is not None
    base = {"domain": DOMAIN, "product": "example_com", "private_key": "env:KEY"}
    assert model.model_validate({**base, "region": "east"}).base_url == "https://apihz.qiye.163.com/qiyeservice/api/"
    for wrong, says in (
        ({}, "region"),
        ({"region": "north", "api_url": "https://apibj.qiye.163.com/qiyeservice/api"}, "one of them"),
        ({"region": "north", "app_id": "qy2022", "auth_code": "x", "org_open_id": "y"}, "open platform"),
    ):
        with pytest.raises(ValueError, match=says):
            model.model_validate({**base, **wrong})
    # an API URL the file names must be one of NetEase's hosts, unless the environment allows another
    monkeypatch.delenv("MAILPLAN_ALLOW_ENDPOINTS", raising=False)
    with pytest.raises(ProviderError, match="not one of the documented hosts"):
        make_provider(qiye, tmp_path, [], api_url="https://evil.example/qiyeservice/api")


def test_a_no_change_plan_of_ten_thousand_people_costs_one_list_call_per_2000_and_one_alias_read_each(
    qiye: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = []
    for n in range(9_999):
        qiye.fake.add_account(f"user{n:05d}", f"员工{n}")
        people.append({"name": f"员工{n}", "address": f"user{n:05d}"})
    qiye.fake.add_account("leaver", "离职员工", status=1, remark="[mailplan]")  # the 10,000th: left
    people.append({"name": "离职员工", "address": "leaver", "left_on": "2026-03-31"})
    qiye.fake.add_account("gone", "已删除", status=2)  # deleted: not read
    qiye.fake.quotas.clear()  # the limit the fake assumes is waited out elsewhere (test_waits); here calls count
    # the company's config, as an import writes it (the import itself is tested on a small tenant: each
    # read of this one costs 10,000 alias calls)
    monkeypatch.setenv("MAILPLAN_TODAY", "2026-06-01")
    monkeypatch.setenv("QIYE_KEY", qiye.settings["private_key"])
    config = {
        "version": 1,
        "organization": {"name": "示例贸易", "primary_domain": DOMAIN},
        "providers": {"mail": {"type": "netease-qiye", **qiye.settings, "private_key": "env:QIYE_KEY"}},
        "domains": {DOMAIN: {"mail": "mail"}},
        "people": people,
    }
    (tmp_path / "mailplan.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")

    code, out, err = cli(tmp_path, "plan", "mailplan.yaml", "--format", "json")

    assert code == 0, out + err
    # nothing to change; what is left is the console step for the password policy
    assert [(c["action"], c["kind"]) for c in json.loads(out)["changes"]] == [("manual", "policy")]
    pages = math.ceil(10_001 / 2000)
    assert qiye.fake.count("POST /qiyeservice/api/unit/getAccountList") == pages
    # no list answer carries aliases: one alias read per account (not for the deleted one)
    assert qiye.fake.count("POST /qiyeservice/api/account/getAccountAliasList") == 10_000
    # plus getDomain and getUnitList; no other call per account
    assert qiye.fake.total() == pages + 10_000 + 2
