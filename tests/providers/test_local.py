"""The local mail provider against a real SQLite file, as Postfix and Dovecot would read it."""

from __future__ import annotations

import dataclasses
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

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
    Mailbox,
    MailObject,
    Policy,
)
from mailplan.providers.base import CredentialSink, NotSupported, ProviderContext, ProviderError
from mailplan.providers.mail.local.passwords import verify_password
from mailplan.providers.mail.local.provider import LocalMailProvider
from servers.common import require_binaries

IDN = "例子.中国".encode("idna").decode()  # xn--fsqu00a.xn--fiqs8s
DOMAINS = ("example.com", "example.net", IDN)

ZHANGSAN = Mailbox(address="zhangsan@example.com", name="张三", department="sales", quota_mb=2048)
ONE_OF_EACH: list[MailObject] = [
    Domain(name="example.com", description="总部"),
    Domain(name="example.net", alias_of="example.com"),
    Domain(name=IDN),
    Policy(scope="example.com", password_min_length=14, password_max_age_days=90),
    Department(name="sales", org_domain="example.com", title="销售部", manager="lisi@example.com"),
    ZHANGSAN,
    Mailbox(address=f"info@{IDN}", name="信息", kind="functional"),
    ArchiveRule(scope="example.com", copy_to="archive@example.com", retention_days=3650),
    Alias(address="postmaster@example.com", targets=("it@example.com", "zhangsan@example.com")),
    Group(
        address="sales@example.com",
        name="销售",
        members=("lisi@example.com", "zhangsan@example.com"),
        post_policy="senders",
        senders=("@partner.example", "boss@example.com"),
        owners=("lisi@example.com",),
    ),
    Forwarding(address="wangwu@example.com", targets=("zhangsan@example.com",)),
    AutoReply(address="wangwu@example.com", subject="王五已离职", body="请联系 zhangsan@example.com。\n谢谢"),
    Delegation(mailbox="info@example.com", grantee="zhangsan@example.com", read=True, send=True),
    AdminRole(address="lisi@example.com", level="department", departments=("sales", "support")),
]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def provider(workdir: Path) -> LocalMailProvider:
    context = ProviderContext(base_dir=workdir, credentials=CredentialSink(workdir / "secret" / "credentials.tsv"))
    return LocalMailProvider("mail", {"database": "data/mail.sqlite", "mx_host": "mx.example.com"}, context)


def do(provider: LocalMailProvider, action: Action, before: MailObject | None, after: MailObject | None) -> str:
    return provider.apply(Change(action, "mail", before, after))


def query(workdir: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(workdir / "data" / "mail.sqlite") as db:
        return db.execute(sql, args).fetchall()


@pytest.mark.parametrize("obj", ONE_OF_EACH, ids=lambda o: f"{o.KIND}:{o.key}")
def test_create_then_read_gives_back_the_same_object(provider: LocalMailProvider, obj: MailObject) -> None:
    answer = do(provider, Action.CREATE, None, obj)
    assert answer == f"inserted {obj.KIND} {obj.key}"
    observed = provider.read(DOMAINS)
    assert list(observed.state) == [obj]
    assert observed.managed == {obj.ident}


def test_everything_at_once_reads_back_equal(provider: LocalMailProvider) -> None:
    for obj in ONE_OF_EACH:
        do(provider, Action.CREATE, None, obj)
    observed = provider.read(DOMAINS)
    assert sorted(observed.state, key=lambda o: o.ident) == sorted(ONE_OF_EACH, key=lambda o: o.ident)
    # only the domains asked about
    assert {o.domain for o in provider.read(["example.net"]).state} == {"example.net"}


UPDATES: list[tuple[MailObject, MailObject]] = [
    (ONE_OF_EACH[0], Domain(name="example.com", description="HQ")),
    (Domain(name="example.net", alias_of="example.com"), Domain(name="example.net")),
    (ONE_OF_EACH[3], Policy(scope="example.com", password_min_length=16, require_2fa=False)),
    (ONE_OF_EACH[4], Department(name="sales", org_domain="example.com", title="Sales", parent="hq")),
    (ZHANGSAN, dataclasses.replace(ZHANGSAN, name="张三丰", kind="functional", department=None, quota_mb=0)),
    (ONE_OF_EACH[8], Alias(address="postmaster@example.com", targets=("it@example.com",))),
    (ONE_OF_EACH[9], dataclasses.replace(ONE_OF_EACH[9], members=("a@example.com",), post_policy="members")),  # type: ignore[arg-type]
    (ONE_OF_EACH[10], Forwarding(address="wangwu@example.com", targets=("a@x.example", "b@example.com"))),
    (ONE_OF_EACH[12], Delegation(mailbox="info@example.com", grantee="zhangsan@example.com", read=True)),
    (ONE_OF_EACH[13], AdminRole(address="lisi@example.com", level="super")),
]


@pytest.mark.parametrize(("before", "after"), UPDATES, ids=lambda o: f"{o.KIND}:{o.key}")
def test_update_then_read_gives_back_the_new_object(
    provider: LocalMailProvider, before: MailObject, after: MailObject
) -> None:
    do(provider, Action.CREATE, None, before)
    assert do(provider, Action.UPDATE, before, after) == f"updated {after.KIND} {after.key}"
    assert list(provider.read(DOMAINS).state) == [after]


@pytest.mark.parametrize("obj", [o for o in ONE_OF_EACH if o.KIND != "domain"], ids=lambda o: f"{o.KIND}:{o.key}")
def test_remove_takes_the_object_and_its_managed_mark_away(provider: LocalMailProvider, obj: MailObject) -> None:
    do(provider, Action.CREATE, None, obj)
    assert do(provider, Action.REMOVE, obj, None).startswith(f"deleted {obj.KIND} {obj.key}")
    observed = provider.read(DOMAINS)
    assert len(observed.state) == 0
    assert observed.managed == frozenset()


def test_freeze_stops_login_and_delivery_unfreeze_restores_them(provider: LocalMailProvider, workdir: Path) -> None:
    do(provider, Action.CREATE, None, ZHANGSAN)
    frozen = dataclasses.replace(ZHANGSAN, frozen=True)
    assert do(provider, Action.FREEZE, ZHANGSAN, frozen) == "froze mailbox zhangsan@example.com"
    assert list(provider.read(DOMAINS).state) == [frozen]
    # What Dovecot's password_query and Postfix's alias/mailbox maps see:
    assert query(workdir, "SELECT username FROM mailbox WHERE username = ? AND active = '1'", ZHANGSAN.address) == []
    assert query(workdir, "SELECT smtp_active FROM mailbox WHERE username = ?", ZHANGSAN.address) == [(0,)]
    assert query(workdir, "SELECT goto FROM alias WHERE address = ? AND active = '1'", ZHANGSAN.address) == []

    assert do(provider, Action.UNFREEZE, frozen, ZHANGSAN) == "unfroze mailbox zhangsan@example.com"
    assert list(provider.read(DOMAINS).state) == [ZHANGSAN]
    assert query(workdir, "SELECT goto FROM alias WHERE address = ? AND active = '1'", ZHANGSAN.address) == [
        (ZHANGSAN.address,)
    ]
    assert query(workdir, "SELECT active, smtp_active FROM mailbox WHERE username = ?", ZHANGSAN.address) == [(1, 1)]


@pytest.mark.parametrize(
    ("hand_edit", "shown"),
    [
        ("UPDATE mailbox SET smtp_active = 0 WHERE username = 'zhangsan@example.com'", "cannot send"),
        ("UPDATE alias SET active = 0 WHERE address = 'zhangsan@example.com'", "alias domain bounces"),
        ("DELETE FROM alias WHERE address = 'zhangsan@example.com'", "alias row is missing"),
    ],
    ids=["smtp_active-off", "identity-alias-off", "identity-alias-gone"],
)
def test_an_active_mailbox_the_server_would_not_serve_reads_as_differing_and_is_repaired(
    provider: LocalMailProvider, workdir: Path, hand_edit: str, shown: str
) -> None:
    do(provider, Action.CREATE, None, ZHANGSAN)
    with sqlite3.connect(workdir / "data" / "mail.sqlite") as db:
        db.execute(hand_edit)
    seen = provider.read(DOMAINS).state.get(ZHANGSAN.ident)
    assert seen is not None and seen != ZHANGSAN
    assert isinstance(seen, Mailbox) and not seen.frozen  # an update, not an unfreeze: the password stays
    change = Change(Action.UPDATE, "mail", seen, ZHANGSAN)
    assert [(name, after) for name, _, after in change.attr_changes()] == [("out_of_step", None)]
    assert shown in change.attr_changes()[0][1]
    password = query(workdir, "SELECT password FROM mailbox WHERE username = ?", ZHANGSAN.address)

    provider.apply(change)

    assert list(provider.read(DOMAINS).state) == [ZHANGSAN]
    assert query(workdir, "SELECT active, smtp_active FROM mailbox WHERE username = ?", ZHANGSAN.address) == [(1, 1)]
    assert query(workdir, "SELECT goto, active FROM alias WHERE address = ?", ZHANGSAN.address) == [
        (ZHANGSAN.address, 1)
    ]
    assert query(workdir, "SELECT password FROM mailbox WHERE username = ?", ZHANGSAN.address) == password


def test_a_frozen_mailbox_is_closed_by_active_alone(provider: LocalMailProvider, workdir: Path) -> None:
    frozen = dataclasses.replace(ZHANGSAN, frozen=True)
    do(provider, Action.CREATE, None, ZHANGSAN)
    do(provider, Action.FREEZE, ZHANGSAN, frozen)
    with sqlite3.connect(workdir / "data" / "mail.sqlite") as db:
        # as PostfixAdmin leaves a deactivated mailbox: smtp_active untouched
        db.execute("UPDATE mailbox SET smtp_active = 1 WHERE username = 'zhangsan@example.com'")
    assert list(provider.read(DOMAINS).state) == [frozen]


def test_freezing_a_missing_mailbox_is_an_error(provider: LocalMailProvider) -> None:
    with pytest.raises(ProviderError, match="does not exist"):
        do(provider, Action.FREEZE, ZHANGSAN, dataclasses.replace(ZHANGSAN, frozen=True))


def _hand_made_mailbox(workdir: Path, provider: LocalMailProvider) -> None:
    """A mailbox as PostfixAdmin creates it: the mailbox row plus its identity alias."""
    provider.read(DOMAINS)  # does not create the database
    assert not (workdir / "data" / "mail.sqlite").exists()
    do(provider, Action.CREATE, None, Domain(name="example.com"))
    with sqlite3.connect(workdir / "data" / "mail.sqlite") as db:
        db.execute(
            "INSERT INTO mailbox (username, password, name, maildir, quota, local_part, domain)"
            " VALUES ('zhangsan@example.com', '{PLAIN}by-hand', 'Zhang San', 'example.com/zhangsan/', 0,"
            " 'zhangsan', 'example.com')"
        )
        db.execute(
            "INSERT INTO alias (address, goto, domain)"
            " VALUES ('zhangsan@example.com', 'zhangsan@example.com', 'example.com')"
        )
        db.execute(
            "INSERT INTO alias (address, goto, domain) VALUES ('team@example.com', 'a@b.example', 'example.com')"
        )


def test_create_adopts_an_existing_mailbox_and_keeps_its_password(provider: LocalMailProvider, workdir: Path) -> None:
    _hand_made_mailbox(workdir, provider)
    before = provider.read(DOMAINS)
    assert Mailbox(address="zhangsan@example.com", name="Zhang San") in list(before.state)
    assert ("mailbox", "zhangsan@example.com") not in before.managed

    assert do(provider, Action.CREATE, None, ZHANGSAN) == "adopted existing mailbox zhangsan@example.com"
    after = provider.read(DOMAINS)
    assert ZHANGSAN in list(after.state)
    assert ("mailbox", "zhangsan@example.com") in after.managed
    assert query(workdir, "SELECT password FROM mailbox") == [("{PLAIN}by-hand",)]
    assert not (workdir / "secret" / "credentials.tsv").exists()


def test_hand_edits_show_as_drift_and_hand_rows_as_unmanaged(provider: LocalMailProvider, workdir: Path) -> None:
    _hand_made_mailbox(workdir, provider)
    do(provider, Action.CREATE, None, ZHANGSAN)
    with sqlite3.connect(workdir / "data" / "mail.sqlite") as db:
        db.execute("UPDATE mailbox SET name = '张三 (old)', active = 0 WHERE username = 'zhangsan@example.com'")
    observed = provider.read(DOMAINS)
    read_back = observed.state.get(ZHANGSAN.ident)
    assert read_back == dataclasses.replace(ZHANGSAN, name="张三 (old)", frozen=True)
    team = Alias(address="team@example.com", targets=("a@b.example",))
    assert team in list(observed.state)
    assert team.ident not in observed.managed


def test_new_mailbox_password_goes_only_to_the_owner_only_credentials_file(
    provider: LocalMailProvider, workdir: Path
) -> None:
    do(provider, Action.CREATE, None, Policy(scope="example.com", password_min_length=24))
    answer = do(provider, Action.CREATE, None, ZHANGSAN)
    credentials = workdir / "secret" / "credentials.tsv"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    address, password = credentials.read_text(encoding="utf-8").strip().split("\t")
    assert address == ZHANGSAN.address
    assert len(password) >= 24
    assert password not in answer
    dump = "\n".join(sqlite3.connect(workdir / "data" / "mail.sqlite").iterdump())
    assert password not in dump
    [(stored,)] = query(workdir, "SELECT password FROM mailbox")
    assert str(stored).startswith("{SHA512-CRYPT}$6$")
    assert verify_password(password, str(stored))
    assert not verify_password(password + "x", str(stored))
    assert query(workdir, "SELECT maildir, local_part, domain FROM mailbox") == [
        ("example.com/zhangsan/", "zhangsan", "example.com")
    ]


@pytest.mark.parametrize("scheme", ["SHA512-CRYPT", "SSHA512"])
def test_dovecot_verifies_the_stored_hash(workdir: Path, scheme: str) -> None:
    require_binaries("doveadm")  # a missing Dovecot fails the run rather than skip the proof
    context = ProviderContext(base_dir=workdir, credentials=CredentialSink(workdir / "credentials.tsv"))
    provider = LocalMailProvider("mail", {"database": "mail.sqlite", "password_scheme": scheme}, context)
    provider.apply(Change(Action.CREATE, "mail", None, ZHANGSAN))
    password = (workdir / "credentials.tsv").read_text(encoding="utf-8").strip().split("\t")[1]
    with sqlite3.connect(workdir / "mail.sqlite") as db:
        [(stored,)] = db.execute("SELECT password FROM mailbox").fetchall()
    assert stored.startswith("{" + scheme + "}")
    ok = subprocess.run(["doveadm", "pw", "-t", stored, "-p", password], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "(verified)" in ok.stdout
    wrong = subprocess.run(["doveadm", "pw", "-t", stored, "-p", password + "x"], capture_output=True, text=True)
    assert wrong.returncode != 0


def test_new_database_is_readable_by_its_group_only(provider: LocalMailProvider, workdir: Path) -> None:
    do(provider, Action.CREATE, None, Domain(name="example.com"))
    path = workdir / "data" / "mail.sqlite"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # it holds password hashes
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o755  # the helpers' user traverses to it
    assert query(workdir, "PRAGMA journal_mode") == [("delete",)]
    assert query(workdir, "SELECT value FROM mailplan_meta WHERE key = 'schema_version'") == [("1",)]


def test_removing_a_mailbox_keeps_its_maildir(provider: LocalMailProvider, workdir: Path) -> None:
    do(provider, Action.CREATE, None, ZHANGSAN)
    maildir = workdir / "vmail" / "example.com" / "zhangsan" / "cur"
    maildir.mkdir(parents=True)
    (maildir / "1.eml").write_text("Subject: keep me\n\n", encoding="utf-8")
    answer = do(provider, Action.REMOVE, ZHANGSAN, None)
    assert answer == "deleted mailbox zhangsan@example.com (its Maildir stays on disk)"
    assert query(workdir, "SELECT count(*) FROM mailbox") == [(0,)]
    assert query(workdir, "SELECT count(*) FROM alias") == [(0,)]
    assert (maildir / "1.eml").exists()


def test_a_domain_that_still_holds_mailboxes_is_not_removed(provider: LocalMailProvider) -> None:
    domain = Domain(name="example.com")
    do(provider, Action.CREATE, None, domain)
    do(provider, Action.CREATE, None, ZHANGSAN)
    with pytest.raises(ProviderError, match="1 mailbox"):
        do(provider, Action.REMOVE, domain, None)
    assert domain in list(provider.read(DOMAINS).state)


def test_an_alias_cannot_take_a_mailbox_address(provider: LocalMailProvider) -> None:
    do(provider, Action.CREATE, None, ZHANGSAN)
    with pytest.raises(ProviderError, match="is a mailbox"):
        do(provider, Action.CREATE, None, Alias(address=ZHANGSAN.address, targets=("x@example.com",)))
    assert list(provider.read(DOMAINS).state) == [ZHANGSAN]


def test_two_factor_is_not_offered(provider: LocalMailProvider) -> None:
    assert "policy.2fa" not in provider.SUPPORTS
    with pytest.raises(NotSupported, match=r"policy\.2fa"):
        do(provider, Action.CREATE, None, Policy(scope="example.com", require_2fa=True))


def test_bad_settings_are_refused(workdir: Path) -> None:
    context = ProviderContext(base_dir=workdir, credentials=CredentialSink(workdir / "c"))
    with pytest.raises(ProviderError, match="password_scheme"):
        LocalMailProvider("mail", {"database": "m.sqlite", "password_scheme": "PLAIN"}, context)
