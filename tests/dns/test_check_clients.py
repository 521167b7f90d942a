"""The client records (RFC 6186 SRV, autoconfig, autodiscover): derived for the self-hosted backend only,
and checked by `check` as a mail client would use them (AD01 compares, AD03 and AD04 judge usability)."""

from __future__ import annotations

import pytest
from check_zones import good_body, zone

from mailplan.dns.check.context import Target
from mailplan.dns.check.dnsview import ZoneDns
from mailplan.dns.check.model import DomainReport
from mailplan.dns.check.runner import check_domain
from mailplan.dns.derive import example_facts, mail_records
from mailplan.dns.templates import TEMPLATES

D = "example.test"

CLIENTS = (
    "_imap._tcp IN SRV 0 1 143 mx\n"
    "_imaps._tcp IN SRV 0 1 993 mx\n"
    "_submission._tcp IN SRV 0 1 587 mx\n"
    "_submissions._tcp IN SRV 0 1 465 mx\n"
    "_pop3s._tcp IN SRV 0 0 0 .\n"
    "_autodiscover._tcp IN SRV 0 1 443 mx\n"
    "autoconfig IN CNAME mx\n"
    "autodiscover IN CNAME mx\n"
)


def derived() -> tuple:  # what the config derives for a self-hosted example.test whose mail host is mx.example.test
    facts = example_facts("local", D)
    facts = type(facts)(**{**facts.__dict__, "mail_settings": {"mx_host": f"mx.{D}"}})
    return tuple(r for r in mail_records(facts) if r.rtype in ("SRV", "CNAME"))


def check(body: str) -> DomainReport:
    return check_domain(Target(D, expected=derived(), dkim_selectors=("mail",)), ZoneDns({D: zone(body, D)}))


def findings(report: DomainReport, rule: str) -> list:
    return [f for f in report.findings if f.rule == rule]


def test_the_self_hosted_backend_publishes_what_rfc_6186_clients_ask_for() -> None:
    values = {(r.name, r.rtype): r.values for r in derived()}
    # what server-config serves: implicit TLS (993, 465) and STARTTLS (143, 587)
    assert values["_imaps._tcp", "SRV"] == (f"0 1 993 mx.{D}.",)
    assert values["_imap._tcp", "SRV"] == (f"0 1 143 mx.{D}.",)
    assert values["_submissions._tcp", "SRV"] == (f"0 1 465 mx.{D}.",)
    assert values["_submission._tcp", "SRV"] == (f"0 1 587 mx.{D}.",)
    assert values["_pop3s._tcp", "SRV"] == ("0 0 0 .",)  # RFC 6186 §4: no POP, said so
    assert values["autoconfig", "CNAME"] == values["autodiscover", "CNAME"] == (f"mx.{D}.",)


@pytest.mark.parametrize("kind", ["google-workspace", "tencent-exmail", "alibaba-mail", "netease-qiye", "zoho-mail"])
def test_hosted_providers_document_no_client_records_so_none_are_derived(kind: str) -> None:
    names = {r.name for r in mail_records(example_facts(kind))}
    assert not names & {"_imaps._tcp", "_submission._tcp", "_pop3s._tcp", "autoconfig", "autodiscover"}
    assert "no client SRV/autoconfig records documented" in TEMPLATES[kind].notes


def test_microsoft_365_keeps_its_one_documented_client_record() -> None:
    records = {(r.name, r.rtype): r.values for r in mail_records(example_facts("microsoft-365"))}
    assert records["autodiscover", "CNAME"] == ("autodiscover.outlook.com.",)
    assert not any(rtype == "SRV" for _, rtype in records)


def test_published_as_derived_passes() -> None:
    report = check(good_body() + CLIENTS)
    assert not [f for f in report.findings if f.failed]
    assert all(f.status == "pass" for f in findings(report, "AD01"))
    assert "0 1 587 mx.example.test." in findings(report, "AD01")[0].found  # the passes are folded into one
    assert findings(report, "AD03")[0].status == "pass" and findings(report, "AD04")[0].status == "pass"


def test_a_missing_or_edited_srv_record_is_ad01() -> None:
    body = good_body() + CLIENTS.replace("_submission._tcp IN SRV 0 1 587 mx\n", "_submission._tcp IN SRV 0 1 25 mx\n")
    body = body.replace("_imap._tcp IN SRV 0 1 143 mx\n", "")
    failed = {f.name: f for f in findings(check(body), "AD01") if f.failed}
    assert set(failed) == {f"_submission._tcp.{D}", f"_imap._tcp.{D}"}
    assert failed[f"_submission._tcp.{D}"].found == f"SRV 0 1 25 mx.{D}."
    assert failed[f"_imap._tcp.{D}"].found == "(none)"


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("_imaps._tcp IN SRV 0 0 0 .\n_imaps._tcp IN SRV 0 1 993 mx\n", "not offered ('.') and names servers"),
        ("_imaps._tcp IN SRV 0 1 993 imap\nimap IN CNAME mx\n", "is a CNAME"),
        ("_imaps._tcp IN SRV 0 1 993 nowhere\n", "has no A or AAAA record"),
    ],
)
def test_unusable_srv_records_are_ad03(line: str, why: str) -> None:
    body = good_body() + CLIENTS.replace("_imaps._tcp IN SRV 0 0 0 .\n", "") + line
    ad03 = [f for f in findings(check(body), "AD03") if f.failed]
    assert len(ad03) == 1 and why in ad03[0].message and ad03[0].name == f"_imaps._tcp.{D}"


def test_autoconfig_pointing_at_a_host_without_address_is_ad04() -> None:
    body = good_body().replace("mx IN A 192.0.2.25\n", "") + CLIENTS
    ad04 = [f for f in findings(check(body), "AD04") if f.failed]
    assert {f.name for f in ad04} == {f"autoconfig.{D}", f"autodiscover.{D}"}
