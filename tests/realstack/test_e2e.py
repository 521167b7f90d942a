"""The example company, end to end: the CLI applies the config, real Postfix and
Dovecot serve the result, and people's mail behaves as the config says — through
an offboarding and a rehire."""

from __future__ import annotations

import dataclasses
import datetime as dt
import imaplib
import re
import shutil
import smtplib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailplan.providers.mail.local.serverconfig import ServerParams
from realstack.imap_rights import try_to_change
from servers.accounts import Account
from servers.common import server_dir
from servers.mailstack import OUTSIDER, Generate, MailStack, MailStackFactory

pytestmark = pytest.mark.realstack

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mailplan.yaml"
DOMAIN = "huamao-trade.com"
LEAVER_LINE = "  - {name: 张伟, department: sales, tier: staff}"  # zhangwei, a salesperson
LEAVER, SUCCESSOR = f"zhangwei@{DOMAIN}", f"wangfang@{DOMAIN}"
# department:sales with its sub-department sales-eu, as the example config lists them (lina2 has left)
SALES_TEAM = (
    "wangfang", "zhangsan", "shanxiongxin", "zengxiaodong", "zhawenjing", "miaohaifeng", "zhoumin", "zhangwei",
    "carlos.mendes", "xiesiyuan", "yuchiwenbo", "john.smith", "anna.muller", "olivia.brown",
)  # fmt: skip
NEW_CUSTOMER = "new.customer@client.example"  # has never written before, so no reply log holds back a reply
# set by server-config from the config itself, not from the test's flags
FROM_CONFIG = {"database", "hostname", "postmaster"}


def addr(local: str) -> str:
    return f"{local}@{DOMAIN}"


class Company:
    """A copy of the example config in a folder of its own, driven through the CLI; its database belongs
    to the group of the user the mail helpers run as."""

    def __init__(self, folder: Path, helper: Account) -> None:
        self.folder = folder
        self.config = folder / "mailplan.yaml"
        shutil.copy(EXAMPLE, self.config)
        mx_host = "    mx_host: mx.huamao-trade.com\n"
        self.edit(mx_host, f"{mx_host}    database_group: {helper.name}\n")

    def mailplan(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mailplan", *args], cwd=self.folder, capture_output=True, text=True, check=False
        )

    def apply(self) -> None:
        """Apply, then prove the re-plan is empty (plan --detailed-exitcode exits 0)."""
        applied = self.mailplan("apply", str(self.config), "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        replan = self.mailplan("plan", str(self.config), "--detailed-exitcode")
        assert replan.returncode == 0, replan.stdout + replan.stderr

    def edit(self, old: str, new: str) -> None:
        text = self.config.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"expected one {old!r} in the example config"
        self.config.write_text(text.replace(old, new), encoding="utf-8")

    def passwords(self, address: str) -> list[str]:
        """What the credentials file lists for ``address``."""
        return [
            line.partition("\t")[2]
            for line in (self.folder / ".mailplan" / "credentials.txt").read_text().splitlines()
            if line.partition("\t")[0] == address
        ]

    def password(self, address: str) -> str:
        """The initial password the provider wrote for ``address``: one line, the one that works."""
        [found] = self.passwords(address)
        return found

    def server_config(self) -> Generate:
        """Generate the servers' files with ``mailplan local server-config``, as a user would."""

        def generate(params: ServerParams) -> None:
            flags = []
            for f in dataclasses.fields(params):
                value = getattr(params, f.name)
                if f.name not in FROM_CONFIG and value is not None:
                    flags += [f"--{f.name.replace('_', '-')}", str(value)]
            result = self.mailplan("local", "server-config", str(self.config), "--out", str(params.config_dir), *flags)
            assert result.returncode == 0, result.stderr
            assert (
                f"dbpath = {self.folder / '.mailplan' / 'mail.sqlite'}"
                in (params.config_dir / "sqlite-recipients.cf").read_text()
            )

        return generate


@pytest.fixture
def company(mail_helper: Account) -> Iterator[Company]:
    folder = server_dir("company")
    yield Company(folder, mail_helper)
    shutil.rmtree(folder, ignore_errors=True)


def _refused(stack: MailStack, to: str, subject: str) -> tuple[int, bytes]:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        stack.send(to, subject)
    return refused.value.recipients[to]


def test_example_company_end_to_end(company: Company, mailstack_factory: MailStackFactory) -> None:
    company.apply()
    stack = mailstack_factory(company.folder / ".mailplan" / "mail.sqlite", company.server_config())

    def inbox_has(address: str, subject: str) -> None:
        stack.wait_for(address, company.password(address), subject)

    # --- mail from outside reaches the right inboxes ---------------------------------------------------------
    assert stack.send(LEAVER, "quotation for 500 units") == {}  # a person
    assert stack.send(addr("hr"), "job application") == {}  # an alias: chenjianguo, sunli
    assert stack.send(addr("sales-team"), "enquiry to the sales team") == {}  # a group, open to anyone
    assert stack.send("zs@huamao.cn", "via the old domain") == {}  # the alias domain + zhangsan's alias zs
    assert stack.send(addr("info"), "catalogue please") == {}  # a functional mailbox with an acknowledgement
    inbox_has(LEAVER, "quotation for 500 units")
    inbox_has(addr("chenjianguo"), "job application")
    inbox_has(addr("sunli"), "job application")
    for member in SALES_TEAM:
        inbox_has(addr(member), "enquiry to the sales team")
    inbox_has(addr("zhangsan"), "via the old domain")
    inbox_has(addr("info"), "catalogue please")
    stack.settle()
    assert [m.subject for m in stack.capture.to("m.keller@keller-handel.example")] == ["enquiry to the sales team"]
    acknowledgements = stack.capture.to(OUTSIDER)
    assert [m.subject for m in acknowledgements] == ["已收到您的邮件 / We have received your message"]
    # the journal copy of the policy's archive
    inbox_has(addr("archive"), "catalogue please")
    # the sales manager's tier lets her open info@ with her own password
    stack.wait_for(f"{addr('info')}*{SUCCESSOR}", company.password(SUCCESSOR), "catalogue please")
    # an order mailbox that expired before it was made: created frozen, no password issued, yet its
    # owner opens it (read-only: it is kept as it was)
    expired = addr("order-2026-097")
    assert company.passwords(expired) == []
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        stack.imap(expired, "any password")
    owner = stack.imap(f"{expired}*{addr('carlos.mendes')}", company.password(addr("carlos.mendes")))
    try:
        with pytest.raises(imaplib.IMAP4.readonly):
            owner.select("INBOX")
        owner.is_readonly = True
        assert owner.append("INBOX", None, None, b"Subject: x\r\n\r\ny\r\n")[0] == "NO"
    finally:
        owner.logout()

    # --- post: senders — supplier-notice@ takes mail from zhaolei and ceo, not from every member ---------------
    member, listed = addr("qiuhaiyan"), addr("zhaolei")  # both in purchasing, so both members
    with pytest.raises(smtplib.SMTPRecipientsRefused) as not_a_sender:
        stack.submit(member, company.password(member), addr("supplier-notice"), "a member writes to suppliers")
    assert not_a_sender.value.recipients[addr("supplier-notice")][0] == 550
    assert stack.submit(listed, company.password(listed), addr("supplier-notice"), "notice to suppliers") == {}
    inbox_has(member, "notice to suppliers")

    # --- 张伟 leaves; HR offboards him to 王芳 -----------------------------------------------------------------
    leaver_password = company.password(LEAVER)
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    before = company.config.read_text(encoding="utf-8")
    offboard = company.mailplan("offboard", "mailplan.yaml", LEAVER, "--successor", "王芳", "--on", yesterday,
                                "--reason", "合同到期 (contract ended)")
    assert offboard.returncode == 0, offboard.stdout + offboard.stderr
    assert f"! mailbox {LEAVER}" in offboard.stdout  # HR sees the plan the departure causes
    after = company.config.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert len(changed) == 1 and changed[0][0].startswith(LEAVER_LINE), "offboard must touch only the leaver's entry"
    company.apply()

    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        stack.imap(LEAVER, leaver_password)
    assert company.passwords(LEAVER) == []  # the file lists no password that no longer works
    # the successor opens the leaver's mailbox with her own password: the old conversations, read-only
    handed_over = try_to_change(stack, f"{LEAVER}*{SUCCESSOR}", company.password(SUCCESSOR), "quotation for 500 units")
    assert handed_over.read_only, handed_over
    assert "quotation for 500 units" in stack.stored_subjects(LEAVER)

    assert stack.send(LEAVER, "follow-up on the quotation") == {}
    inbox_has(SUCCESSOR, "follow-up on the quotation")
    stack.settle()
    notices = [m for m in stack.capture.to(OUTSIDER) if "张伟" in m.subject]
    assert len(notices) == 1
    assert "wangfang@huamao-trade.com" in notices[0].text and "王芳" in notices[0].text
    assert "follow-up on the quotation" not in stack.stored_subjects(LEAVER)
    # the group goes on without the leaver, and without bouncing
    assert stack.send(addr("sales-team"), "second enquiry") == {}
    for member in SALES_TEAM:
        if addr(member) != LEAVER:
            inbox_has(addr(member), "second enquiry")
    stack.settle()
    assert "second enquiry" not in stack.stored_subjects(LEAVER)
    assert "status=bounced" not in stack.postfix_log()

    # --- posting rules: only members write to managers@ --------------------------------------------------------
    code, text = _refused(stack, addr("managers"), "a supplier writes to the managers")
    assert code == 550 and re.search(rb"5\.7\.1 .*only members", text)

    # --- 张伟 comes back ----------------------------------------------------------------------------------------
    rehire = company.mailplan("rehire", "mailplan.yaml", LEAVER)
    assert rehire.returncode == 0, rehire.stdout + rehire.stderr
    assert company.config.read_text(encoding="utf-8") == before, "rehire restores the entry as it was"
    company.apply()
    conn = stack.imap(LEAVER, company.password(LEAVER))
    conn.logout()
    # the handover is over: his mail is his again, no copy to the successor, no auto-reply
    assert stack.send(LEAVER, "welcome back", sender=NEW_CUSTOMER) == {}
    inbox_has(LEAVER, "welcome back")
    stack.settle()
    assert "welcome back" not in stack.stored_subjects(SUCCESSOR)
    assert stack.capture.to(NEW_CUSTOMER) == []
