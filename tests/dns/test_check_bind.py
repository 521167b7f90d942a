"""``mailplan check`` against a real BIND serving zones with known mistakes, and zones mailplan derived."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import dns.query
import dns.rdataclass
import dns.rdatatype
import dns.update
import dns.zone
import pytest
from check_zones import duplicate_mx_body, good_body, hosted_dmarc_body, rsa_key, txt, zone
from typer.testing import CliRunner

from mailplan.cli.main import build
from mailplan.dns.check.context import Target
from mailplan.dns.check.deadline import Deadline
from mailplan.dns.check.dnsview import LiveDns
from mailplan.dns.check.model import Report
from mailplan.dns.check.policy_fetch import ConnectTo, PolicyFetcher
from mailplan.dns.check.runner import run
from mailplan.dns.derive import mail_records
from mailplan.dns.facts import MailDomainFacts
from mailplan.dns.mtasts import policy_text
from mailplan.dns.txt import txt_presentation
from mailplan.model.objects import Record
from servers.bind import BindServer, start_bind
from servers.https_policy import Served, make_ca, serve_policies

pytestmark = pytest.mark.realstack

# zone -> (body, rule ids that must fail there)
MISTAKES: dict[str, tuple[str, set[str]]] = {
    "plusall.test": (good_body("v=spf1 mx +all"), {"SPF07"}),
    "twospf.test": (good_body() + txt("@", "v=spf1 include:other.test ~all"), {"SPF02"}),
    "loop.test": (good_body("v=spf1 mx include:loop.test -all"), {"SPF11"}),
    "voids.test": (good_body("v=spf1 a:n1.voids.test a:n2.voids.test a:n3.voids.test -all"), {"SPF04"}),
    # BIND refuses an update making an in-zone MX target a CNAME, so the CNAME lives in another zone.
    "mxcname.test": (good_body().replace("@ IN MX 10 mx", "@ IN MX 10 mx.cnamehost.test."), {"MX02"}),
    "nodmarc.test": (good_body().replace(txt("_dmarc", "v=DMARC1; p=reject; rua=mailto:dmarc@{origin}"), ""),
                     {"DM01"}),
    "dupdmarc.test": (good_body() + txt("_dmarc", "v=DMARC1; p=none"), {"DM02"}),
    "pnone.test": (good_body().replace("p=reject", "p=none"), {"DM05"}),
    "extrua.test": (good_body().replace("dmarc@{origin}", "reports@parked.test"), {"DM07"}),
    "weakdkim.test": (good_body(dkim_key=rsa_key(1024)), {"DK03"}),
    "revoked.test": (good_body(dkim_key="REVOKED").replace("p=REVOKED", "p="), {"DK04"}),
    "badsts.test": (good_body() + txt("_mta-sts", "v=STSv1; id=bad_id!") + txt("_smtp._tls", "v=TLSRPTv1"),
                    {"STS01", "RPT01"}),
    "dupmx.test": (duplicate_mx_body(), {"MX07"}),
    # the config derives a _dmarc TXT (CLASH_EXPECTED), but someone made the name a CNAME
    "cnameclash.test": (hosted_dmarc_body("dmarc.dmarcvendor.test"), {"AD02"}),
}
# What the config derives at a mistake zone, for the rules that compare with it.
CLASH_EXPECTED = {
    "cnameclash.test": (Record("cnameclash.test", "_dmarc", "TXT", "", 300,
                               ("v=DMARC1; p=reject; rua=mailto:dmarc@cnameclash.test",)),),
}
VENDOR = ("dmarcvendor.test", txt("dmarc", "v=DMARC1; p=quarantine; rua=mailto:dmarc@hosteddmarc.test"))
PARKED = ("parked-open.test", "www IN A 192.0.2.80\n" + txt("@", "v=spf1 ~all"), {"SPF09", "DM13", "MX05"})


def lookups_body() -> str:
    """An SPF needing 11 lookups through nested includes (each include holds two more terms)."""
    nested = "".join(txt(f"i{i}", f"v=spf1 a:h{i} -all") + f"h{i} IN A 192.0.2.{i + 1}\n" for i in range(5))
    includes = " ".join(f"include:i{i}.lookups.test" for i in range(5))
    return good_body(f"v=spf1 mx {includes} -all") + nested


def publish(server: BindServer, origin: str, body: str) -> None:
    """Load zone text into the running server with a TSIG-signed dynamic update."""
    parsed = dns.zone.from_text(zone(body, origin), origin=origin, relativize=False, check_origin=False)
    update = dns.update.UpdateMessage(origin, keyring=server.keyring, keyname=server.key_name,
                                      keyalgorithm=server.key_algorithm)
    for name, rdataset in parsed.iterate_rdatasets():
        if rdataset.rdtype not in (dns.rdatatype.SOA, dns.rdatatype.NS):
            update.replace(name, rdataset)
    reply = dns.query.tcp(update, server.host, port=server.port, timeout=5)
    assert reply.rcode() == 0, f"update of {origin} refused: {reply.rcode()}"


def derived_body(records: list[Record]) -> str:
    lines = []
    for r in records:
        for value in r.values:
            shown = txt_presentation(value) if r.rtype == "TXT" else value
            lines.append(f"{r.name} IN {r.rtype} {shown}\n")
    return "".join(lines) + "mx IN A 192.0.2.25\n"


def good_facts(tmp: Path) -> MailDomainFacts:
    from mailplan.dns.dkim import ensure_key

    return MailDomainFacts(
        zone="good.test", domain="good.test", mail_provider_type="local", mail_settings={"mx_host": "mx.good.test"},
        dkim_public_key=ensure_key(tmp, "good.test", "mail"), spf_all="-all", dmarc_policy="reject",
        dmarc_rua=("dmarc@good.test",), mta_sts_mode="enforce", tls_rpt_rua=("tls@good.test",),
        dmarc_report_for=("authrua.test",),
    )


ZONES = [*MISTAKES, PARKED[0], "lookups.test", "good.test", "parked.test", "cnamehost.test", "authrua.test",
         VENDOR[0], "hosteddmarc.test", "unanswered.test"]


GOOD_POLICY = policy_text("enforce", ["mx.good.test"], 604800)  # what good_facts derives, served over HTTPS
# Where the lab's MTA-STS policies are fetched from: the HTTPS server on loopback (set by the fixture).
CONNECT_TO: list[ConnectTo] = []


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BindServer, list[Record], list[Record]]]:
    keys = tmp_path_factory.mktemp("keys")
    good = mail_records(good_facts(keys))
    parked = mail_records(dataclasses.replace(good_facts(keys), zone="parked.test", domain="parked.test",
                                              sends_mail=False, dmarc_report_for=()))
    ca = make_ca(keys)
    policy = {"mta-sts.good.test": Served(GOOD_POLICY)}
    with start_bind(ZONES) as server, serve_policies(ca, list(policy), policy, keys) as https, \
            pytest.MonkeyPatch.context() as env:
        env.setenv("SSL_CERT_FILE", str(ca.path))
        CONNECT_TO[:] = [ConnectTo.parse(f":443::{https.port}")]
        for origin, (body, _) in MISTAKES.items():
            publish(server, origin, body)
        publish(server, PARKED[0], PARKED[1])
        publish(server, "cnamehost.test", "mx IN CNAME host\nhost IN A 192.0.2.25\n")
        publish(server, "lookups.test", lookups_body())
        publish(server, "authrua.test", good_body().replace("dmarc@{origin}", "reports@good.test"))
        publish(server, "good.test", derived_body(good) + "mta-sts IN A 127.0.0.1\n")
        publish(server, "parked.test", derived_body(parked))
        publish(server, VENDOR[0], VENDOR[1])
        publish(server, "hosteddmarc.test", hosted_dmarc_body(f"dmarc.{VENDOR[0]}"))
        # a vendor include in a zone this server does not serve: it answers REFUSED
        publish(server, "unanswered.test", good_body("v=spf1 mx include:spf.vendor-not-served.example -all"))
        yield server, good, parked


def checked(server: BindServer, *targets: Target) -> Report:
    """The targets checked as ``mailplan check`` does: live DNS from the lab's BIND, policies over HTTPS."""
    deadline = Deadline(60)
    view = LiveDns(f"{server.host}:{server.port}", deadline=deadline)
    try:
        return run(list(targets), view, fetcher=PolicyFetcher(deadline, CONNECT_TO), deadline=deadline)
    finally:
        view.close()


def failures(server: BindServer, target: Target) -> dict[str, str]:
    report = checked(server, target)
    return {f.rule: f.severity for f in report.domains[0].findings if f.failed}


@pytest.mark.parametrize("origin", sorted(MISTAKES))
def test_each_known_mistake_is_found_by_its_rule(lab: tuple[BindServer, list[Record], list[Record]],
                                                  origin: str) -> None:
    server = lab[0]
    found = failures(server, Target(origin, expected=CLASH_EXPECTED.get(origin, ()), dkim_selectors=("mail",)))
    assert MISTAKES[origin][1] <= set(found), found


# Findings that follow from a zone's one mistake and are true in their own right (not false alarms).
CONSEQUENCES = {
    "revoked.test": {"DK06"},  # its only key is revoked: no usable key is published
    "badsts.test": {"STS02"},  # the record announces a policy, but mta-sts.badsts.test has no address
    "cnameclash.test": {"CFG01", "DM07"},  # the vendor's DMARC stands where the config's should, with its own rua
}


@pytest.mark.parametrize("origin", sorted(MISTAKES))
def test_no_false_alarm_next_to_a_known_mistake(lab: tuple[BindServer, list[Record], list[Record]],
                                                origin: str) -> None:
    found = failures(lab[0], Target(origin, expected=CLASH_EXPECTED.get(origin, ()), dkim_selectors=("mail",)))
    alarms = {rule for rule, severity in found.items() if severity != "info"}
    assert alarms - MISTAKES[origin][1] - CONSEQUENCES.get(origin, set()) == set(), found


def test_dmarc_kept_by_a_vendor_through_a_cname(lab: tuple[BindServer, list[Record], list[Record]]) -> None:
    report = checked(lab[0], Target("hosteddmarc.test", dkim_selectors=("mail",)))
    findings = {f.rule: f for f in report.domains[0].findings}
    assert findings["DM01"].status == "pass"
    assert findings["DM01"].found == "v=DMARC1; p=quarantine; rua=mailto:dmarc@hosteddmarc.test"
    assert findings["AD02"].status == "pass"  # no config wants a TXT there: the CNAME is the record
    assert report.count("error") == 0, [f for f in report.domains[0].findings if f.failed]


def test_refused_include_is_not_checked_not_failed(lab: tuple[BindServer, list[Record], list[Record]]) -> None:
    server = lab[0]
    result = CliRunner().invoke(build(), ["check", "-d", "unanswered.test", "--selector", "mail",
                                          "--nameserver", f"{server.host}:{server.port}", "--format", "json"])
    assert result.exit_code == 1, result.output  # the check itself did not finish
    findings = json.loads(result.stdout)["domains"][0]["findings"]
    assert not [f for f in findings if f["status"] == "fail"]  # no "has no SPF record", no void lookup
    undecided = {f["rule"] for f in findings if f["status"] == "unknown"}
    assert {"SPF03", "SPF04", "SPF11"} <= undecided
    assert "TXT spf.vendor-not-served.example: REFUSED" in result.stderr
    assert "could not be checked" in result.stderr


def test_nameserver_may_be_a_host_name(lab: tuple[BindServer, list[Record], list[Record]]) -> None:
    server = lab[0]
    result = CliRunner().invoke(build(), ["check", "-d", "parked.test", "--parked", "--nameserver",
                                          f"localhost:{server.port}"])
    assert result.exit_code == 0, result.output
    assert f"via localhost:{server.port}" in result.stdout


def test_report_destination_authorised_by_derived_record(
        lab: tuple[BindServer, list[Record], list[Record]]) -> None:
    report = checked(lab[0], Target("authrua.test", dkim_selectors=("mail",)))
    dm07 = [f for f in report.domains[0].findings if f.rule == "DM07"]
    assert [f.status for f in dm07] == ["pass"]


def test_too_many_nested_lookups(lab: tuple[BindServer, list[Record], list[Record]]) -> None:
    found = failures(lab[0], Target("lookups.test", dkim_selectors=("mail",)))
    assert found.get("SPF03") == "error"


def test_open_parked_domain(lab: tuple[BindServer, list[Record], list[Record]]) -> None:
    found = failures(lab[0], Target(PARKED[0], sends_mail=False, receives_mail=False))
    assert PARKED[2] <= set(found)


def test_zones_mailplan_wrote_have_no_errors(lab: tuple[BindServer, list[Record], list[Record]]) -> None:
    server, good, parked = lab
    report = checked(server, Target("good.test", expected=tuple(good), mta_sts_policy=GOOD_POLICY),
                     Target("parked.test", sends_mail=False, receives_mail=False, expected=tuple(parked)))
    assert report.count("error") == 0, [f for d in report.domains for f in d.findings if f.failed]
    compared = {f.rule for d in report.domains for f in d.findings if f.status == "pass"}
    assert {"SPF16", "MX06", "DK01", "CFG01", "STS02", "STS04", "STS06"} <= compared


def test_hand_edited_record_is_reported_as_drift(lab: tuple[BindServer, list[Record], list[Record]]) -> None:
    server, good, _ = lab
    edited = [dataclasses.replace(r, values=("v=spf1 mx include:crm.test -all",)) if r.tag == "v=spf1" else r
              for r in good]
    found = failures(server, Target("good.test", expected=tuple(edited)))
    assert found.get("SPF16") == "error"


def test_cli_exit_codes_and_json(lab: tuple[BindServer, list[Record], list[Record]]) -> None:
    server = lab[0]
    ns = f"{server.host}:{server.port}"
    runner = CliRunner()
    bad = runner.invoke(build(), ["check", "--domain", "plusall.test", "--nameserver", ns, "--format", "json"])
    assert bad.exit_code == 2, bad.output
    data = json.loads(bad.stdout)
    assert any(f["rule"] == "SPF07" and f["status"] == "fail" for f in data["domains"][0]["findings"])
    clean = runner.invoke(build(), ["check", "-d", "parked.test", "--parked", "--nameserver", ns])
    assert clean.exit_code == 0, clean.output
    strict = runner.invoke(build(), ["check", "-d", "pnone.test", "--nameserver", ns, "--strict"])
    assert strict.exit_code == 2 and "DM05" in strict.stdout
    dead = runner.invoke(build(), ["check", "-d", "nowhere.invalid", "--nameserver", "127.0.0.1:9"])
    assert dead.exit_code == 1


# Where mailplan and checkdmarc disagree on purpose: zone -> (family, mailplan error?, checkdmarc error?, why).
KNOWN_DISAGREEMENTS = {
    # checkdmarc accepts "+all" without a word (it only parses grammar); SPF07 makes it an error.
    ("plusall.test", "spf"): (True, False),
    # checkdmarc errors on a parked domain without DMARC; mailplan's rule table makes the parked-domain
    # DMARC a warning (DM13), since nothing is sent in that name for DMARC to protect yet.
    ("parked-open.test", "dmarc"): (False, True),
    # _dmarc is a CNAME into another zone. An authoritative-only server answers with the CNAME alone, and
    # checkdmarc does not ask again at the target as a recursive resolver would: it walks up to _dmarc.test,
    # which the lab server refuses. mailplan follows the chain and finds the vendor's DMARC record (the
    # conflict with the TXT a config derives there is AD02, not a DMARC verdict).
    ("cnameclash.test", "dmarc"): (False, True),
}
SPF_RULES = {f"SPF{n:02d}" for n in range(1, 16)}
DMARC_RULES = {f"DM{n:02d}" for n in range(1, 14)}


def test_spf_and_dmarc_verdicts_match_checkdmarc(lab: tuple[BindServer, list[Record], list[Record]]) -> None:
    import checkdmarc.utils
    import dns.resolver
    from checkdmarc.dmarc import check_dmarc
    from checkdmarc.spf import check_spf

    server = lab[0]
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [server.host]
    resolver.port = server.port
    cases = [(z, True) for z in [*MISTAKES, "lookups.test", "good.test"]] + [(PARKED[0], False), ("parked.test", False)]
    seen: dict[tuple[str, str], tuple[bool, bool]] = {}
    for origin, sends in cases:
        checkdmarc.utils.DNS_CACHE.clear()
        ours = failures(server, Target(origin, sends_mail=sends, receives_mail=sends, dkim_selectors=("mail",)))
        ours_errors = {rule for rule, severity in ours.items() if severity == "error"}
        theirs_spf = check_spf(origin, parked=not sends, resolver=resolver)
        theirs_dmarc = check_dmarc(origin, parked=not sends, resolver=resolver)
        verdicts = {
            "spf": (bool(ours_errors & SPF_RULES), not theirs_spf.get("valid", False)),
            "dmarc": (bool(ours_errors & DMARC_RULES), not theirs_dmarc.get("valid", False)),
        }
        for family, (mine, other) in verdicts.items():
            if mine != other:
                seen[origin, family] = (mine, other)
    assert seen == KNOWN_DISAGREEMENTS
