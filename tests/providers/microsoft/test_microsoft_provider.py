"""microsoft-365 against the fake Graph tenant: what Graph can do is applied and read back;
what it cannot is refused with the exact Exchange Online PowerShell commands."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.microsoft import GLOBAL_ADMIN, USER_ADMIN, GraphFake, harness, throttled
from fakes.tenant import Tenant
from mailplan.engine.diff import order_key
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
    MailObject,
    Policy,
)
from mailplan.providers.base import CredentialSink, NotSupported, ProviderContext, ProviderError
from mailplan.providers.mail.microsoft.provider import Microsoft365Provider

DOMAIN = "example.com"


@pytest.fixture
def tenant(tmp_path: Path) -> Iterator[Tenant]:
    with harness(DOMAIN) as h:
        creds = tmp_path / "credentials.tsv"
        provider = Microsoft365Provider("m365", h.settings, ProviderContext(tmp_path, CredentialSink(creds)))
        yield Tenant(h.fake, provider, creds, "m365")
        provider.close()
        assert h.fake.violations == []


def box(local: str, name: str, **kw: object) -> Mailbox:
    return Mailbox(address=f"{local}@{DOMAIN}", name=name, **kw)  # type: ignore[arg-type]


def test_graph_objects_round_trip(tenant: Tenant) -> None:
    sales = Department(name="销售部", org_domain=DOMAIN, title="Sales", manager=f"zhangsan@{DOMAIN}")
    tenant.converge(Action.CREATE, None, sales)
    tenant.converge(Action.UPDATE, sales, Department(name="销售部", org_domain=DOMAIN, title="Sales East"))

    zhang = box("zhangsan", "张三", department="销售部")
    tenant.converge(Action.CREATE, None, zhang)
    user = tenant.fake.user(zhang.address)
    assert tenant.fake.unit_members[next(iter(tenant.fake.units))] == [user["id"]]  # in the department's unit
    assert user["mail"] == zhang.address  # licensed: the mailbox exists
    # A functional mailbox is a shared mailbox, made in Exchange (see the shared-mailbox test);
    # once there, Graph keeps its name and department.
    tenant.fake.add_shared_mailbox(f"info@{DOMAIN}", "信息咨询")
    info = tenant.read()[("mailbox", f"info@{DOMAIN}")]
    assert info == box("info", "信息咨询", kind="functional")
    tenant.converge(Action.UPDATE, info, box("info", "Info desk", kind="functional", department="销售部"))
    assert [line[0] for line in tenant.credential_lines()] == [zhang.address]  # a shared mailbox has no password

    team = Group(address=f"team@{DOMAIN}", name="销售团队", members=(zhang.address,))
    tenant.converge(Action.CREATE, None, team)
    team2 = Group(address=f"team@{DOMAIN}", name="Team", members=(f"info@{DOMAIN}",), owners=(zhang.address,))
    tenant.converge(Action.UPDATE, team, team2)
    # An outside member joins as a guest user, who is no mailbox of the tenant.
    team3 = Group(address=f"team@{DOMAIN}", name="Team", members=("agent@partner.example", f"info@{DOMAIN}"))
    tenant.converge(Action.UPDATE, team2, team3)
    assert [u["userType"] for u in tenant.fake.users.values() if u["mail"] == "agent@partner.example"] == ["Guest"]
    team2 = team3

    reply = AutoReply(address=zhang.address, subject="张三已离职", body="请联系李四\nPlease write to Li Si <lisi@x>")
    tenant.converge(Action.CREATE, None, reply)
    tenant.converge(Action.REMOVE, reply, None)

    admin = AdminRole(address=zhang.address, level="department", departments=("销售部",))
    tenant.converge(Action.CREATE, None, admin)
    unit = next(iter(tenant.fake.units))
    assert tenant.fake.roles_of(zhang.address) == {(USER_ADMIN, f"/administrativeUnits/{unit}")}
    tenant.converge(Action.UPDATE, admin, AdminRole(address=zhang.address, level="super"))
    assert tenant.fake.roles_of(zhang.address) == {(GLOBAL_ADMIN, "/")}
    tenant.converge(Action.REMOVE, AdminRole(address=zhang.address, level="super"), None)

    tenant.converge(Action.REMOVE, team2, None)
    tenant.apply(Action.CREATE, None, Domain(name="example.net"))
    assert Domain(name="example.net") in tenant.provider.read([DOMAIN, "example.net"]).state.of_kind("domain")


def test_freeze_blocks_sign_in_and_keeps_the_mailbox(tenant: Tenant) -> None:
    zhang = box("zhangsan", "张三")
    tenant.apply(Action.CREATE, None, zhang)
    reply = AutoReply(address=zhang.address, subject="已离职", body="请联系李四")
    tenant.converge(Action.CREATE, None, reply)
    frozen = box("zhangsan", "张三", frozen=True)
    user = tenant.fake.user(zhang.address)
    initial = tenant.fake.passwords[user["id"]]
    answer = tenant.converge(Action.FREEZE, zhang, frozen)
    assert user["accountEnabled"] is False and tenant.fake.revoked[zhang.address] == 1
    assert user["mail"] == zhang.address
    # Cut access in order: sign-in blocked, sessions revoked, then a password nobody is told.
    scrambled = tenant.fake.passwords[user["id"]]
    assert scrambled != initial and scrambled not in answer
    assert scrambled not in tenant.creds.read_text()
    log = tenant.fake.log
    revoked_at = log.index(f"POST /v1.0/users/{zhang.address}/revokeSignInSessions")
    assert f"PATCH /v1.0/users/{zhang.address}" in log[revoked_at + 1 :]
    assert tenant.read()[("autoreply", zhang.address)] == reply  # still answering while frozen

    answer = tenant.converge(Action.UNFREEZE, frozen, zhang)
    lines = tenant.credential_lines()
    assert [line[0] for line in lines] == [zhang.address]  # the new password in place of the old one
    assert lines[-1][1] == tenant.fake.passwords[user["id"]] and lines[-1][1] not in answer


def test_what_exchange_holds_is_read_and_left_to_powershell(tenant: Tenant) -> None:
    zhang = tenant.fake.add_user(f"zhangsan@{DOMAIN}", "张三")
    zhang["proxyAddresses"] = [f"SMTP:zhangsan@{DOMAIN}", f"smtp:san@{DOMAIN}", "X500:/o=ExchangeLabs/cn=x"]
    dl = tenant.fake.add_group(f"all@{DOMAIN}", "Everyone", [f"zhangsan@{DOMAIN}"], unified=False)
    state = tenant.read()
    assert state[("alias", f"san@{DOMAIN}")] == Alias(address=f"san@{DOMAIN}", targets=(f"zhangsan@{DOMAIN}",))
    assert state[("group", dl["mail"])].members == (f"zhangsan@{DOMAIN}",)
    assert ("alias", f"san@{DOMAIN}") not in tenant.managed and ("mailbox", f"zhangsan@{DOMAIN}") not in tenant.managed

    z, li = f"zhangsan@{DOMAIN}", f"lisi@{DOMAIN}"
    info = f"info@{DOMAIN}"
    cases: list[tuple[MailObject | None, MailObject | None, str]] = [
        (
            None,
            Alias(address=f"zs@{DOMAIN}", targets=(z,)),
            f'Set-Mailbox -Identity {z!r} -EmailAddresses @{{add="smtp:zs@{DOMAIN}"}}',
        ),
        (Alias(address=f"san@{DOMAIN}", targets=(z,)), None, f'-EmailAddresses @{{remove="smtp:san@{DOMAIN}"}}'),
        (None, Alias(address=f"sales@{DOMAIN}", targets=(li, z)), f"New-DistributionGroup -Name 'sales@{DOMAIN}'"),
        (
            None,
            Forwarding(address=z, targets=(li,)),
            f"Set-Mailbox -Identity {z!r} -ForwardingSmtpAddress 'smtp:{li}' -DeliverToMailboxAndForward $true",
        ),
        (
            None,
            Delegation(mailbox=info, grantee=li, read=True, send=True),
            f"Add-MailboxPermission -Identity {info!r} -User {li!r} -AccessRights FullAccess",
        ),
        (
            None,
            Delegation(mailbox=info, grantee=li, send=True),
            f"Add-RecipientPermission -Identity {info!r} -Trustee {li!r} -AccessRights SendAs",
        ),
        (
            None,
            ArchiveRule(scope=DOMAIN, copy_to=f"archive@{DOMAIN}"),
            f"New-JournalRule -Name 'mailplan archive {DOMAIN}' -JournalEmailAddress 'archive@{DOMAIN}'",
        ),
        (
            None,
            Group(address=f"team@{DOMAIN}", name="T", members=(z,), post_policy="members"),
            f"-AcceptMessagesOnlySendersOrMembers {z!r}",
        ),
        (
            None,
            Policy(scope=DOMAIN, password_max_age_days=90, require_2fa=True),
            f"Update-MgDomain -DomainId {DOMAIN!r} -PasswordValidityPeriodInDays 90",
        ),
        (None, Domain(name="example.cn", alias_of=DOMAIN), 'add="smtp:$($_.Alias)@example.cn"'),
    ]
    for before, after, command in cases:
        steps = tenant.provider.manual_instructions(Change(Action.MANUAL, "m365", before, after))
        assert command in steps, steps
        if not isinstance(after, Group):
            with pytest.raises(NotSupported, match=r"Exchange|Connect"):
                tenant.provider.apply(Change(Action.CREATE, "m365", before, after))
    assert tenant.fake.calls.get("PATCH /v1.0/users/" + z) is None  # nothing was faked through Graph


def test_graph_refusals_become_clear_messages(tenant: Tenant) -> None:
    tenant.apply(Action.CREATE, None, box("zhangsan", "张三"))
    with pytest.raises(
        ProviderError, match=r"Set-Mailbox -Identity 'big@example\.com' -ProhibitSendReceiveQuota 2048MB"
    ):
        tenant.apply(Action.CREATE, None, box("big", "Big", quota_mb=2048))
    tenant.fake.domains["example.cn"] = {"id": "example.cn", "isDefault": False, "isVerified": True}
    with pytest.raises(ProviderError, match="New-UnifiedGroup"):
        tenant.apply(Action.CREATE, None, Group(address="team@example.cn", name="T", members=()))
    with pytest.raises(ProviderError, match="not a user of this tenant"):
        tenant.apply(Action.CREATE, None, Group(address=f"g@{DOMAIN}", name="G", members=(f"nobody@{DOMAIN}",)))
    unlicensed = tenant.fake.add_user(f"nobox@{DOMAIN}", "No Box", licensed=False)
    assert unlicensed["mail"] is None
    with pytest.raises(ProviderError, match="no Exchange mailbox yet"):
        tenant.apply(Action.CREATE, None, AutoReply(address=f"nobox@{DOMAIN}", subject="s", body="b"))


def test_existing_user_is_adopted(tenant: Tenant) -> None:
    tenant.fake.add_user(f"wangwu@{DOMAIN}", "Wang Wu")
    assert ("mailbox", f"wangwu@{DOMAIN}") not in tenant.read().keys() & tenant.managed
    answer = tenant.converge(Action.CREATE, None, box("wangwu", "王五"))
    assert "adopted" in answer and tenant.credential_lines() == []


def test_throttling_honours_retry_after(tenant: Tenant) -> None:
    tenant.read()
    tenant.fake.failures.extend(throttled(2, retry_after="4"))
    tenant.converge(Action.CREATE, None, box("zhaoliu", "赵六"))
    assert tenant.sleeps == [4.0, 4.0]


def test_an_expired_token_is_refreshed_once(tenant: Tenant) -> None:
    def token_calls() -> int:
        return tenant.fake.count("POST", "/.*/oauth2/v2.0/token")

    tenant.read()
    before = token_calls()
    tenant.fake.expire_tokens()
    tenant.read()
    assert token_calls() == before + 1 and tenant.sleeps == []


def test_a_bad_secret_is_reported_without_retrying(tmp_path: Path) -> None:
    with harness(DOMAIN) as h:
        settings = h.settings | {"client_secret": "wrong"}
        provider = Microsoft365Provider("m365", settings, ProviderContext(tmp_path, CredentialSink(tmp_path / "c")))
        with pytest.raises(ProviderError, match="AADSTS7000215") as caught:
            provider.read([DOMAIN])
        assert "wrong" not in str(caught.value)


def test_a_new_user_not_replicated_yet_is_waited_for(tenant: Tenant) -> None:
    tenant.read()
    tenant.fake.lag = 2
    tenant.converge(Action.CREATE, None, box("sunqi", "孙七"))
    assert tenant.sleeps == [1.0, 2.0]


def test_planning_ten_thousand_people_costs_one_call_per_page(tmp_path: Path) -> None:
    def seed(fake: GraphFake) -> None:
        for i in range(10_000):
            fake.add_user(f"user{i:05d}@{DOMAIN}", f"User {i}")
        for g in range(3):
            fake.add_group(f"team{g}@{DOMAIN}", f"Team {g}", [f"user{i:05d}@{DOMAIN}" for i in range(1200)])

    with harness(DOMAIN, seed) as h:
        provider = Microsoft365Provider("m365", h.settings, ProviderContext(tmp_path, CredentialSink(tmp_path / "c")))
        observed = provider.read([DOMAIN])
        assert len(observed.state.of_kind("mailbox")) == 10_000
        fake = h.fake
        assert fake.count("GET", "/v1.0/users") == math.ceil(10_000 / 999) == 11
        assert fake.count("GET", "/v1.0/groups/[^/]+/members") == 3 * 2  # 1,200 members: 2 pages each
        assert fake.count("GET", "/v1.0/groups/[^/]+/owners") == 3
        fixed = 1 + 1 + 1 + 1 + 2  # token, domains, administrative units, group list, two role-assignment lists
        assert sum(fake.calls.values()) == 11 + 6 + 3 + fixed
        assert fake.violations == []


def test_a_federated_token_replaces_the_secret(tmp_path: Path) -> None:
    with harness(DOMAIN) as h:
        h.fake.assertion = "eyJhbGciOiJSUzI1NiJ9.github-oidc.sig"
        settings = {k: v for k, v in h.settings.items() if k != "client_secret"}
        settings["federated_token"] = h.fake.assertion
        provider = Microsoft365Provider("m365", settings, ProviderContext(tmp_path, CredentialSink(tmp_path / "c")))
        assert ("domain", DOMAIN) in provider.read([DOMAIN]).state
        with pytest.raises(ValueError, match="exactly one"):
            Microsoft365Provider("m365", settings | {"client_secret": "x"}, provider.context)


def test_a_group_with_a_posting_rule_is_made_through_graph_and_the_rule_left_to_exchange(tenant: Tenant) -> None:
    zhang = box("zhangsan", "张三")
    tenant.apply(Action.CREATE, None, zhang)
    team = Group(
        address=f"team@{DOMAIN}",
        name="T",
        members=(zhang.address,),
        post_policy="senders",
        senders=("boss@partner.example",),
    )
    steps = tenant.provider.manual_instructions(Change(Action.CREATE, "m365", None, team))
    assert (
        f"Set-UnifiedGroup -Identity 'team@{DOMAIN}' -AcceptMessagesOnlySendersOrMembers "
        f"'boss@partner.example','{zhang.address}'"
    ) in steps
    # Created through Graph; the rule it asked Exchange for is read back from mailplan's note.
    tenant.converge(Action.CREATE, None, team)
    # A new name alone asks nothing of Exchange; a new member is on the allow-list, so it does.
    renamed = dataclasses.replace(team, name="Team")
    assert tenant.provider.manual_instructions(Change(Action.UPDATE, "m365", team, renamed)) == ""
    tenant.converge(Action.UPDATE, team, renamed)
    everyone = Group(address=f"all@{DOMAIN}", name="All", members=(zhang.address,))
    # Exchange makes a new Microsoft 365 group refuse outside senders: "anyone" is a step too.
    steps = tenant.provider.manual_instructions(Change(Action.CREATE, "m365", None, everyone))
    assert f"Set-UnifiedGroup -Identity 'all@{DOMAIN}' -RequireSenderAuthenticationEnabled $false" in steps


def test_a_distribution_list_is_changed_in_exchange_not_through_graph(tenant: Tenant) -> None:
    z, li = f"zhangsan@{DOMAIN}", f"lisi@{DOMAIN}"
    tenant.fake.add_user(z, "张三")
    tenant.fake.add_user(li, "李四")
    tenant.fake.add_group(f"all@{DOMAIN}", "Everyone", [z], unified=False)
    before = tenant.read()[("group", f"all@{DOMAIN}")]
    assert before == Group(address=f"all@{DOMAIN}", name="Everyone", members=(z,))
    after = Group(address=f"all@{DOMAIN}", name="Everyone", members=(li,), owners=(z,))
    change = Change(Action.UPDATE, "m365", before, after)
    assert tenant.provider.wholly_manual(change)
    steps = tenant.provider.manual_instructions(change)
    assert f"Add-DistributionGroupMember -Identity 'all@{DOMAIN}' -Member '{li}'" in steps
    assert f"Remove-DistributionGroupMember -Identity 'all@{DOMAIN}' -Member '{z}' -Confirm:$false" in steps
    assert f"Set-DistributionGroup -Identity 'all@{DOMAIN}' -ManagedBy @{{Add='{z}'}}" in steps
    with pytest.raises(NotSupported, match="Add-DistributionGroupMember"):
        tenant.provider.apply(change)
    # Graph itself refuses the write, as it does for every mail-enabled group that is not Unified.
    with pytest.raises(ProviderError, match="Cannot Update a mail-enabled security groups and or distribution list"):
        tenant.provider._group(change)
    assert tenant.fake.violations == []


def test_a_functional_mailbox_is_a_shared_mailbox_made_in_exchange(tenant: Tenant) -> None:
    tenant.read()
    info = box("info", "信息咨询", kind="functional", department="销售部")
    create = Change(Action.CREATE, "m365", None, info)
    assert tenant.provider.wholly_manual(create)
    steps = tenant.provider.manual_instructions(create)
    assert f"New-Mailbox -Shared -Name 'info' -DisplayName '信息咨询' -PrimarySmtpAddress 'info@{DOMAIN}'" in steps
    assert f"Set-User -Identity 'info@{DOMAIN}' -Department '销售部'" in steps
    with pytest.raises(NotSupported, match="New-Mailbox -Shared"):
        tenant.provider.apply(create)
    assert tenant.fake.users == {} and tenant.credential_lines() == []  # no licensed user, no password
    # Its automatic reply waits for it too, as an Exchange step, instead of failing in Graph.
    reply = AutoReply(address=info.address, subject="已收到", body="谢谢")
    assert tenant.provider.wholly_manual(Change(Action.CREATE, "m365", None, reply))
    assert "Set-MailboxAutoReplyConfiguration -Identity 'info@example.com' -AutoReplyState Enabled" in (
        tenant.provider.manual_instructions(Change(Action.CREATE, "m365", None, reply))
    )

    # Once a person has run the steps, Graph shows a user with sign-in blocked: a shared mailbox, not frozen.
    user = tenant.fake.add_shared_mailbox(info.address, "信息咨询")
    user["department"] = "销售部"
    assert tenant.read()[("mailbox", info.address)] == info
    tenant.converge(Action.CREATE, None, reply)  # now through Graph
    expired = dataclasses.replace(info, frozen=True)
    tenant.converge(Action.FREEZE, info, expired)
    tenant.converge(Action.UNFREEZE, expired, info)
    assert user["accountEnabled"] is False and tenant.credential_lines() == []  # it never signs in
    # One whose sign-in was left allowed is a shared mailbox all the same (it has no licence).
    tenant.fake.add_shared_mailbox(f"sales@{DOMAIN}", "销售询盘", sign_in_blocked=False)
    assert tenant.read()[("mailbox", f"sales@{DOMAIN}")] == box("sales", "销售询盘", kind="functional")
    # A person's mailbox turned into a functional one is Set-Mailbox -Type Shared.
    turned = Change(Action.UPDATE, "m365", box("lisi", "李四"), box("lisi", "李四", kind="functional"))
    assert tenant.provider.wholly_manual(turned)
    assert f"Set-Mailbox -Identity 'lisi@{DOMAIN}' -Type Shared" in tenant.provider.manual_instructions(turned)


def test_a_hold_is_the_exchange_litigation_hold_before_anything_else(tenant: Tenant) -> None:
    zhang = box("zhangsan", "张三", frozen=True)
    hold = Change(Action.CREATE, "m365", None, Hold(address=zhang.address))
    steps = tenant.provider.manual_instructions(hold)
    assert f"Set-Mailbox -Identity '{zhang.address}' -LitigationHoldEnabled $true" in steps
    with pytest.raises(NotSupported, match="LitigationHoldEnabled"):
        tenant.provider.apply(hold)
    # In a plan the hold comes before the handover and the freeze, and before a deletion of the mailbox.
    plan = [
        Change(Action.REMOVE, "m365", zhang, None),
        Change(Action.FREEZE, "m365", box("zhangsan", "张三"), zhang),
        Change(Action.CREATE, "m365", None, AutoReply(address=zhang.address, subject="s", body="b")),
        hold,
    ]
    assert sorted(plan, key=order_key)[0] is hold


def test_a_guest_is_no_mailbox_of_the_tenant(tenant: Tenant) -> None:
    # A guest keeps its own address, which may be in one of our domains (invited before the domain was added).
    upn = f"agent_{DOMAIN}#EXT#@tenant.onmicrosoft.com"
    tenant.fake.add_user(upn, "Agent", userType="Guest", mail=f"agent@{DOMAIN}")
    tenant.fake.add_user(f"zhangsan@{DOMAIN}", "张三")
    mailboxes = [o.key for o in tenant.provider.read([DOMAIN]).state.of_kind("mailbox")]
    assert mailboxes == [f"zhangsan@{DOMAIN}"]


def test_a_create_resent_after_a_lost_answer_keeps_its_password(tenant: Tenant) -> None:
    tenant.read()
    tenant.fake.lose_create_answers = 1  # the user is made, but the answer is a 503: the client sends again
    zhou = box("zhouba", "周八")
    answer = tenant.converge(Action.CREATE, None, zhou)
    user = tenant.fake.user(zhou.address)
    assert tenant.sleeps and "adopted" not in answer
    ((address, password, note),) = tenant.credential_lines()
    assert (address, password) == (zhou.address, tenant.fake.passwords[user["id"]]) and "sent again" in note
    assert user["mail"] == zhou.address  # licensed like any new user
