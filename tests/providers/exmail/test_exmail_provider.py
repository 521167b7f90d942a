"""The Tencent Exmail provider against the loopback fake of the cgi-bin API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.exmail import Harness, harness
from importer.tenant_plan import import_then_plan
from mailplan.model.change import Action, Change
from mailplan.model.objects import Alias, Department, Domain, Forwarding, Group, Mailbox, MailObject, Policy
from mailplan.providers.base import CredentialSink, NotSupported, ProviderContext, ProviderError
from mailplan.providers.mail.exmail.client import ExmailError
from mailplan.providers.mail.exmail.provider import TencentExmailProvider

DOMAIN = "example.com"
IDN = "xn--fsqu00a.xn--fiqs8s"  # 例子.中国


@pytest.fixture
def company() -> Iterator[Harness]:
    with harness((DOMAIN, IDN)) as h:
        yield h


@pytest.fixture
def sleeps() -> list[float]:
    return []


def make_provider(company: Harness, tmp_path: Path, sleeps: list[float], **overrides: object) -> TencentExmailProvider:
    context = ProviderContext(base_dir=tmp_path, credentials=CredentialSink(tmp_path / "credentials.tsv"))
    provider = TencentExmailProvider("exmail", {**company.settings, **overrides}, context)
    provider.http.sleep = company.fake.waits(sleeps)  # waits are recorded, not slept: the fake's clock moves on
    provider.sleep = company.fake.waits(sleeps)
    return provider


@pytest.fixture
def provider(company: Harness, tmp_path: Path, sleeps: list[float]) -> TencentExmailProvider:
    return make_provider(company, tmp_path, sleeps)


def create(provider: TencentExmailProvider, *objects: MailObject) -> None:
    for obj in objects:
        provider.apply(Change(Action.CREATE, "exmail", None, obj))
    provider.finish()  # as apply does at the end of a run: the batched tag calls


def tenant(company: Harness) -> str:
    fake = company.fake
    return json.dumps([fake.users, fake.groups, fake.departments, fake.tags], sort_keys=True, default=str)


def objects_of(provider: TencentExmailProvider) -> set[MailObject]:
    return set(provider.read([DOMAIN, IDN]).state)


SALES = Department(name="sales", org_domain=DOMAIN, title="销售部")
EXPORT = Department(name="export", org_domain=DOMAIN, title="外贸组", parent="sales", manager=f"zhangsan@{DOMAIN}")
ZHANGSAN = Mailbox(address=f"zhangsan@{DOMAIN}", name="张三", department="sales")
LISI = Mailbox(address=f"lisi@{DOMAIN}", name="李四", department="export")
INFO = Mailbox(address=f"info@{IDN}", name="信息", kind="functional")
ALIAS = Alias(address=f"san.zhang@{DOMAIN}", targets=(ZHANGSAN.address,))
TEAM = Group(
    address=f"sales-team@{DOMAIN}",
    name="销售团队",
    members=(LISI.address, ZHANGSAN.address),
    post_policy="senders",
    senders=(INFO.address,),
)
DESIRED = (SALES, EXPORT, ZHANGSAN, LISI, INFO, ALIAS, TEAM)


def test_applied_objects_read_back_equal(provider: TencentExmailProvider, company: Harness, tmp_path: Path) -> None:
    create(provider, *DESIRED)

    observed = provider.read([DOMAIN, IDN])
    assert set(observed.state) == {*DESIRED, Domain(name=DOMAIN), Domain(name=IDN)}
    # everything mailplan created is marked as its own; groups carry no mark
    assert observed.managed == {o.ident for o in DESIRED if o.KIND != "group"}
    # the console shows the title, the key rides along in brackets
    names = {d["name"] for d in company.fake.departments.values()}
    assert {"销售部 [sales]", "外贸组 [export]"} <= names


def test_initial_passwords_go_to_the_credentials_file_only(
    provider: TencentExmailProvider, company: Harness, tmp_path: Path
) -> None:
    answer = provider.apply(Change(Action.CREATE, "exmail", None, INFO))

    lines = (tmp_path / "credentials.tsv").read_text().splitlines()
    assert lines == [f"{INFO.address}\t{company.fake.passwords[INFO.address]}"]
    assert company.fake.passwords[INFO.address] not in answer
    assert company.fake.users[INFO.address]["cpwd_login"] == 1
    assert (tmp_path / "credentials.tsv").stat().st_mode & 0o077 == 0


def client_access(company: Harness, address: str) -> tuple[str, str]:
    """(IMAP/SMTP, POP/SMTP) of a member as the fake holds them: "1" on, "0" off."""
    options = company.fake.options[address]
    return options[2], options[3]


def test_freeze_disables_login_and_client_access_and_unfreeze_restores_them(
    provider: TencentExmailProvider, company: Harness, tmp_path: Path
) -> None:
    create(provider, Mailbox(address=ZHANGSAN.address, name="张三"))
    box = Mailbox(address=ZHANGSAN.address, name="张三")
    frozen = Mailbox(address=ZHANGSAN.address, name="张三", frozen=True)
    assert client_access(company, box.address) == ("1", "1")
    initial = company.fake.passwords[box.address]

    answer = provider.apply(Change(Action.FREEZE, "exmail", box, frozen))
    assert company.fake.users[box.address]["enable"] == 0
    assert client_access(company, box.address) == ("0", "0")
    # the README's promise: the password reset to a random one nobody sees (a later re-enable by hand
    # does not bring the old credentials back)
    scrambled = company.fake.passwords[box.address]
    assert scrambled != initial and scrambled not in (tmp_path / "credentials.tsv").read_text()
    assert "IMAP/SMTP and POP/SMTP off" in answer and "password replaced" in answer
    assert frozen in objects_of(provider)

    provider.apply(Change(Action.UNFREEZE, "exmail", frozen, box))
    assert company.fake.users[box.address]["enable"] == 1
    assert client_access(company, box.address) == ("1", "1")
    assert box in objects_of(provider)
    # back with a new initial password, in the credentials file only, to be changed at the first login
    again = company.fake.passwords[box.address]
    assert again not in (initial, scrambled) and company.fake.users[box.address]["cpwd_login"] == 1
    assert f"{box.address}\t{again}" in (tmp_path / "credentials.tsv").read_text()


def test_unfreeze_turns_on_only_what_the_freeze_turned_off(provider: TencentExmailProvider, company: Harness) -> None:
    box = Mailbox(address=ZHANGSAN.address, name="张三")
    frozen = Mailbox(address=ZHANGSAN.address, name="张三", frozen=True)
    create(provider, box)
    company.fake.options[box.address][3] = "0"  # the admin had turned POP off for this member

    provider.apply(Change(Action.FREEZE, "exmail", box, frozen))
    provider.apply(Change(Action.UNFREEZE, "exmail", frozen, box))

    assert client_access(company, box.address) == ("1", "0")
    # and a second departure starts from a clean slate
    provider.apply(Change(Action.FREEZE, "exmail", box, frozen))
    provider.apply(Change(Action.UNFREEZE, "exmail", frozen, box))
    assert client_access(company, box.address) == ("1", "0")


def test_a_mailbox_created_frozen_has_no_client_access(provider: TencentExmailProvider, company: Harness) -> None:
    left = Mailbox(address=LISI.address, name="李四", frozen=True)
    create(provider, left)
    assert company.fake.users[left.address]["enable"] == 0
    assert client_access(company, left.address) == ("0", "0")
    assert left in objects_of(provider)


def test_a_freeze_whose_client_access_is_already_off_writes_no_option(
    provider: TencentExmailProvider, company: Harness
) -> None:
    box = Mailbox(address=ZHANGSAN.address, name="张三")
    create(provider, box)
    company.fake.options[box.address].update({2: "0", 3: "0"})

    answer = provider.apply(Change(Action.FREEZE, "exmail", box, Mailbox(box.address, box.name, frozen=True)))

    assert "already off" in answer
    assert company.fake.count("POST /cgi-bin/useroption/update") == 0
    assert company.fake.users[box.address]["enable"] == 0


def test_without_the_function_settings_secret_a_freeze_is_refused_before_any_write(
    company: Harness, tmp_path: Path, sleeps: list[float]
) -> None:
    provider = make_provider(company, tmp_path, sleeps, function_secret=None)
    box = Mailbox(address=ZHANGSAN.address, name="张三")
    create(provider, box)
    before = tenant(company)

    for change in (
        Change(Action.FREEZE, "exmail", box, Mailbox(box.address, box.name, frozen=True)),
        Change(Action.CREATE, "exmail", None, Mailbox(LISI.address, LISI.name, frozen=True)),
    ):
        with pytest.raises(ProviderError, match="function_secret") as caught:
            provider.apply(change)
        assert "nothing was changed" in str(caught.value)
    assert tenant(company) == before
    assert company.fake.options[box.address] == {1: "0", 2: "1", 3: "1", 4: "0"}


def test_user_options_take_the_function_settings_token_and_the_documented_values(
    provider: TencentExmailProvider, company: Harness
) -> None:
    create(provider, Mailbox(address=ZHANGSAN.address, name="张三"))
    assert provider.options is not None
    userid = ZHANGSAN.address

    answer = provider.options.post("useroption/get", {"userid": userid, "type": [1, 2, 3, 4]})
    assert answer["option"] == [{"type": t, "value": v} for t, v in ((1, "0"), (2, "1"), (3, "1"), (4, "0"))]
    # the contacts app's token does not reach the function settings, nor the other way round
    with pytest.raises(ExmailError, match="errcode 48002"):
        provider.client.post("useroption/get", {"userid": userid, "type": [2]})
    with pytest.raises(ExmailError, match="errcode 48002"):
        provider.options.get("user/get", userid=userid)
    refused = [
        {"userid": userid, "option": [{"type": 4, "value": "1"}]},  # 4 can be read, not set
        {"userid": userid, "option": [{"type": 2, "value": 0}]},  # values are strings
        {"userid": userid, "option": []},
        {"userid": f"nobody@{DOMAIN}", "option": [{"type": 2, "value": "0"}]},
    ]
    codes = []
    for body in refused:
        with pytest.raises(ExmailError) as caught:
            provider.options.post("useroption/update", body)
        codes.append(caught.value.errcode)
    assert codes == [40058, 40058, 40058, 60111]
    assert client_access(company, userid) == ("1", "1")


def test_updates_rename_move_and_retype_a_mailbox(provider: TencentExmailProvider) -> None:
    create(provider, SALES, EXPORT, ZHANGSAN)
    moved = Mailbox(address=ZHANGSAN.address, name="张三丰", kind="functional", department="export")

    provider.apply(Change(Action.UPDATE, "exmail", ZHANGSAN, moved))

    assert moved in objects_of(provider)
    back = Mailbox(address=ZHANGSAN.address, name="张三丰", department=None)
    provider.apply(Change(Action.UPDATE, "exmail", moved, back))
    assert back in objects_of(provider)


def test_alias_moves_between_users_and_goes_away(provider: TencentExmailProvider, company: Harness) -> None:
    create(provider, SALES, EXPORT, ZHANGSAN, LISI, ALIAS)
    moved = Alias(address=ALIAS.address, targets=(LISI.address,))

    provider.apply(Change(Action.UPDATE, "exmail", ALIAS, moved))
    assert company.fake.users[LISI.address]["slaves"] == [ALIAS.address]
    assert company.fake.users[ZHANGSAN.address]["slaves"] == []
    assert moved in objects_of(provider)

    provider.apply(Change(Action.REMOVE, "exmail", moved, None))
    assert not any(isinstance(o, Alias) for o in objects_of(provider))


def test_group_policy_and_members_change(provider: TencentExmailProvider, company: Harness) -> None:
    create(provider, SALES, EXPORT, ZHANGSAN, LISI, INFO, TEAM)
    inner = Group(address=f"all@{DOMAIN}", name="全员", members=(INFO.address, TEAM.address), post_policy="members")
    create(provider, inner)
    assert company.fake.groups[inner.address]["grouplist"] == [TEAM.address]
    assert company.fake.groups[inner.address]["allow_type"] == 2

    changed = Group(address=TEAM.address, name="销售", members=(ZHANGSAN.address,), post_policy="organization")
    provider.apply(Change(Action.UPDATE, "exmail", TEAM, changed))
    assert company.fake.groups[TEAM.address]["allow_type"] == 0
    assert {changed, inner} <= objects_of(provider)


def test_removals_delete_on_the_service(provider: TencentExmailProvider, company: Harness) -> None:
    create(provider, SALES, ZHANGSAN, Group(address=TEAM.address, name="t", members=(ZHANGSAN.address,)))
    group = next(o for o in objects_of(provider) if isinstance(o, Group))

    provider.apply(Change(Action.REMOVE, "exmail", group, None))
    provider.apply(Change(Action.REMOVE, "exmail", ZHANGSAN, None))
    provider.apply(Change(Action.REMOVE, "exmail", SALES, None))

    assert company.fake.groups == {} and company.fake.users == {}
    assert objects_of(provider) == {Domain(name=DOMAIN), Domain(name=IDN)}


def test_create_adopts_what_is_already_there(provider: TencentExmailProvider, company: Harness, tmp_path: Path) -> None:
    company.fake.add_user(ZHANGSAN.address, "旧名字")
    company.fake.departments[99] = {"id": 99, "name": "销售部 [sales]", "parentid": 1, "order": 0}

    create(provider, SALES, ZHANGSAN)

    assert ZHANGSAN in objects_of(provider)
    assert provider.read([DOMAIN]).managed >= {ZHANGSAN.ident, SALES.ident}
    assert not (tmp_path / "credentials.tsv").exists()  # no password was set, none is recorded
    assert len([d for d in company.fake.departments.values() if d["name"] == "销售部 [sales]"]) == 1


def test_objects_nobody_created_are_read_but_not_managed(provider: TencentExmailProvider, company: Harness) -> None:
    company.fake.add_user(f"boss@{DOMAIN}", "老板", slaves=[f"ceo@{DOMAIN}"])
    company.fake.add_user("someone@elsewhere.example", "外人")  # a domain outside the scope

    observed = provider.read([DOMAIN])

    boss = Mailbox(address=f"boss@{DOMAIN}", name="老板")
    assert set(observed.state) == {boss, Alias(address=f"ceo@{DOMAIN}", targets=(boss.address,)), Domain(DOMAIN)}
    assert observed.managed == frozenset()


def test_a_domain_the_company_does_not_hold_is_not_reported(provider: TencentExmailProvider) -> None:
    assert {o for o in provider.read([DOMAIN, "not-ours.example"]).state} == {Domain(name=DOMAIN)}


def test_expired_token_is_fetched_again_and_the_call_retried(provider: TencentExmailProvider, company: Harness) -> None:
    provider.read([DOMAIN])
    company.fake.expire_tokens()

    provider.read([DOMAIN])

    # both apps' tokens on the first read (the function app's is checked at plan time); the contacts
    # app's again once it expired
    assert company.fake.count("GET /cgi-bin/gettoken") == 3


def test_wrong_secret_is_reported_without_the_secret(company: Harness, tmp_path: Path, sleeps: list[float]) -> None:
    provider = make_provider(company, tmp_path, sleeps, corp_secret="wrong-secret-value")
    with pytest.raises(ProviderError) as caught:
        provider.read([DOMAIN])
    assert "corp_secret" in str(caught.value)
    assert "wrong-secret-value" not in str(caught.value)
    # the function app's token (fine) and the contacts app's, refused once: a bad secret is not retried
    assert company.fake.count("GET /cgi-bin/gettoken") == 2


def test_frequency_limits_are_backed_off(
    provider: TencentExmailProvider, company: Harness, sleeps: list[float]
) -> None:
    company.fake.rate_limit_next(3)  # HTTP 200 with errcode 45009, no Retry-After: Exmail's answer
    provider.read([DOMAIN])
    assert sleeps == [2.0, 4.0, 8.0]  # backed off, doubling

    sleeps.clear()
    company.fake.busy_next(2)  # errcode -1, system busy
    create(provider, INFO)
    assert sleeps == [2.0, 4.0]
    assert INFO in objects_of(provider)


def test_a_frequency_limit_that_lasts_stops_the_run_with_a_clear_error(
    provider: TencentExmailProvider, company: Harness, sleeps: list[float]
) -> None:
    provider.read([DOMAIN])  # holds a token now
    token = next(iter(company.fake.tokens))
    company.fake.rate_limit_next(50)

    with pytest.raises(ProviderError) as caught:
        provider.read([DOMAIN])

    message = str(caught.value)
    assert "gave up after 8 attempts" in message and "errcode 45009" in message and "frequency limit" in message
    assert token not in message and company.fake.corp_secret not in message
    # the per-minute limit was waited out for more than a minute (the documented window) before giving up
    assert sleeps == [2.0, 4.0, 8.0, 16.0, 32.0, 32.0, 32.0] and sum(sleeps) > 60


def test_writes_wait_for_a_just_created_object_to_appear(
    provider: TencentExmailProvider, company: Harness, sleeps: list[float]
) -> None:
    company.fake.lag(2)
    frozen_info = Mailbox(address=INFO.address, name=INFO.name, kind="functional", frozen=True)
    create(provider, frozen_info, Alias(address=f"hello@{IDN}", targets=(INFO.address,)))

    assert sleeps  # it did have to wait
    assert {frozen_info, Alias(address=f"hello@{IDN}", targets=(INFO.address,))} <= objects_of(provider)
    assert frozen_info.ident in provider.read([IDN]).managed


def test_what_exmail_cannot_hold_is_refused_before_any_write(provider: TencentExmailProvider, company: Harness) -> None:
    create(provider, Mailbox(address=ZHANGSAN.address, name="张三"))
    before = tenant(company)
    refused = [
        Mailbox(address=f"big@{DOMAIN}", name="大", quota_mb=2048),
        Group(address=f"g@{DOMAIN}", name="g", members=(ZHANGSAN.address,), owners=(ZHANGSAN.address,)),
        Alias(address=f"out@{DOMAIN}", targets=("x@elsewhere.example",)),
        Group(address=f"ext@{DOMAIN}", name="ext", members=(ZHANGSAN.address, "x@elsewhere.example")),
        Forwarding(address=ZHANGSAN.address, targets=(f"lisi@{DOMAIN}",)),
    ]
    for obj in refused:
        with pytest.raises(NotSupported):
            provider.apply(Change(Action.CREATE, "exmail", None, obj))
    assert tenant(company) == before  # nothing written


def test_required_secure_login_is_a_console_step_per_member(provider: TencentExmailProvider) -> None:
    change = Change(Action.MANUAL, "exmail", None, Policy(scope=DOMAIN, password_min_length=14, require_2fa=True))
    steps = provider.manual_instructions(change)
    assert "minimum password length to 14" in steps
    assert "成员与群组" in steps and "编辑" in steps and "强制启用安全登录" in steps and DOMAIN in steps
    assert "policy.2fa" in TencentExmailProvider.MANUAL and "policy.2fa" not in TencentExmailProvider.SUPPORTS


def test_forwarding_is_a_manual_step_with_the_real_addresses(provider: TencentExmailProvider) -> None:
    change = Change(Action.MANUAL, "exmail", None, Forwarding(address=ZHANGSAN.address, targets=(LISI.address,)))
    steps = provider.manual_instructions(change)
    assert ZHANGSAN.address in steps and LISI.address in steps
    assert "forwarding" in TencentExmailProvider.MANUAL
    assert "forwarding" not in TencentExmailProvider.SUPPORTS


def test_a_no_change_plan_of_ten_thousand_people_costs_one_user_list_call(
    company: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(10_000):
        company.fake.add_user(f"user{n:05d}@{DOMAIN}", f"员工{n}")
    company.fake.add_user(f"lead@{DOMAIN}", "组长")
    company.fake.add_user(f"leaver@{DOMAIN}", "离职员工", enable=0)
    for n, allow in enumerate((1, 0, 2)):
        company.fake.groups[f"g{n}@{DOMAIN}"] = {
            "groupid": f"g{n}@{DOMAIN}", "groupname": f"g{n}", "userlist": [f"lead@{DOMAIN}"], "grouplist": [],
            "department": [], "allow_type": allow, "allow_userlist": [],
        }  # fmt: skip

    # the tenant imported into a config, and that config planned: the fake counts the plan's calls only
    changes = import_then_plan(tmp_path, company.provider_type, company.settings, (DOMAIN,), company.fake, monkeypatch)

    # nothing to change; what is left is the console step for the password policy Exmail has no API for
    assert [(c["action"], c["kind"]) for c in changes] == [("manual", "policy")]
    assert "leaver" in (tmp_path / "mailplan.yaml").read_text(encoding="utf-8")
    # user/list is not paginated: the whole company in ceil(10002 / unbounded page) = 1 call
    assert company.fake.count("GET /cgi-bin/user/list") == 1
    group_reads = company.fake.count("GET /cgi-bin/group/get")
    assert group_reads == 3
    # token, the function-settings token (checked at plan time, not first on a departure day),
    # departments, users, tags, group search, domain probe + one read per group; no call per member
    assert company.fake.total() == 7 + group_reads


def test_an_alias_with_several_targets_is_a_group_anyone_may_write_to(
    provider: TencentExmailProvider, company: Harness
) -> None:
    create(provider, SALES, EXPORT, ZHANGSAN, LISI)
    hr = Alias(address=f"hr@{DOMAIN}", targets=(LISI.address, ZHANGSAN.address))
    create(provider, hr)
    assert company.fake.groups[hr.address]["allow_type"] == 1
    assert hr in objects_of(provider) and hr.ident in provider.read([DOMAIN]).managed

    single = Alias(address=hr.address, targets=(LISI.address,))
    provider.apply(Change(Action.UPDATE, "exmail", hr, single))
    assert hr.address not in company.fake.groups
    assert company.fake.users[LISI.address]["slaves"] == [hr.address]
    assert single in objects_of(provider)

    provider.apply(Change(Action.UPDATE, "exmail", single, hr))
    provider.apply(Change(Action.REMOVE, "exmail", hr, None))
    assert company.fake.groups == {} and company.fake.users[LISI.address]["slaves"] == []


def test_child_departments_and_managers_may_come_before_what_they_name(
    provider: TencentExmailProvider, company: Harness
) -> None:
    # plans create departments in key order and mailboxes after departments
    create(provider, EXPORT, SALES, ZHANGSAN, LISI)
    assert {EXPORT, SALES} <= objects_of(provider)

    other = Department(name="export", org_domain=DOMAIN, title="外贸组", parent="sales", manager=LISI.address)
    provider.apply(Change(Action.UPDATE, "exmail", EXPORT, other))
    none = Department(name="export", org_domain=DOMAIN, title="外贸组", parent="sales")
    provider.apply(Change(Action.UPDATE, "exmail", other, none))
    assert none in objects_of(provider)
    assert [t["tagname"] for t in company.fake.tags.values()] == ["mailplan"]


def test_an_unreachable_service_is_reported_without_secret_or_token(
    company: Harness, tmp_path: Path, sleeps: list[float]
) -> None:
    provider = make_provider(company, tmp_path, sleeps)
    provider.read([DOMAIN])  # holds a token now
    token = next(iter(company.fake.tokens))
    company.fake.stop()  # the service goes away: connection errors quote the URL, query included
    provider.http.session.close()
    fresh = make_provider(company, tmp_path, sleeps)  # has to fetch a token: the secret is in the URL
    for client in (provider, fresh):
        with pytest.raises(ProviderError) as caught:
            client.read([DOMAIN])
        assert "ConnectionError" in str(caught.value)
        assert company.fake.corp_secret not in str(caught.value) and token not in str(caught.value)


def test_a_thousand_new_mailboxes_join_mailplans_tag_in_one_call(
    provider: TencentExmailProvider, company: Harness, sleeps: list[float]
) -> None:
    people = [Mailbox(address=f"p{n:04d}@{DOMAIN}", name=f"员工{n}") for n in range(1000)]
    company.fake.lag(1)  # each new member unknown to its first lookup: the batch waits, it does not fail
    create(provider, *people)

    # 500 calls a minute per API: past the 500th create Exmail answered 45009 until the minute was over
    creates = "POST /cgi-bin/user/create"
    assert company.fake.refused[creates] > 0 and company.fake.count(creates) - company.fake.refused[creates] == 1000
    assert sum(sleeps) >= 30  # the rest of that minute was waited out, in backoff steps
    # the tag call takes a list: one call for the thousand (and one more after the first saw lag)
    assert company.fake.count("POST /cgi-bin/tag/addtagusers") <= 2
    observed = provider.read([DOMAIN])
    assert {p.ident for p in people} <= observed.managed


def test_a_wrong_function_secret_shows_at_plan_time_by_its_name(
    company: Harness, tmp_path: Path, sleeps: list[float]
) -> None:
    provider = make_provider(company, tmp_path, sleeps, function_secret="not-the-secret")
    with pytest.raises(ProviderError) as caught:
        provider.read([DOMAIN])
    message = str(caught.value)
    assert "check corp_id and function_secret" in message and "corp_secret" not in message
    assert "not-the-secret" not in message
