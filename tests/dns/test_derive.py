"""Record derivation: what a user sees in the plan for each kind of domain."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path

import pytest

from mailplan.dns.derive import example_facts, mail_records, mta_sts_policy, storable
from mailplan.dns.dkim import ensure_key, key_path
from mailplan.dns.facts import MailDomainFacts
from mailplan.dns.templates import TemplateError
from mailplan.errors import ConfigError
from mailplan.model.objects import Record
from mailplan.notes import Note


def by_name(records: list[Record]) -> dict[tuple[str, str], Record]:
    return {(r.name, r.rtype): r for r in records}


def local_facts(tmp_path: Path, **changes: object) -> MailDomainFacts:
    key = ensure_key(tmp_path / "keys", "example.com", "mail", bits=1024)
    facts = MailDomainFacts(
        zone="example.com", domain="example.com", mail_provider_type="local",
        mail_settings={"mx_host": "mx.example.com"}, dkim_public_key=key, dmarc_rua=("dmarc@example.com",),
    )
    return dataclasses.replace(facts, **changes)  # type: ignore[arg-type]


def test_local_domain_gets_mx_spf_dkim_dmarc(tmp_path: Path) -> None:
    facts = local_facts(tmp_path, spf_extra=("include:spf.crm.example",), spf_all="-all")
    records = by_name(mail_records(facts))
    clients = {(n, "SRV") for n in ("_imap._tcp", "_imaps._tcp", "_submission._tcp", "_submissions._tcp", "_pop3s._tcp",
                                     "_autodiscover._tcp")} | {("autoconfig", "CNAME"), ("autodiscover", "CNAME")}
    assert set(records) == {("@", "MX"), ("@", "TXT"), ("mail._domainkey", "TXT"), ("_dmarc", "TXT")} | clients
    assert records["@", "MX"].values == ("10 mx.example.com.",)
    spf = records["@", "TXT"]
    assert spf.tag == "v=spf1" and spf.values == ("v=spf1 mx include:spf.crm.example -all",)
    assert records["mail._domainkey", "TXT"].values == (f"v=DKIM1; k=rsa; p={facts.dkim_public_key}",)
    assert records["_dmarc", "TXT"].values == ("v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com",)
    assert all(r.tag == "" for k, r in records.items() if k != ("@", "TXT"))


def test_parked_domain_is_locked_down(tmp_path: Path) -> None:
    records = by_name(mail_records(local_facts(tmp_path, sends_mail=False, dmarc_rua=())))
    assert records["@", "MX"].values == ("0 .",)
    assert records["@", "TXT"].values == ("v=spf1 -all",)
    assert records["_dmarc", "TXT"].values == ("v=DMARC1; p=reject",)
    assert ("mail._domainkey", "TXT") not in records


def test_subdomain_records_are_named_relative_to_the_zone(tmp_path: Path) -> None:
    facts = local_facts(tmp_path, domain="eu.example.com")
    names = {r.name for r in mail_records(facts)}
    clients = {f"{n}.eu" for n in ("_imap._tcp", "_imaps._tcp", "_submission._tcp", "_submissions._tcp", "_pop3s._tcp",
                                    "_autodiscover._tcp", "autoconfig", "autodiscover")}
    assert names == {"eu", "mail._domainkey.eu", "_dmarc.eu"} | clients


def test_dkim_key_is_created_once_and_private(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    first = ensure_key(keys, "example.com", "mail", bits=1024)
    assert ensure_key(keys, "example.com", "mail", bits=1024) == first
    assert stat.S_IMODE(key_path(keys, "example.com", "mail").stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    assert ensure_key(keys, "example.com", "s2", bits=1024) != first


def test_unknown_provider_type_names_the_type() -> None:
    with pytest.raises(TemplateError, match="'fastmail'"):
        mail_records(dataclasses.replace(example_facts("local"), mail_provider_type="fastmail"))


def test_google_never_mixes_mx_forms() -> None:
    new = by_name(mail_records(example_facts("google-workspace")))["@", "MX"].values
    legacy_facts = dataclasses.replace(example_facts("google-workspace"), extra={"mx_form": "legacy"})
    legacy = by_name(mail_records(legacy_facts))["@", "MX"].values
    assert new == ("1 smtp.google.com.",)
    assert len(legacy) == 5 and not any("smtp.google.com" in v for v in legacy)


def test_m365_needs_explicit_mx_for_hyphenated_domain() -> None:
    facts = dataclasses.replace(example_facts("microsoft-365"), zone="my-co.com", domain="my-co.com")
    with pytest.raises(TemplateError, match="mx_host"):
        mail_records(facts)
    ok = by_name(mail_records(dataclasses.replace(facts, extra={"mx_host": "myco-com01e.mail.protection.outlook.com"})))
    assert ok["@", "MX"].values == ("0 myco-com01e.mail.protection.outlook.com.",)
    assert ok["selector1._domainkey", "CNAME"].values == ("selector1-my-co-com._domainkey.contoso.onmicrosoft.com.",)
    assert ok["autodiscover", "CNAME"].values == ("autodiscover.outlook.com.",)


def test_spf_sources_merge_into_one_record_without_duplicates() -> None:
    facts = dataclasses.replace(
        example_facts("google-workspace"), spf_extra=("include:_spf.google.com", "ip4:192.0.2.0/24")
    )
    spf = [r for r in mail_records(facts) if r.tag == "v=spf1"]
    assert [r.values for r in spf] == [("v=spf1 include:_spf.google.com ip4:192.0.2.0/24 ~all",)]


def test_bare_domain_in_spf_extra_is_a_config_error_with_a_hint() -> None:
    facts = dataclasses.replace(example_facts("google-workspace"), spf_extra=("spf.crm.example",))
    with pytest.raises(ConfigError, match=r"include:spf\.crm\.example"):
        mail_records(facts)


def test_more_than_ten_lookups_names_what_to_drop() -> None:
    extras = tuple(f"include:spf{i}.vendor.example" for i in range(10))
    facts = dataclasses.replace(example_facts("google-workspace"), spf_extra=extras)
    with pytest.raises(ConfigError) as err:
        mail_records(facts)
    problem = err.value.problems[0]
    assert "11 DNS lookups" in problem.message
    assert "drop include:spf" in problem.hint


def test_mta_sts_id_changes_with_the_policy() -> None:
    base = dataclasses.replace(example_facts("google-workspace"), mta_sts_mode="testing")
    enforce = dataclasses.replace(base, mta_sts_mode="enforce")
    sts = [by_name(mail_records(f))["_mta-sts", "TXT"].values for f in (base, base, enforce)]
    assert sts[0] == sts[1] != sts[2]
    assert "mx: smtp.google.com" in mta_sts_policy(enforce)


def test_tls_rpt_and_external_report_authorisation() -> None:
    facts = dataclasses.replace(
        example_facts("zoho-mail"), tls_rpt_rua=("tls@example.com",), dmarc_report_for=("xn--fiqs8s.cn",)
    )
    records = by_name(mail_records(facts))
    assert records["_smtp._tls", "TXT"].values == ("v=TLSRPTv1; rua=mailto:tls@example.com",)
    assert records["xn--fiqs8s.cn._report._dmarc", "TXT"].values == ("v=DMARC1",)


def test_alias_domain_receiving_mail_keeps_provider_mx_but_sends_nothing() -> None:
    facts = dataclasses.replace(example_facts("google-workspace"), sends_mail=False, receives_mail=True)
    records = by_name(mail_records(facts))
    assert records["@", "MX"].values == ("1 smtp.google.com.",)
    assert records["@", "TXT"].values == ("v=spf1 -all",)
    assert records["_dmarc", "TXT"].values[0].startswith("v=DMARC1; p=reject")


def test_receive_only_m365_alias_domain_needs_no_tenant() -> None:
    # no tenant anywhere: it only names the DKIM CNAME targets, which a domain sending nothing does not publish
    facts = MailDomainFacts(zone="contoso.cn", domain="contoso.cn", mail_provider_type="microsoft-365",
                            mail_settings={}, sends_mail=False, receives_mail=True)
    records = by_name(mail_records(facts))
    assert records["@", "MX"].values == ("0 contoso-cn.mail.protection.outlook.com.",)
    assert records["@", "TXT"].values == ("v=spf1 -all",)
    assert not any(rtype == "CNAME" for _, rtype in records)
    sending = dataclasses.replace(facts, sends_mail=True)
    with pytest.raises(TemplateError, match="'tenant' is required"):
        mail_records(sending)  # a sending domain still needs it, and says so


def test_m365_mx_0_is_published_as_1_where_the_api_starts_at_1() -> None:
    facts = dataclasses.replace(example_facts("microsoft-365"), dns_provider_type="dnspod", mx_preference_min=1)
    with pytest.warns(Note, match=r"dnspod accepts MX preferences from 1 only, so 'MX 0 example-com\.mail"):
        records = by_name(mail_records(facts))
    assert records["@", "MX"].values == ("1 example-com.mail.protection.outlook.com.",)
    plain = by_name(mail_records(dataclasses.replace(facts, dns_provider_type="cloudflare", mx_preference_min=0)))
    assert plain["@", "MX"].values == ("0 example-com.mail.protection.outlook.com.",)


def test_mx_set_whose_order_would_change_is_refused() -> None:
    record = Record("example.com", "@", "MX", "", 600, ("0 a.example.net.", "1 b.example.net."))
    with pytest.raises(ConfigError, match="would change which host is tried first"):
        storable([record], 1, "alidns")
    kept = Record("example.com", "@", "MX", "", 600, ("0 a.example.net.", "10 b.example.net."))
    with pytest.warns(Note):
        assert storable([kept], 1, "alidns")[0].values == ("1 a.example.net.", "10 b.example.net.")
