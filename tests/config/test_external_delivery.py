"""policies.external_delivery: company mail delivered to personal free-mail addresses — allow, warn (the default)
or refuse; a per-entry exception needs a reason; the plan and check show it (issue 16)."""

from __future__ import annotations

import pytest

from mailplan.config.external import free_mail_domain, free_mail_domains
from mailplan.dns.check.dnsview import ZoneDns
from mailplan.dns.check.runner import run, targets_from_desired
from mailplan.render import check_text
from mailplan.session import load_desired

from .conftest import BASE, BASE_LINES, Cli

L = BASE_LINES
PEOPLE = "people:\n  - {name: 张三}\n"
GROUP = "groups:\n  - {address: sales-team, name: 销售团队, members: [zhangsan, laowang@qq.com]}\n"
MESSAGE = (
    "company mail to sales-team@huamao-trade.com is delivered to laowang@qq.com, a personal free-mail address "
    "(qq.com); policies.external_delivery is {setting} — remove it, or give the reason on this group: "
    '`allow_external_delivery: "<why>"`'
)


def test_the_list_holds_what_the_issue_names() -> None:
    listed = free_mail_domains()
    for domain in ("qq.com", "163.com", "126.com", "sina.com", "gmail.com", "outlook.com", "hotmail.com", "yahoo.com"):
        assert domain in listed
    assert free_mail_domain("boss@vip.qq.com") == "qq.com"
    assert free_mail_domain("m.keller@keller-handel.example") == ""


def test_warn_is_the_default_validate_shows_it_and_passes(cli: Cli) -> None:
    code, err = cli.validate(BASE + PEOPLE + GROUP)
    assert code == 0
    assert err == [f"warning: mailplan.yaml:{L + 4}:59: " + MESSAGE.format(setting="warn")]


def test_refuse_is_an_error_at_the_address(cli: Cli) -> None:
    code, err = cli.validate(BASE + PEOPLE + GROUP + "policies: {external_delivery: refuse}\n")
    assert (code, err) == (1, [f"mailplan.yaml:{L + 4}:59: " + MESSAGE.format(setting="refuse"),
                               "1 problem found; nothing was changed."])  # fmt: skip


def test_allow_says_nothing(cli: Cli) -> None:
    assert cli.validate(BASE + PEOPLE + GROUP + "policies: {external_delivery: allow}\n") == (0, [])


@pytest.mark.parametrize(
    "text",
    [
        "aliases:\n  - {address: boss-home, to: [laowang@gmail.com]}\n",
        "aliases:\n  - {address: boss-home, to: [laowang@vip.163.com]}\n",
        "mailboxes:\n  - {address: archive, name: A}\npolicies: {archive: {journal_to: backup@outlook.com}}\n",
    ],
)
def test_alias_targets_and_the_archive_copy_are_checked_too(cli: Cli, text: str) -> None:
    refuse = "" if "policies" in text else "policies: {external_delivery: refuse}\n"
    code, err = cli.validate(BASE + text + refuse)
    if "policies" in text:  # warn: the archive copy
        assert code == 0 and "a copy of all company mail is delivered to backup@outlook.com" in err[0]
    else:
        assert code == 1 and "is delivered to laowang@" in err[0] and "give the reason on this alias" in err[0]


def test_an_exception_with_its_reason_is_accepted(cli: Cli) -> None:
    group = GROUP.replace("}\n", ", allow_external_delivery: '外贸代理 Lao Wang, contract 2026-03'}\n")
    assert cli.validate(BASE + PEOPLE + group + "policies: {external_delivery: refuse}\n") == (0, [])


def test_an_exception_without_a_reason_is_an_error(cli: Cli) -> None:
    group = GROUP.replace("}\n", ", allow_external_delivery: ''}\n")
    code, err = cli.validate(BASE + PEOPLE + group)
    assert code == 1
    assert err[0].startswith(f"mailplan.yaml:{L + 4}:101: groups[0].allow_external_delivery: an exception needs its "
                             "reason")  # fmt: skip


def test_a_business_partner_is_not_free_mail(cli: Cli) -> None:
    group = "groups:\n  - {address: t, name: T, members: [m.keller@keller-handel.example]}\n"
    assert cli.validate(BASE + group + "policies: {external_delivery: refuse}\n") == (0, [])


def test_the_plan_shows_the_warning_in_text_and_markdown(cli: Cli) -> None:
    (cli.folder / "mailplan.yaml").write_text(BASE + PEOPLE + GROUP, encoding="utf-8")
    code, out, _ = cli("plan", str(cli.folder / "mailplan.yaml"))
    assert code == 0
    assert f"  ! {cli.folder}/mailplan.yaml:{L + 4}:59: " + MESSAGE.format(setting="warn") in out
    code, out, _ = cli("plan", str(cli.folder / "mailplan.yaml"), "--format", "markdown")
    assert "> [!WARNING]" in out and "is delivered to laowang@qq.com" in out


def test_check_reports_it_as_pol01(cli: Cli) -> None:
    path = cli.folder / "mailplan.yaml"
    path.write_text(BASE + PEOPLE + GROUP, encoding="utf-8")
    import datetime as dt

    desired = load_desired(path, dt.date(2026, 11, 1), create_keys=False)
    zones = {d: f"$ORIGIN {d}.\n$TTL 300\n@ IN SOA ns1 h 1 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 127.0.0.1\n"
             for d in ("huamao-trade.com", "huamao.cn")}  # fmt: skip
    report = run(targets_from_desired(desired), ZoneDns(zones))
    (finding,) = [f for d in report.domains for f in d.findings if f.rule == "POL01" and f.failed]
    assert finding.severity == "warning"
    assert finding.message == MESSAGE.format(setting="warn")
    assert finding.found == f"{path}:{L + 4}:59"
    assert "POL01" in check_text.render(report)
