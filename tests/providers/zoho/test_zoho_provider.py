"""The Zoho Mail provider against the contract fake of the organization API: what Zoho holds after
each change, what a read shows, and what a person is left to do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes.server import Response
from fakes.zoho import Harness, harness
from mailplan.engine import capabilities
from mailplan.model.change import Action, Change
from mailplan.model.objects import AdminRole, Alias, Domain, Forwarding, Group, Mailbox, MailObject
from mailplan.model.state import State
from mailplan.providers.base import CredentialSink, NotSupported, ProviderContext, ProviderError
from mailplan.providers.mail.zoho.provider import ZohoMailProvider

DOMAIN = "example.com"
IDN = "xn--fsqu00a.xn--fiqs8s"  # 例子.中国
ZHANGSAN = Mailbox(address=f"zhangsan@{DOMAIN}", name="张三")
LISI = Mailbox(address=f"lisi@{DOMAIN}", name="李四")
INFO = Mailbox(address=f"info@{IDN}", name="信息咨询")
ZS = Alias(address=f"zs@{DOMAIN}", targets=(ZHANGSAN.address,))
TEAM = Group(address=f"team@{DOMAIN}", name="销售团队", members=(LISI.address, ZHANGSAN.address), post_policy="members")


@pytest.fixture
def org() -> Iterator[Harness]:
    with harness((DOMAIN, IDN)) as h:
        yield h


@pytest.fixture
def sleeps() -> list[float]:
    return []


def make_provider(org: Harness, tmp_path: Path, sleeps: list[float], **overrides: Any) -> ZohoMailProvider:
    context = ProviderContext(base_dir=tmp_path, credentials=CredentialSink(tmp_path / "credentials.txt"))
    provider = ZohoMailProvider("zoho", {**org.settings, **overrides}, context)
    provider.http.sleep = sleeps.append  # waits are recorded, not slept
    provider.sleep = sleeps.append
    return provider


@pytest.fixture
def provider(org: Harness, tmp_path: Path, sleeps: list[float]) -> Iterator[ZohoMailProvider]:
    made = make_provider(org, tmp_path, sleeps)
    yield made
    assert org.fake.violations == []


def apply(provider: ZohoMailProvider, action: Action, before: MailObject | None, after: MailObject | None) -> str:
    return provider.apply(Change(action, "zoho", before, after))


def create(provider: ZohoMailProvider, *objects: MailObject) -> None:
    for obj in objects:
        apply(provider, Action.CREATE, None, obj)


def objects_of(provider: ZohoMailProvider) -> set[MailObject]:
    return set(provider.read([DOMAIN, IDN]).state)


# --- reading and writing the organization -------------------------------------------------------


def test_applied_objects_read_back_equal_and_as_mailplan_s(provider: ZohoMailProvider, org: Harness) -> None:
    sales = Alias(address=f"sales@{DOMAIN}", targets=(LISI.address, ZHANGSAN.address))
    desired = (ZHANGSAN, LISI, INFO, ZS, TEAM, sales, AdminRole(address=LISI.address, level="super"))
    create(provider, *desired)

    observed = provider.read([DOMAIN, IDN])
    assert set(desired) <= set(observed.state)
    assert {o.ident for o in desired} <= observed.managed
    # the organization's super administrator is read, never taken as mailplan's
    admin = Mailbox(address=f"admin@{DOMAIN}", name="Org Admin")
    assert admin in set(observed.state) and admin.ident not in observed.managed
    assert {Domain(name=DOMAIN), Domain(name=IDN)} <= set(observed.state)


def test_new_accounts_get_a_one_time_password_written_only_to_the_credentials_file(
    provider: ZohoMailProvider, org: Harness, tmp_path: Path
) -> None:
    answer = apply(provider, Action.CREATE, None, ZHANGSAN)
    lines = (tmp_path / "credentials.txt").read_text().splitlines()
    assert [line.split("\t")[0] for line in lines] == [ZHANGSAN.address]
    password = lines[0].split("\t")[1]
    assert org.fake.passwords[ZHANGSAN.address] == password and password not in answer
    assert org.fake.account(ZHANGSAN.address)["role"] == "member"


def test_the_freeze_disables_the_account_and_keeps_mail_flowing_to_the_successor(
    provider: ZohoMailProvider, org: Harness
) -> None:
    create(provider, ZHANGSAN, LISI, ZS, TEAM, Forwarding(address=ZHANGSAN.address, targets=(LISI.address,)))
    frozen = Mailbox(address=ZHANGSAN.address, name=ZHANGSAN.name, frozen=True)

    apply(provider, Action.FREEZE, ZHANGSAN, frozen)

    account = org.fake.account(ZHANGSAN.address)
    assert account["mailboxStatus"] == "disabled"
    assert account["incomingBlocked"] is False  # new mail still arrives ...
    assert account["mailForward"] == [{"mailForward": LISI.address, "deleteCopy": False, "status": "enabled"}]
    assert ZS.address in [e["mailId"] for e in account["emailAddress"]]  # ... at the alias too
    members = [m["memberEmailId"] for m in org.fake.group(TEAM.address)["mailGroupMemberList"]]
    assert ZHANGSAN.address in members  # leaving the group is the plan's own step
    assert frozen in objects_of(provider)

    apply(provider, Action.UNFREEZE, frozen, ZHANGSAN)
    assert org.fake.account(ZHANGSAN.address)["mailboxStatus"] == "enabled"


def test_a_freeze_zoho_does_not_show_is_not_reported_done(
    provider: ZohoMailProvider, org: Harness, sleeps: list[float]
) -> None:
    create(provider, ZHANGSAN)
    org.fake.failures.clear()
    real_mode = org.fake._mode_disable_user
    org.fake._mode_disable_user = lambda req, account, body: None  # type: ignore[method-assign]
    try:
        with pytest.raises(ProviderError) as caught:
            apply(provider, Action.FREEZE, ZHANGSAN, Mailbox(address=ZHANGSAN.address, name="张三", frozen=True))
    finally:
        org.fake._mode_disable_user = real_mode  # type: ignore[method-assign]
    assert "did not show" in str(caught.value) and ZHANGSAN.address in str(caught.value)
    assert sum(sleeps) <= 30.0  # waited, within the consistency timeout


def test_rename_waits_until_zoho_shows_the_new_name(
    provider: ZohoMailProvider, org: Harness, sleeps: list[float]
) -> None:
    create(provider, ZHANGSAN)
    org.fake.lag(2)  # the name reads back as it was twice
    renamed = Mailbox(address=ZHANGSAN.address, name="张三丰")

    apply(provider, Action.UPDATE, ZHANGSAN, renamed)

    assert sleeps and org.fake.account(ZHANGSAN.address)["displayName"] == "张三丰"
    assert renamed in objects_of(provider)


def test_writes_wait_for_an_account_created_a_moment_ago(
    provider: ZohoMailProvider, org: Harness, sleeps: list[float]
) -> None:
    org.fake.lag(2)  # a new account stays unseen for two reads
    create(provider, ZHANGSAN, LISI, ZS, TEAM)
    assert sleeps
    assert {ZHANGSAN, LISI, ZS, TEAM} <= objects_of(provider)


def test_a_create_adopts_an_account_or_group_made_in_the_console(
    provider: ZohoMailProvider, org: Harness, tmp_path: Path
) -> None:
    org.fake.add_account(ZHANGSAN.address, "Zhang San")
    org.fake.add_account(LISI.address, "李四")
    org.fake.add_group(TEAM.address, "销售团队", [LISI.address], access="Public")

    assert apply(provider, Action.CREATE, None, ZHANGSAN) == "adopted existing account"
    assert apply(provider, Action.CREATE, None, TEAM) == "adopted existing group"

    assert {ZHANGSAN, TEAM} <= objects_of(provider)
    assert not (tmp_path / "credentials.txt").exists()  # no password was set


def test_the_retention_path_deletes_the_account(provider: ZohoMailProvider, org: Harness) -> None:
    create(provider, ZHANGSAN)
    frozen = Mailbox(address=ZHANGSAN.address, name="张三", frozen=True)
    apply(provider, Action.FREEZE, ZHANGSAN, frozen)

    apply(provider, Action.REMOVE, frozen, None)

    assert all(a["primaryEmailAddress"] != ZHANGSAN.address for a in org.fake.accounts.values())
    assert apply(provider, Action.REMOVE, frozen, None) == "already deleted"


# --- aliases and groups ---------------------------------------------------------------------------


def test_a_single_target_alias_is_an_email_alias_of_the_account_and_moves(
    provider: ZohoMailProvider, org: Harness
) -> None:
    create(provider, ZHANGSAN, LISI, ZS)
    aliases = [e["mailId"] for e in org.fake.account(ZHANGSAN.address)["emailAddress"] if e["isAlias"]]
    assert aliases == [ZS.address]

    moved = Alias(address=ZS.address, targets=(LISI.address,))
    apply(provider, Action.UPDATE, ZS, moved)
    assert [e["mailId"] for e in org.fake.account(LISI.address)["emailAddress"] if e["isAlias"]] == [ZS.address]
    assert moved in objects_of(provider)

    apply(provider, Action.REMOVE, moved, None)
    assert not [e for e in org.fake.account(LISI.address)["emailAddress"] if e["isAlias"]]


def test_an_alias_with_several_targets_is_a_group_anyone_may_write_to(provider: ZohoMailProvider, org: Harness) -> None:
    create(provider, ZHANGSAN, LISI)
    hr = Alias(address=f"hr@{DOMAIN}", targets=(LISI.address, ZHANGSAN.address))
    create(provider, hr)
    group = org.fake.group(hr.address)
    assert group["groupAdminSettings"]["accessType"] == "Public" and "[mailplan alias=1]" in group["description"]
    assert hr in objects_of(provider) and hr.ident in provider.read([DOMAIN]).managed

    single = Alias(address=hr.address, targets=(LISI.address,))
    apply(provider, Action.UPDATE, hr, single)
    assert all(g["emailId"] != hr.address for g in org.fake.groups.values())
    assert single in objects_of(provider)


@pytest.mark.parametrize(
    ("policy", "access", "bounce"),
    [("anyone", "Public", "hold"), ("organization", "Organization", "hold"), ("members", "Group", "reject")],
)
def test_who_may_post_maps_exactly_onto_zoho_access_types(
    provider: ZohoMailProvider, org: Harness, policy: str, access: str, bounce: str
) -> None:
    create(provider, ZHANGSAN, LISI)
    group = Group(address=TEAM.address, name="销售团队", members=TEAM.members, post_policy=policy)  # type: ignore[arg-type]
    create(provider, group)
    settings = org.fake.group(TEAM.address)["groupAdminSettings"]
    # members only: others' mail is bounced, not held for a moderator who might let it through
    assert (settings["accessType"], settings["holdOrBounce"]) == (access, bounce)
    assert group in objects_of(provider)


def test_group_members_and_rule_change_and_the_group_goes(provider: ZohoMailProvider, org: Harness) -> None:
    create(provider, ZHANGSAN, LISI, TEAM)
    changed = Group(address=TEAM.address, name=TEAM.name, members=(ZHANGSAN.address,), post_policy="organization")
    apply(provider, Action.UPDATE, TEAM, changed)
    group = org.fake.group(TEAM.address)
    assert [m["memberEmailId"] for m in group["mailGroupMemberList"]] == [ZHANGSAN.address]
    assert group["groupAdminSettings"]["accessType"] == "Organization"
    assert changed in objects_of(provider)

    apply(provider, Action.REMOVE, changed, None)
    assert org.fake.groups == {}


def test_groups_stricter_than_the_config_language_read_as_senders_nobody_listed(
    provider: ZohoMailProvider, org: Harness
) -> None:
    create(provider, ZHANGSAN)
    org.fake.add_group(f"board@{DOMAIN}", "Board", [ZHANGSAN.address], access="Moderated")
    org.fake.add_group(f"held@{DOMAIN}", "Held", [ZHANGSAN.address], access="Group")  # holds others' mail
    found = {o.address: o for o in objects_of(provider) if isinstance(o, Group)}
    assert found[f"board@{DOMAIN}"].post_policy == "senders" and found[f"board@{DOMAIN}"].senders == ()
    assert found[f"held@{DOMAIN}"].post_policy == "senders"
    # a config asking "members" sees the difference, and the update makes it exact
    members_only = Group(address=f"held@{DOMAIN}", name="Held", members=(ZHANGSAN.address,), post_policy="members")
    apply(provider, Action.UPDATE, found[f"held@{DOMAIN}"], members_only)
    assert members_only in objects_of(provider)


def test_a_group_rename_is_a_console_step_and_nothing_else_is_written(provider: ZohoMailProvider, org: Harness) -> None:
    create(provider, ZHANGSAN, LISI, TEAM)
    renamed = Group(address=TEAM.address, name="销售一组", members=TEAM.members, post_policy="members")
    change = Change(Action.UPDATE, "zoho", TEAM, renamed)
    provider.read([DOMAIN])

    planned = capabilities.as_planned(provider, change)

    assert planned.action is Action.MANUAL
    assert "Groups → team@example.com → Settings" in planned.instructions and "'销售一组'" in planned.instructions
    # with other changes in the same plan, those are applied and the rename is left to a person
    both = Group(address=TEAM.address, name="销售一组", members=(LISI.address,), post_policy="members")
    planned = capabilities.as_planned(provider, Change(Action.UPDATE, "zoho", TEAM, both))
    assert planned.action is Action.UPDATE and "change its name" in planned.instructions
    provider.apply(planned)
    assert [m["memberEmailId"] for m in org.fake.group(TEAM.address)["mailGroupMemberList"]] == [LISI.address]
    assert org.fake.group(TEAM.address)["name"] == "销售团队"


def test_what_zoho_cannot_hold_exactly_is_refused_before_any_write(provider: ZohoMailProvider, org: Harness) -> None:
    create(provider, ZHANGSAN)
    before = repr((org.fake.accounts, org.fake.groups))
    refused = [
        Mailbox(address=f"big@{DOMAIN}", name="大", quota_mb=2048),
        Group(address=f"g@{DOMAIN}", name="g", members=(ZHANGSAN.address,), owners=(ZHANGSAN.address,)),
        Group(address=f"s@{DOMAIN}", name="s", members=(ZHANGSAN.address,), post_policy="senders",
              senders=(ZHANGSAN.address,)),
    ]  # fmt: skip
    for obj in refused:
        with pytest.raises(NotSupported):
            apply(provider, Action.CREATE, None, obj)
    assert repr((org.fake.accounts, org.fake.groups)) == before
    # and validate refuses configs needing them: no feature to hold them
    cls = ZohoMailProvider
    assert capabilities.missing_features(cls, refused[2]) == ["group.post.senders"]
    assert capabilities.missing_features(cls, Alias(address=f"x@{DOMAIN}", targets=("a@other.example",))) == [
        "alias.external"
    ]
    assert "department" not in cls.SUPPORTS and "department" not in cls.MANUAL


def test_kind_and_department_are_the_config_s_alone(provider: ZohoMailProvider) -> None:
    # Zoho has one kind of account and no departments: a mailbox is handed over without them
    info = Mailbox(address=INFO.address, name=INFO.name, kind="functional", department="sales")
    held = capabilities.held_by(ZohoMailProvider, State([info]))
    assert list(held) == [INFO]


# --- forwarding and admin roles ----------------------------------------------------------------


def test_forwarding_changes_target_and_goes(provider: ZohoMailProvider, org: Harness) -> None:
    wang = Mailbox(address=f"wangfang@{DOMAIN}", name="王芳")
    create(provider, ZHANGSAN, LISI, wang)
    first = Forwarding(address=ZHANGSAN.address, targets=(LISI.address,))
    create(provider, first)
    second = Forwarding(address=ZHANGSAN.address, targets=(wang.address,))
    apply(provider, Action.UPDATE, first, second)
    assert [f["mailForward"] for f in org.fake.account(ZHANGSAN.address)["mailForward"]] == [wang.address]

    apply(provider, Action.REMOVE, second, None)
    assert org.fake.account(ZHANGSAN.address)["mailForward"] == []


def test_forwarding_outside_the_organization_is_a_console_step(provider: ZohoMailProvider) -> None:
    provider.read([DOMAIN])
    outside = Forwarding(address=ZHANGSAN.address, targets=("m.keller@keller-handel.example",))
    planned = capabilities.as_planned(provider, Change(Action.CREATE, "zoho", None, outside))
    assert planned.action is Action.MANUAL
    assert "Users → zhangsan@example.com → Mail Forwarding" in planned.instructions
    too_many = Forwarding(address=ZHANGSAN.address, targets=tuple(f"u{n}@{DOMAIN}" for n in range(4)))
    with pytest.raises(ProviderError, match="at most 3"):
        apply(provider, Action.CREATE, None, too_many)


def test_super_is_zoho_s_administrator_and_ends_as_a_user(provider: ZohoMailProvider, org: Harness) -> None:
    create(provider, LISI)
    role = AdminRole(address=LISI.address, level="super")
    create(provider, role)
    assert org.fake.account(LISI.address)["role"] == "admin"
    assert role in objects_of(provider)

    apply(provider, Action.REMOVE, role, None)
    assert org.fake.account(LISI.address)["role"] == "member"


def test_a_department_admin_never_gets_the_organization_wide_role(provider: ZohoMailProvider, org: Harness) -> None:
    create(provider, LISI, AdminRole(address=LISI.address, level="super"))
    provider.read([DOMAIN])
    dept = AdminRole(address=LISI.address, level="department", departments=("sales",))

    narrower = capabilities.as_planned(provider, Change(Action.UPDATE, "zoho", AdminRole(LISI.address, "super"), dept))
    assert narrower.action is Action.UPDATE and "makes lisi@example.com a User" in narrower.instructions
    provider.apply(narrower)
    assert org.fake.account(LISI.address)["role"] == "member"  # never admin of everything

    provider.read([DOMAIN])
    planned = capabilities.as_planned(provider, Change(Action.CREATE, "zoho", None, dept))
    assert planned.action is Action.MANUAL and "no administrator limited to departments" in planned.instructions


def test_the_super_administrator_is_changed_only_in_the_console(provider: ZohoMailProvider, org: Harness) -> None:
    admin = AdminRole(address=f"admin@{DOMAIN}", level="super")
    provider.read([DOMAIN])
    planned = capabilities.as_planned(provider, Change(Action.REMOVE, "zoho", admin, None))
    assert planned.action is Action.MANUAL
    assert "Roles and Privileges → Roles → Super Administrator → Change Super Admin" in planned.instructions
    assert org.fake.account(f"admin@{DOMAIN}")["role"] == "super_admin"


# --- what is mailplan's ---------------------------------------------------------------------------


def test_without_manage_all_accounts_only_groups_mailplan_made_are_its_own(
    org: Harness, tmp_path: Path, sleeps: list[float]
) -> None:
    provider = make_provider(org, tmp_path, sleeps, manage_all_accounts=False)
    create(provider, ZHANGSAN, LISI, ZS, TEAM, AdminRole(address=LISI.address, level="super"))
    org.fake.add_group(f"console@{DOMAIN}", "made by hand", [LISI.address])

    observed = provider.read([DOMAIN])

    # Zoho keeps no mark on an account: nothing of it is ever removed by dropping it from the config
    assert observed.managed == {TEAM.ident}


# --- tokens, errors, limits -------------------------------------------------------------------------


def test_one_token_per_run_from_the_data_centre_s_accounts_server(provider: ZohoMailProvider, org: Harness) -> None:
    provider.read([DOMAIN])
    create(provider, ZHANGSAN)
    provider.read([DOMAIN])
    assert org.fake.count("POST /oauth/v2/token") == 1


def test_an_expired_or_evicted_token_is_renewed_and_the_call_sent_again(
    provider: ZohoMailProvider, org: Harness
) -> None:
    provider.read([DOMAIN])
    org.fake.expire_tokens()  # expired, or the oldest of more than ten

    provider.read([DOMAIN])

    assert org.fake.count("POST /oauth/v2/token") == 2


def test_a_token_lives_an_hour_and_is_renewed_before_it_dies(provider: ZohoMailProvider, org: Harness) -> None:
    now = [1000.0]
    org.fake.clock = provider.clock = lambda: now[0]
    provider.read([DOMAIN])
    now[0] += 3600 - 299  # within the last five minutes of its life
    provider.read([DOMAIN])
    assert org.fake.count("POST /oauth/v2/token") == 2
    assert org.fake.count("GET", r"/api/organization/\d+/accounts") == 4  # no call was refused


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        ("client_secret", "wrong-secret-0123456789", "of another data centre"),
        ("client_id", "1000.OTHERCLIENT", "of another data centre"),
        ("refresh_token", "1000.revoked.refresh", "revoked"),
    ],
)
def test_token_errors_in_http_200_bodies_are_reported_without_secrets(
    org: Harness, tmp_path: Path, sleeps: list[float], setting: str, value: str, says: str
) -> None:
    provider = make_provider(org, tmp_path, sleeps, **{setting: value})
    with pytest.raises(ProviderError) as caught:
        provider.read([DOMAIN])
    message = str(caught.value)
    assert says in message
    assert value not in message and org.fake.client_secret not in message and org.fake.refresh_token not in message
    assert org.fake.count("POST /oauth/v2/token") == 1  # a refused credential is not retried


def test_the_token_limit_stops_the_run_with_when_to_try_again(
    org: Harness, tmp_path: Path, sleeps: list[float]
) -> None:
    org.fake.token_times = [org.fake.clock()] * 10  # ten tokens in the last ten minutes
    provider = make_provider(org, tmp_path, sleeps)
    with pytest.raises(ProviderError, match="run again in 10 minutes"):
        provider.read([DOMAIN])


def test_an_error_status_in_an_http_200_answer_is_an_error(provider: ZohoMailProvider, org: Harness) -> None:
    provider.read([DOMAIN])
    envelope = {"status": {"code": 500, "description": "Internal Error"}, "data": {"errorCode": "INTERNAL_ERROR"}}
    org.fake.failures.extend(Response(200, envelope) for _ in range(1))
    with pytest.raises(ProviderError, match="INTERNAL_ERROR"):
        provider.read([DOMAIN])


def test_rate_limits_and_server_errors_are_retried(
    provider: ZohoMailProvider, org: Harness, sleeps: list[float]
) -> None:
    provider.read([DOMAIN])
    org.fake.rate_limit_next(2, retry_after="7")  # 429 with the envelope and Retry-After
    org.fake.fail_next(1, status=503, retry_after=None)
    create(provider, ZHANGSAN)
    assert sleeps[:2] == [7.0, 7.0] and len(sleeps) == 3
    assert ZHANGSAN in objects_of(provider)


def test_a_call_that_times_out_is_sent_again(provider: ZohoMailProvider, org: Harness, sleeps: list[float]) -> None:
    provider.read([DOMAIN])
    provider.http.policy.timeout = 0.3
    org.fake.failures.append(Response(200, {"status": {"code": 200, "description": "success"}}, delay=1.0))
    create(provider, ZHANGSAN)
    assert len(sleeps) == 1 and ZHANGSAN in objects_of(provider)


def test_a_create_whose_answer_was_lost_keeps_the_password_that_took(
    provider: ZohoMailProvider, org: Harness, tmp_path: Path
) -> None:
    provider.read([DOMAIN])
    provider.http.policy.timeout = 0.3
    org.fake.answer_late(1, 1.0)  # Zoho makes the account, the answer never arrives in time

    assert apply(provider, Action.CREATE, None, ZHANGSAN) == "adopted existing account"

    address, password, note = (tmp_path / "credentials.txt").read_text().rstrip("\n").split("\t")
    assert (address, password) == (ZHANGSAN.address, org.fake.passwords[ZHANGSAN.address])
    assert "sent again" in note
    assert ZHANGSAN in objects_of(provider)


def test_a_lasting_limit_stops_the_run_with_a_clear_error(
    provider: ZohoMailProvider, org: Harness, sleeps: list[float]
) -> None:
    provider.read([DOMAIN])
    org.fake.rate_limit_next(50, retry_after="60")
    with pytest.raises(ProviderError) as caught:
        provider.read([DOMAIN])
    assert "gave up after" in str(caught.value) and "429" in str(caught.value)
    assert sum(sleeps) <= 120.0


def test_mailplan_keeps_under_the_call_limit_instead_of_being_locked(
    org: Harness, tmp_path: Path, sleeps: list[float]
) -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    org.fake.clock = lambda: now[0]
    org.fake.per_minute = 5
    provider = make_provider(org, tmp_path, sleeps, requests_per_minute=5)
    provider.clock, provider.sleep, provider.http.sleep = (lambda: now[0]), sleep, sleep

    people = [Mailbox(address=f"user{n}@{DOMAIN}", name=f"员工{n}") for n in range(12)]
    create(provider, *people)

    assert org.fake.count("POST", "/api/.*") == 12
    assert org.fake.limited == 0  # never refused ...
    assert sum(sleeps) >= 120.0  # ... because it waited for the next minute, twice
    assert set(people) <= objects_of(provider)


def test_every_account_is_read_whatever_page_size_zoho_keeps_to(
    org: Harness, tmp_path: Path, sleeps: list[float]
) -> None:
    org.fake.page_cap = 50  # Zoho answers at most 50 whatever was asked (its limit is undocumented)
    for n in range(119):
        org.fake.add_account(f"user{n:03d}@{DOMAIN}", f"员工{n}")
    provider = make_provider(org, tmp_path, sleeps)

    boxes = [o for o in provider.read([DOMAIN]).state if isinstance(o, Mailbox)]

    assert len(boxes) == 120
    assert org.fake.count(f"GET /api/organization/{org.fake.zoid}/accounts") == 3  # 50 + 50 + 20


def test_what_the_lists_already_show_is_not_read_again(org: Harness, tmp_path: Path, sleeps: list[float]) -> None:
    provider = make_provider(org, tmp_path, sleeps)
    leaver = Mailbox(address=ZHANGSAN.address, name="张三", frozen=True)
    create(provider, leaver, LISI, TEAM, Forwarding(address=ZHANGSAN.address, targets=(LISI.address,)))
    before = objects_of(provider)
    org.fake.full_lists = True  # a tenant whose lists carry forwarding, members and description
    org.fake.calls.clear()

    assert objects_of(provider) == before
    assert org.fake.count("GET", r"/api/accounts/\d+") == 0
    assert org.fake.count("GET", rf"/api/organization/{org.fake.zoid}/groups/\d+") == 0


def test_domains_the_organization_does_not_hold_are_not_reported(provider: ZohoMailProvider, org: Harness) -> None:
    found = {o for o in provider.read([DOMAIN, "not-ours.example"]).state if isinstance(o, Domain)}
    assert found == {Domain(name=DOMAIN)}


def test_an_alias_domain_reads_as_an_alias_of_the_primary_domain(tmp_path: Path, sleeps: list[float]) -> None:
    with harness((DOMAIN,), alias_domains=("example.cn",)) as org:
        provider = make_provider(org, tmp_path, sleeps)
        found = {o for o in provider.read([DOMAIN, "example.cn"]).state if isinstance(o, Domain)}
    assert found == {Domain(name=DOMAIN), Domain(name="example.cn", alias_of=DOMAIN)}


def test_an_unreachable_service_is_reported_without_secret_or_token(
    org: Harness, tmp_path: Path, sleeps: list[float]
) -> None:
    provider = make_provider(org, tmp_path, sleeps)
    provider.read([DOMAIN])
    token = next(iter(org.fake.tokens))
    org.fake.stop()
    provider.http.session.close()
    fresh = make_provider(org, tmp_path, sleeps)
    for client in (provider, fresh):
        with pytest.raises(ProviderError) as caught:
            client.read([DOMAIN])
        message = str(caught.value)
        assert "ConnectionError" in message
        assert org.fake.client_secret not in message and org.fake.refresh_token not in message and token not in message
