"""Each check rule on zone text, without a server: the mistake is found with its rule id, the good zone is clean."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from check_zones import good_body, rsa_key, txt, zone

from mailplan.dns.check.context import Target
from mailplan.dns.check.dnsview import Answer, ZoneDns
from mailplan.dns.check.model import DomainReport, Report
from mailplan.dns.check.runner import check_domain
from mailplan.model.objects import Record

D = "example.test"


def check(body: str, sends: bool = True, receives: bool | None = None, extra_zones: dict[str, str] | None = None,
          selectors: tuple[str, ...] = ("mail",)) -> DomainReport:
    zones = {D: zone(body, D), **(extra_zones or {})}
    target = Target(D, sends, sends if receives is None else receives, dkim_selectors=selectors)
    return check_domain(target, ZoneDns(zones))


def failed(report: DomainReport, severity: str | None = None) -> set[str]:
    return {f.rule for f in report.findings if f.failed and (severity is None or f.severity == severity)}


def test_good_zone_has_no_failures() -> None:
    report = check(good_body())
    assert failed(report) == set()
    passed = {f.rule for f in report.findings}
    assert {"SPF01", "SPF03", "DM01", "DM05", "DK02", "MX01", "MX03"} <= passed


def test_include_chains_are_counted_recursively() -> None:
    includes = " ".join(f"include:s{i}.vendor.test" for i in range(3))
    vendor = "".join(txt(f"s{i}", "v=spf1 " + " ".join(f"a:h{i}{j}" for j in range(3)) + " -all")
                     + "".join(f"h{i}{j} IN A 192.0.2.{j + 1}\n" for j in range(3)) for i in range(3))
    report = check(good_body(f"v=spf1 mx {includes} -all"), extra_zones={"vendor.test": zone(vendor, "vendor.test")})
    spf03 = next(f for f in report.findings if f.rule == "SPF03")
    assert spf03.failed and spf03.found.startswith("13 lookups")
    assert "include:s" in spf03.found and "→ a:h" in spf03.found


@pytest.mark.parametrize(
    ("spf", "rule"),
    [
        ("v=spf1 +all", "SPF07"),
        ("v=spf1 mx all", "SPF07"),
        ("v=spf1 mx ?all", "SPF08"),
        ("v=spf1 mx", "SPF08"),
        ("v=spf1 ptr -all", "SPF06"),
        ("v=spf1 ip4:192.0.2.1~all", "SPF10"),
        ("v=spf1 ip4:300.1.1.1 -all", "SPF10"),
        ("v=spf1 include:nothing.example.test -all", "SPF11"),
        ("v=spf1 -all mx", "SPF12"),
        ("v=spf1 a:n1.example.test a:n2.example.test a:n3.example.test -all", "SPF04"),
    ],
)
def test_spf_mistakes(spf: str, rule: str) -> None:
    assert rule in failed(check(good_body(spf)))


def test_two_spf_records() -> None:
    assert "SPF02" in failed(check(good_body() + txt("@", "v=spf1 include:other.test ~all")))


def test_missing_spf_and_dmarc_on_a_sending_domain() -> None:
    body = "@ IN MX 10 mx\nmx IN A 192.0.2.25\n"
    assert {"SPF01", "DM01"} <= failed(check(body), "error")


def test_dmarc_mistakes() -> None:
    base = good_body().replace(txt("_dmarc", "v=DMARC1; p=reject; rua=mailto:dmarc@{origin}"), "")
    cases = {
        "v=DMARC1; p=none; rua=mailto:dmarc@{origin}": {"DM05"},
        "v=DMARC1; p=reject": {"DM06"},
        "v=DMARC1; p=reject; sp=none; rua=mailto:d@{origin}; pct=50": {"DM09", "DM10"},
        "v=DMARC1; p=maybe; rua=mailto:d@{origin}": {"DM04"},
        "v=DMARC1; rua=mailto:d@{origin}": {"DM12"},
    }
    for record, rules in cases.items():
        assert rules <= failed(check(base + txt("_dmarc", record))), record
    assert "DM02" in failed(check(base + txt("_dmarc", "v=DMARC1; p=reject") + txt("_dmarc", "v=DMARC1; p=none")))
    assert "DM03" in failed(check(base + txt("@", "v=DMARC1; p=reject")))
    assert "DM11" in failed(check(good_body() + txt("_dmarc", "some-verification=1")))


def test_external_report_destination_needs_authorisation() -> None:
    body = good_body().replace("rua=mailto:dmarc@{origin}", "rua=mailto:reports@dmarc.test")
    dest = "@ IN MX 10 mx\nmx IN A 192.0.2.9\n"
    assert "DM07" in failed(check(body, extra_zones={"dmarc.test": zone(dest, "dmarc.test")}))
    authorised = dest + txt(f"{D}._report._dmarc", "v=DMARC1")
    assert "DM07" not in failed(check(body, extra_zones={"dmarc.test": zone(authorised, "dmarc.test")}))
    wildcard = dest + txt("*._report._dmarc", "v=DMARC1")
    assert "DM07" not in failed(check(body, extra_zones={"dmarc.test": zone(wildcard, "dmarc.test")}))
    assert "DM08" in failed(check(body, extra_zones={"dmarc.test": zone("", "dmarc.test")}))


def test_dkim_key_size_revocation_and_absence() -> None:
    assert "DK03" in failed(check(good_body(dkim_key=rsa_key(1024))), "warning")
    assert "DK02" in failed(check(good_body(dkim_key=rsa_key(512))), "error")
    assert "DK04" in failed(check(good_body(dkim_key="x").replace("p=x", "p=")), "error")
    assert "DK05" in failed(check(good_body(dkim_key="not-base64!")))
    assert "DK06" in failed(check(good_body(), selectors=("other",)), "warning")


def test_mx_mistakes() -> None:
    cname = "@ IN MX 10 mx\nmx IN CNAME host\nhost IN A 192.0.2.25\n"
    assert "MX02" in failed(check(good_body().replace("@ IN MX 10 mx\nmx IN A 192.0.2.25\n", cname)))
    noaddr = good_body().replace("mx IN A 192.0.2.25\n", "")
    assert "MX03" in failed(check(noaddr))
    assert "MX01" in failed(check(good_body().replace("@ IN MX 10 mx\n", "")))
    assert "MX04" in failed(check(good_body() + "@ IN MX 0 .\n"))


def test_parked_domain_rules() -> None:
    locked = "@ IN MX 0 .\n" + txt("@", "v=spf1 -all") + txt("_dmarc", "v=DMARC1; p=reject")
    assert failed(check(locked, sends=False)) == set()
    open_door = "www IN A 192.0.2.80\n" + txt("@", "v=spf1 ~all") + txt("_dmarc", "v=DMARC1; p=none")
    assert {"SPF09", "DM13", "MX05"} <= failed(check(open_door, sends=False), "warning")


def test_mta_sts_and_tls_rpt_grammar() -> None:
    bad = good_body() + txt("_mta-sts", "v=STSv1; id=not_valid!") + txt("_smtp._tls", "v=TLSRPTv1; rua=ftp://x")
    assert {"STS01", "RPT01"} <= failed(check(bad))
    sts_only = good_body() + txt("_mta-sts", "v=STSv1; id=20240101")
    assert failed(check(sts_only)) == {"RPT02"}


def test_duplicate_mx_host() -> None:
    twice = good_body().replace("@ IN MX 10 mx\n", "@ IN MX 10 mx\n@ IN MX 20 mx\n")
    report = check(twice)
    mx07 = [f for f in report.findings if f.rule == "MX07"]
    assert [(f.status, f.severity) for f in mx07] == [("fail", "warning")]
    assert mx07[0].found == f"10 mx.{D}. | 20 mx.{D}."
    assert "MX07" not in failed(check(good_body()))


def test_records_published_through_a_cname_are_followed() -> None:
    hosted = good_body().replace(txt("_dmarc", "v=DMARC1; p=reject; rua=mailto:dmarc@{origin}"),
                                 "_dmarc IN CNAME dmarc.vendor.test.\n")
    vendor = zone(txt("dmarc", f"v=DMARC1; p=quarantine; rua=mailto:dmarc@{D}"), "vendor.test")
    report = check(hosted, extra_zones={"vendor.test": vendor})
    dm01 = next(f for f in report.findings if f.rule == "DM01")
    assert dm01.status == "pass" and dm01.found.startswith("v=DMARC1; p=quarantine")
    assert "DM05" not in failed(report) and "AD02" not in failed(report)  # hosted DMARC is fine without a config
    # but where the config derives its own TXT, the CNAME leaves no room for it
    expected = (Record(D, "_dmarc", "TXT", "", 3600, (f"v=DMARC1; p=reject; rua=mailto:dmarc@{D}",)),)
    target = Target(D, expected=expected, dkim_selectors=("mail",))
    clash = check_domain(target, ZoneDns({D: zone(hosted, D), "vendor.test": vendor}))
    ad02 = [f for f in clash.findings if f.rule == "AD02" and f.failed]
    assert len(ad02) == 1 and ad02[0].name == f"_dmarc.{D}" and ad02[0].found == "CNAME dmarc.vendor.test."


class Failing:
    """A view where some lookups get no answer, as a refusing or broken server gives."""

    def __init__(self, view: ZoneDns, failing: set[tuple[str, str]], error: str = "REFUSED from 127.0.0.1") -> None:
        self.view, self.failing, self.error = view, failing, error

    def get(self, name: str, rtype: str) -> Answer:
        if (name, rtype) in self.failing:
            return Answer(name, rtype, (), exists=False, error=self.error)
        return self.view.get(name, rtype)

    def prefetch(self, queries: Iterable[tuple[str, str]]) -> None:
        pass


def test_a_failed_lookup_is_not_a_finding() -> None:
    body = good_body("v=spf1 mx include:spf.vendor.test -all")
    view = Failing(ZoneDns({D: zone(body, D)}), {("spf.vendor.test", "TXT"), (f"_dmarc.{D}", "TXT")})
    report = check_domain(Target(D, dkim_selectors=("mail",)), view)
    assert failed(report) == set()  # neither "no SPF record at the include", a void lookup, nor DM01
    undecided = {f.rule: f for f in report.findings if f.undecided}
    assert {"SPF03", "SPF04", "SPF11", "DM01", "DM02", "DM11"} <= set(undecided)
    assert undecided["SPF11"].found == "TXT spf.vendor.test: REFUSED from 127.0.0.1"
    assert undecided["DM01"].message == f"the lookup TXT _dmarc.{D} got no answer (REFUSED from 127.0.0.1)"
    full = Report([report])
    assert full.exit_code() == 1
    assert full.failed_queries() == ["TXT spf.vendor.test: REFUSED from 127.0.0.1",
                                     f"TXT _dmarc.{D}: REFUSED from 127.0.0.1"]


def test_too_many_lookups_is_decided_even_when_an_include_fails() -> None:
    includes = " ".join(f"a:h{i}.{D}" for i in range(10))
    body = good_body(f"v=spf1 mx {includes} include:spf.vendor.test -all")
    view = Failing(ZoneDns({D: zone(body, D)}), {("spf.vendor.test", "TXT")})
    report = check_domain(Target(D, dkim_selectors=("mail",)), view)
    assert "SPF03" in failed(report, "error")  # 12 already, whatever the include holds
