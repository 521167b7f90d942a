"""google-workspace against the fake tenant: every change applied, then read back as applied."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.google import GoogleFake, harness, rate_limited
from fakes.tenant import Tenant
from mailplan.model.change import Action, Change
from mailplan.model.objects import (
    AdminRole,
    Alias,
    ArchiveRule,
    AutoReply,
    Delegation,
    Department,
    Domain,
    Forwarding,
    Group,
    Hold,
    Mailbox,
    Policy,
)
from mailplan.providers.base import CredentialSink, NotSupported, ProviderContext, ProviderError
from mailplan.providers.mail.google.provider import GoogleWorkspaceProvider

DOMAIN = "example.com"


@pytest.fixture
def tenant(tmp_path: Path) -> Iterator[Tenant]:
    with harness(DOMAIN) as h:
        creds = tmp_path / "credentials.tsv"
        context = ProviderContext(base_dir=tmp_path, credentials=CredentialSink(creds))
        provider = GoogleWorkspaceProvider("google", h.settings, context)
        yield Tenant(h.fake, provider, creds, "google")
        provider.close()
        assert h.fake.violations == []


def person(local: str, name: str, **kw: object) -> Mailbox:
    return Mailbox(address=f"{local}@{DOMAIN}", name=name, **kw)  # type: ignore[arg-type]


def test_every_kind_round_trips(tenant: Tenant) -> None:
    sales = Department(name="sales", org_domain=DOMAIN, title="销售部")
    tenant.converge(Action.CREATE, None, sales)
    sales2 = Department(name="sales", org_domain=DOMAIN, title="销售部", manager=f"zhangsan@{DOMAIN}")
    tenant.converge(Action.UPDATE, sales, sales2)
    east = Department(name="east", org_domain=DOMAIN, title="华东", parent="sales")
    tenant.converge(Action.CREATE, None, east)

    zhang = person("zhangsan", "张三", department="east")
    tenant.converge(Action.CREATE, None, zhang)
    li = person("lisi", "李四", kind="functional")
    tenant.converge(Action.CREATE, None, li)
    tenant.converge(Action.UPDATE, li, person("lisi", "Li Si", kind="functional", department="sales"))
    assert set(tenant.passwords()) == {f"zhangsan@{DOMAIN}", f"lisi@{DOMAIN}"}

    alias = Alias(address=f"san@{DOMAIN}", targets=(f"zhangsan@{DOMAIN}",))
    tenant.converge(Action.CREATE, None, alias)
    moved = Alias(address=f"san@{DOMAIN}", targets=(f"lisi@{DOMAIN}",))
    tenant.converge(Action.UPDATE, alias, moved)

    group = Group(address=f"sales-team@{DOMAIN}", name="Sales", members=(f"zhangsan@{DOMAIN}",), post_policy="members")
    tenant.converge(Action.CREATE, None, group)
    group2 = Group(
        address=f"sales-team@{DOMAIN}",
        name="Sales team",
        members=("agent@partner.example", f"zhangsan@{DOMAIN}"),
        owners=(f"lisi@{DOMAIN}",),
        post_policy="senders",
        senders=("boss@partner.example", f"zhangsan@{DOMAIN}"),  # a member named as sender too
    )
    tenant.converge(Action.UPDATE, group, group2)
    group3 = Group(
        address=f"sales-team@{DOMAIN}", name="Sales team", members=(f"lisi@{DOMAIN}",), post_policy="organization"
    )
    tenant.converge(Action.UPDATE, group2, group3)
    group_alias = Alias(address=f"sales@{DOMAIN}", targets=(f"sales-team@{DOMAIN}",))
    tenant.converge(Action.CREATE, None, group_alias)

    tenant.converge(
        Action.CREATE, None, AdminRole(address=f"lisi@{DOMAIN}", level="department", departments=("sales",))
    )
    tenant.converge(
        Action.UPDATE,
        AdminRole(address=f"lisi@{DOMAIN}", level="department", departments=("sales",)),
        AdminRole(address=f"lisi@{DOMAIN}", level="department", departments=("east", "sales")),
    )
    tenant.converge(
        Action.UPDATE,
        AdminRole(address=f"lisi@{DOMAIN}", level="department", departments=("east", "sales")),
        AdminRole(address=f"lisi@{DOMAIN}", level="super"),
    )
    tenant.converge(Action.REMOVE, AdminRole(address=f"lisi@{DOMAIN}", level="super"), None)

    tenant.apply(Action.CREATE, None, Domain(name="example.net"))
    tenant.apply(Action.CREATE, None, Domain(name="example.cn", alias_of=DOMAIN))
    domains = tenant.provider.read([DOMAIN, "example.net", "example.cn"]).state.of_kind("domain")
    assert Domain(name="example.net") in domains and Domain(name="example.cn", alias_of=DOMAIN) in domains
    assert "adopted" in tenant.apply(Action.CREATE, None, Domain(name="example.net"))
    # Several targets, or one outside the tenant: a group stands for the alias, read back as the alias.
    both = Alias(address=f"team@{DOMAIN}", targets=(f"lisi@{DOMAIN}", f"zhangsan@{DOMAIN}"))
    tenant.converge(Action.CREATE, None, both)
    assert tenant.fake.group_by(f"team@{DOMAIN}") is not None
    outside = Alias(address=f"team@{DOMAIN}", targets=("agent@partner.example",))
    tenant.converge(Action.UPDATE, both, outside)
    inside = Alias(address=f"team@{DOMAIN}", targets=(f"lisi@{DOMAIN}",))
    tenant.converge(Action.UPDATE, outside, inside)
    assert tenant.fake.group_by(f"team@{DOMAIN}") is None  # now a plain alias of lisi
    tenant.converge(Action.REMOVE, group_alias, None)
    tenant.converge(Action.REMOVE, group3, None)
    tenant.converge(Action.REMOVE, moved, None)


def test_offboarding_preserves_then_hands_over_then_locks(tenant: Tenant) -> None:
    zhang, li = person("zhangsan", "张三"), person("lisi", "李四")
    tenant.apply(Action.CREATE, None, zhang)
    tenant.apply(Action.CREATE, None, li)
    user = tenant.fake.user_by(zhang.address)
    assert user is not None
    tenant.fake.asps[user["id"]] = [{"codeId": 7, "name": "Thunderbird"}]
    tenant.fake.oauth_tokens[user["id"]] = [{"clientId": "abc.apps.googleusercontent.com", "displayText": "CRM"}]
    password_before = tenant.fake.password_of(zhang.address)

    # The core orders hold, handover, freeze; each is its own change, applied as it comes.
    assert "Vault" in tenant.converge(Action.CREATE, None, Hold(address=zhang.address))
    assert zhang.address in tenant.fake.held()
    reply = AutoReply(address=zhang.address, subject="张三已离职", body="请联系李四 lisi@example.com")
    tenant.converge(Action.CREATE, None, reply)
    tenant.converge(Action.CREATE, None, Forwarding(address=zhang.address, targets=(li.address,)))
    tenant.converge(Action.CREATE, None, Delegation(mailbox=zhang.address, grantee=li.address, read=True, send=True))
    frozen = person("zhangsan", "张三", frozen=True)
    answer = tenant.converge(Action.FREEZE, zhang, frozen)

    assert "Vault" not in answer and "vault" not in " ".join(tenant.fake.log[-8:])  # the freeze only locks
    assert tenant.fake.password_of(zhang.address) != password_before
    assert tenant.fake.signed_out[zhang.address] == 1
    assert tenant.fake.codes_invalidated[zhang.address] == 1
    assert tenant.fake.asps[user["id"]] == [] and tenant.fake.oauth_tokens[user["id"]] == []
    # Still able to receive (a suspended account gets no mail): forwarding and auto-reply stay on.
    assert user["suspended"] is False
    state = tenant.read()
    assert state[("autoreply", zhang.address)] == reply
    # The frozen password was never handed out.
    assert list(tenant.passwords()) == [zhang.address, li.address]

    issued = tenant.passwords()[zhang.address]
    answer = tenant.converge(Action.UNFREEZE, frozen, zhang)
    lines = tenant.creds.read_text().splitlines()
    # a new password for the returning person, in place of the one that stopped working
    assert [line.split("\t")[0] for line in lines].count(zhang.address) == 1
    assert tenant.passwords()[zhang.address] != issued
    assert lines[-1].split("\t")[1] not in answer
    # Back in the organization: the hold goes, as a change of its own.
    tenant.converge(Action.REMOVE, Hold(address=zhang.address), None)
    assert tenant.fake.held() == set()


def test_delegation_read_is_a_delegate_and_send_is_send_as(tenant: Tenant) -> None:
    info, li = person("info", "信息", kind="functional"), person("lisi", "李四")
    tenant.apply(Action.CREATE, None, info)
    tenant.apply(Action.CREATE, None, li)
    read_only = Delegation(mailbox=info.address, grantee=li.address, read=True)
    tenant.converge(Action.CREATE, None, read_only)
    box, grantee = tenant.fake.user_by(info.address), tenant.fake.user_by(li.address)
    assert box is not None and grantee is not None
    assert list(tenant.fake.gmail[box["id"]]["delegates"]) == [li.address]
    assert tenant.fake.gmail[grantee["id"]]["sendAs"] == {}
    both = Delegation(mailbox=info.address, grantee=li.address, read=True, send=True)
    tenant.converge(Action.UPDATE, read_only, both)
    assert list(tenant.fake.gmail[grantee["id"]]["sendAs"]) == [info.address]
    send_only = Delegation(mailbox=info.address, grantee=li.address, send=True)
    tenant.converge(Action.UPDATE, both, send_only)
    assert tenant.fake.gmail[box["id"]]["delegates"] == {}
    tenant.converge(Action.REMOVE, send_only, None)
    assert tenant.fake.gmail[grantee["id"]]["sendAs"] == {}
    assert tenant.sleeps == []  # nothing absent on new accounts was waited for


def test_existing_objects_are_adopted_not_failed(tenant: Tenant) -> None:
    tenant.fake.add_user(f"wangwu@{DOMAIN}", "Wang Wu")
    tenant.fake.add_group(f"info@{DOMAIN}", "Info")
    state = tenant.read()
    assert (("mailbox", f"wangwu@{DOMAIN}")) in state
    assert ("mailbox", f"wangwu@{DOMAIN}") not in tenant.managed  # not mailplan's: reported, never touched

    answer = tenant.converge(Action.CREATE, None, person("wangwu", "王五"))
    assert "adopted" in answer
    assert tenant.passwords() == {}  # the person keeps their password
    tenant.converge(Action.CREATE, None, Group(address=f"info@{DOMAIN}", name="Info", members=(f"wangwu@{DOMAIN}",)))


def test_rate_limits_are_retried_honouring_retry_after(tenant: Tenant) -> None:
    tenant.read()
    tenant.fake.failures.extend(rate_limited(2))
    for failure in tenant.fake.failures:
        failure.headers["Retry-After"] = "3"
    tenant.converge(Action.CREATE, None, person("zhaoliu", "赵六"))
    assert tenant.sleeps[:2] == [3.0, 3.0]

    tenant.fake.fail_next(1, status=503, retry_after=None)
    tenant.read()
    assert len(tenant.sleeps) == 3


def test_quota_error_in_a_200_free_403_body_is_retried(tenant: Tenant) -> None:
    tenant.fake.fail_next(
        1,
        status=403,
        retry_after=None,
        body=rate_limited(1)[0].body
        | {"error": {"code": 403, "message": "Quota", "errors": [{"reason": "userRateLimitExceeded"}]}},
    )
    tenant.read()
    assert len(tenant.sleeps) == 1


def test_an_expired_token_is_refreshed_once(tenant: Tenant) -> None:
    tenant.read()
    tokens_before = tenant.fake.calls["POST /token"]
    tenant.fake.expire_tokens()
    tenant.read()
    assert tenant.fake.calls["POST /token"] == tokens_before + 1
    assert tenant.sleeps == []


def test_a_new_user_that_is_not_visible_yet_is_waited_for(tenant: Tenant) -> None:
    tenant.read()
    tenant.fake.lag = 2  # the next two requests naming the new user answer 404
    tenant.apply(Action.CREATE, None, person("sunqi", "孙七"))
    tenant.converge(Action.CREATE, None, Alias(address=f"qi@{DOMAIN}", targets=(f"sunqi@{DOMAIN}",)))
    assert tenant.sleeps == [1.0, 2.0]


def test_a_missing_target_fails_at_once_with_a_clear_message(tenant: Tenant) -> None:
    with pytest.raises(ProviderError, match="neither a user nor a group"):
        tenant.apply(Action.CREATE, None, Alias(address=f"x@{DOMAIN}", targets=(f"nobody@{DOMAIN}",)))
    assert tenant.sleeps == []


def test_what_google_cannot_hold_is_refused_clearly(tenant: Tenant) -> None:
    tenant.apply(Action.CREATE, None, person("zhangsan", "张三"))
    with pytest.raises(ProviderError, match="no per-mailbox quota"):
        tenant.apply(Action.CREATE, None, person("big", "Big", quota_mb=2048))
    with pytest.raises(ProviderError, match="confirmation mail"):
        tenant.apply(Action.CREATE, None, Forwarding(address=f"zhangsan@{DOMAIN}", targets=("someone@gmail.com",)))
    with pytest.raises(NotSupported, match="Password management"):
        tenant.apply(Action.CREATE, None, Policy(scope=DOMAIN, password_min_length=14, require_2fa=True))


def test_manual_steps_name_the_real_values(tenant: Tenant) -> None:
    policy = Change(Action.MANUAL, "google", None, Policy(scope=DOMAIN, password_min_length=14, require_2fa=True))
    steps = tenant.provider.manual_instructions(policy)
    assert "minimum length 14" in steps and "2-step verification" in steps
    archive = Change(
        Action.MANUAL, "google", None, ArchiveRule(scope=DOMAIN, copy_to=f"archive@{DOMAIN}", retention_days=3650)
    )
    steps = tenant.provider.manual_instructions(archive)
    assert f"archive@{DOMAIN}" in steps and "3650 days" in steps


def test_the_discovery_check_catches_a_request_google_would_refuse(tenant: Tenant) -> None:
    """The check can fail: a users.list without customer/domain and with an unknown parameter."""
    api = tenant.provider.api
    with pytest.raises(ProviderError):
        api.call("directory", "GET", "users", params={"maxResults": 501, "colour": "blue"})
    assert any("unknown query parameter 'colour'" in v for v in tenant.fake.violations)
    assert any("exceeds the maximum 500" in v for v in tenant.fake.violations)
    tenant.fake.violations.clear()


def test_planning_ten_thousand_people_costs_one_call_per_page(tmp_path: Path) -> None:
    def seed(fake: GoogleFake) -> None:
        for i in range(10_000):
            fake.add_user(
                f"user{i:05d}@{DOMAIN}",
                f"User {i}",
                externalIds=[{"type": "custom", "customType": "mailplan", "value": "person"}],
            )
        for g in range(3):
            fake.add_group(f"team{g}@{DOMAIN}", f"Team {g}", {f"user{i:05d}@{DOMAIN}": "MEMBER" for i in range(250)})

    with harness(DOMAIN, seed) as h:
        context = ProviderContext(base_dir=tmp_path, credentials=CredentialSink(tmp_path / "c"))
        provider = GoogleWorkspaceProvider("google", h.settings, context)
        observed = provider.read([DOMAIN])
        mailboxes = observed.state.of_kind("mailbox")
        assert len(mailboxes) == 10_001
        assert len(observed.state.of_kind("group")) == 3
        fake = h.fake
        assert fake.count("GET", "/admin/directory/v1/users") == math.ceil(10_001 / 500) == 21
        # per group: 2 member pages (250 members, 200 a page) and 1 settings read
        assert fake.count("GET", "/admin/directory/v1/groups/[^/]+/members") == 3 * 2
        assert fake.count("GET", "/groups/v1/groups/.+") == 3
        gmail_reads = fake.count("GET", "/gmail/v1/.*")
        assert gmail_reads == 0  # no per-user Gmail calls for people mailplan has not offboarded
        # token, domains, domain aliases, org units, groups, roles, role assignments, Vault matters
        # (mailplan's matter does not exist yet: no hold list)
        fixed = 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1
        assert sum(fake.calls.values()) == 21 + 6 + 3 + fixed
        assert fake.violations == []


def test_a_key_google_does_not_know_is_refused_without_showing_it(tmp_path: Path) -> None:
    with harness(DOMAIN) as h:
        impostor = GoogleFake(domain=DOMAIN)  # same account name, another private key
        key = json.loads(h.settings["service_account_key"])
        key["private_key"] = json.loads(impostor.service_account_json_for(h.fake.url))["private_key"]
        settings = h.settings | {"service_account_key": json.dumps(key)}
        context = ProviderContext(base_dir=tmp_path, credentials=CredentialSink(tmp_path / "c"))
        provider = GoogleWorkspaceProvider("google", settings, context)
        with pytest.raises(ProviderError, match="invalid_grant") as caught:
            provider.read([DOMAIN])
        assert "PRIVATE KEY" not in str(caught.value)
        with pytest.raises(ProviderError, match="not a service-account JSON key"):
            GoogleWorkspaceProvider("google", h.settings | {"service_account_key": "{not json"}, context)


def test_the_hold_is_read_back_from_vault(tenant: Tenant) -> None:
    zhang = person("zhangsan", "张三")
    tenant.apply(Action.CREATE, None, zhang)
    hold = Hold(address=zhang.address)
    assert ("hold", zhang.address) not in tenant.read()
    tenant.converge(Action.CREATE, None, hold)  # a new matter and hold
    tenant.converge(Action.CREATE, None, hold)  # again: already held, still one account
    li = person("lisi", "李四")
    tenant.apply(Action.CREATE, None, li)
    tenant.converge(Action.CREATE, None, Hold(address=li.address))  # joins the existing hold
    assert tenant.fake.held() == {zhang.address, li.address} and len(tenant.fake.matters) == 1
    # Accounts held in other matters (a lawyer's) are not mailplan's business.
    wang = tenant.fake.add_user(f"wangwu@{DOMAIN}", "Wang Wu")
    tenant.fake.matters["m1"] = {"matterId": "m1", "name": "Lawsuit 2026", "state": "OPEN"}
    held = [{"accountId": wang["id"], "email": wang["primaryEmail"]}]
    tenant.fake.holds["m1"] = {"h1": {"holdId": "h1", "name": "mail", "corpus": "MAIL", "accounts": held}}
    assert {k for k in tenant.read() if k[0] == "hold"} == {("hold", zhang.address), ("hold", li.address)}


def test_without_vault_the_hold_is_a_step_in_the_vault_console(tmp_path: Path) -> None:
    with harness(DOMAIN) as h:
        context = ProviderContext(base_dir=tmp_path, credentials=CredentialSink(tmp_path / "c"))
        provider = GoogleWorkspaceProvider("google", h.settings | {"vault_hold": False}, context)
        provider.read([DOMAIN])
        hold = Change(Action.CREATE, "google", None, Hold(address=f"zhangsan@{DOMAIN}"))
        assert provider.wholly_manual(hold)
        steps = provider.manual_instructions(hold)
        assert "Matters › 'mailplan: departed staff'" in steps and f"add zhangsan@{DOMAIN}" in steps
        with pytest.raises(NotSupported):
            provider.apply(hold)
        assert h.fake.count("GET", "/v1/matters") == 0 and h.fake.matters == {}  # Vault left alone
        provider.close()


def test_a_create_resent_after_a_lost_answer_keeps_its_password(tenant: Tenant) -> None:
    tenant.fake.lose_insert_answers = 1  # the user is made, but the answer is a 503: the client sends again
    zhou = person("zhouba", "周八")
    answer = tenant.converge(Action.CREATE, None, zhou)
    assert tenant.sleeps and "adopted" not in answer
    ((address, password, note),) = tenant.credential_lines()
    assert address == zhou.address and "sent again" in note
    assert hashlib.sha256(password.encode()).hexdigest() == tenant.fake.password_of(zhou.address)
