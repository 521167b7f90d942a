"""``check --format json`` is documented by schemas/check.schema.json: reports of zones with known mistakes, of a
lookup that got no answer and of a clean config, all from a real BIND, validate; a renamed, dropped or unknown
field does not."""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from check_zones import good_body
from test_check_bind import CLASH_EXPECTED, MISTAKES, PARKED, publish
from typer.testing import CliRunner, Result

from mailplan.cli.main import build
from mailplan.dns.check.model import SEVERITIES, DomainReport, Finding, Report, Status
from mailplan.dns.check.rules import all_rules
from mailplan.render import check_json
from schema_edits import edit, let_through
from servers.bind import BindServer, start_bind

SCHEMAS = Path(__file__).parents[2] / "schemas"
SCHEMA = json.loads((SCHEMAS / "check.schema.json").read_text(encoding="utf-8"))
PLAN_SCHEMA = json.loads((SCHEMAS / "plan.schema.json").read_text(encoding="utf-8"))

# Checked with --domain: no config to compare with, so the zones whose mistake is a clash with the config are left out.
AD_HOC = sorted(set(MISTAKES) - set(CLASH_EXPECTED))
IDN = ("中国.test", "xn--fiqs8s.test", {"SPF07"})  # the name given, the one queried, the rules that must fail
CONFIG = """\
version: 1
organization: {name: 示例贸易, primary_domain: clean.test}
providers:
  mail: {type: local, database: .mailplan/mail.sqlite, mx_host: mx.clean.test}
  dns: {type: zonefile, directory: zones, nameservers: [ns1.clean.test.]}
domains:
  clean.test: {mail: mail, dns: dns, dkim: {selector: mail}, dmarc: {policy: reject, rua: [dmarc@clean.test]}}
  clean-old.test: {alias_of: clean.test, dns: dns}
people:
  - {name: 张三}
aliases:
  - {address: dmarc, to: [zhangsan]}
"""
CONFIG_ZONES = ("clean.test", "clean-old.test")


def valid(data: dict[str, Any]) -> dict[str, Any]:
    """Validate against the schema, and check the summary counts what the schema says it counts."""
    jsonschema.validate(data, SCHEMA)
    findings = [f for d in data["domains"] for f in d["findings"]]
    counted = {s: sum(f["status"] == "fail" and f["severity"] == s for f in findings) for s in SEVERITIES}
    assert data["summary"] == {**counted, "undecided": sum(f["status"] == "unknown" for f in findings),
                               "skipped": sum(f["status"] == "skipped" for f in findings)}
    return data


def failed(data: dict[str, Any], domain: str) -> set[str]:
    (report,) = [d for d in data["domains"] if d["domain"] == domain]
    return {f["rule"] for f in report["findings"] if f["status"] == "fail"}


def check(*args: str) -> Result:
    return CliRunner().invoke(build(), ["check", *args, "--format", "json"], env={"NO_COLOR": "1"})


# -- the schema and the code agree ----------------------------------------------------------------------------------


def test_the_schema_is_valid_and_lists_what_the_code_reports() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == PLAN_SCHEMA["$schema"]
    assert tuple(SCHEMA["$defs"]["severity"]["enum"]) == SEVERITIES
    assert tuple(SCHEMA["$defs"]["status"]["enum"]) == typing.get_args(Status)
    pattern = SCHEMA["$defs"]["finding"]["properties"]["rule"]["pattern"]
    ids = [rule.id for rule in all_rules()]
    assert len(ids) == len(set(ids)) and all(jsonschema.Draft202012Validator({"pattern": pattern}).is_valid(i)
                                             for i in ids)


def sample() -> dict[str, Any]:
    findings = [
        Finding("SPF07", "no '+all'", "fail", "error", "'+all' lets every server send as this domain", "@",
                "-all or ~all", "+all"),
        Finding("DM05", "DMARC policy enforces", "fail", "warning", "p=none only monitors", "_dmarc",
                "p=quarantine or p=reject", "p=none"),
        Finding("DM01", "a DMARC record", "pass", "error", "", "_dmarc", "", "v=DMARC1; p=none"),
        Finding("SPF03", "at most 10 lookups", "unknown", "error", "the lookup TXT spf.vendor.example got no answer "
                "(REFUSED)", "spf.vendor.example", "", "TXT spf.vendor.example: REFUSED"),
        Finding("DK02", "DKIM RSA keys at least 1024 bits", "skipped", "error",
                "no DKIM key found to examine (looked at: mail._domainkey)"),
    ]
    report = Report([DomainReport("example.test", True, True, findings), DomainReport("parked.test", False, False)],
                    "127.0.0.1:5353", 30.0, [])
    data: dict[str, Any] = json.loads(check_json.render(report))
    return data


FINDING = ("domains", 0, "findings", 0)
BROKEN = {
    "summary field renamed": edit(("summary", "undecided"), rename="unknown"),
    "summary field dropped": edit(("summary", "info"), drop=True),
    "finding field renamed": edit((*FINDING, "found"), rename="actual"),
    "finding field dropped": edit((*FINDING, "severity"), drop=True),
    "unknown finding field": edit((*FINDING, "hint"), "x"),
    "unknown status": edit((*FINDING, "status"), "ignored"),
    "skipped without why": edit(("domains", 0, "findings", 4, "message"), ""),
    "deadline dropped": edit(("deadline",), drop=True),
    "cut not a list": edit(("deadline", "cut"), "TXT x"),
    "unknown severity": edit((*FINDING, "severity"), "critical"),
    "rule id not an id": edit((*FINDING, "rule"), "spf-plus-all"),
    "failure without a message": edit((*FINDING, "message"), ""),
    "pass with a message": edit(("domains", 0, "findings", 2, "message"), "fine"),
    "unknown without the failed query": edit(("domains", 0, "findings", 3, "found"), ""),
    "domain field dropped": edit(("domains", 1, "sends_mail"), drop=True),
    "nameserver dropped": edit(("nameserver",), drop=True),
    "other version": edit(("version",), 2),
}


def test_a_renamed_dropped_or_unknown_field_fails_the_schema() -> None:
    assert let_through(valid(sample()), SCHEMA, BROKEN) == []


# -- real reports from a real BIND ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BindServer, Path]]:
    """BIND serving the known mistakes, an open parked domain, an IDN zone, a zone whose SPF include nobody serves,
    and the zones a clean config applied (with the zonefile provider) wrote."""
    folder = tmp_path_factory.mktemp("company")
    config = folder / "mailplan.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    applied = CliRunner().invoke(build(), ["apply", str(config), "--auto-approve"])
    assert applied.exit_code == 0, applied.output
    zones = [*AD_HOC, PARKED[0], IDN[1], "unanswered.test", "cnamehost.test", "parked.test", *CONFIG_ZONES]
    with start_bind(zones) as server:
        for origin in AD_HOC:
            publish(server, origin, MISTAKES[origin][0])
        publish(server, PARKED[0], PARKED[1])
        publish(server, IDN[1], good_body("v=spf1 mx +all"))
        publish(server, "unanswered.test", good_body("v=spf1 mx include:spf.vendor-not-served.example -all"))
        publish(server, "cnamehost.test", "mx IN CNAME host\nhost IN A 192.0.2.25\n")
        for origin in CONFIG_ZONES:  # what apply wrote, as the zone's server would serve it
            written = (folder / "zones" / f"{origin}.zone").read_text(encoding="utf-8")
            body = "".join(line + "\n" for line in written.splitlines() if "\tSOA\t" not in line)
            publish(server, origin, body + ("mx IN A 192.0.2.25\n" if origin == "clean.test" else ""))
        yield server, config


def ns(server: BindServer) -> str:
    return f"{server.host}:{server.port}"


@pytest.mark.realstack
def test_known_mistakes_validate(lab: tuple[BindServer, Path]) -> None:
    server = lab[0]
    domains = [arg for origin in [*AD_HOC, IDN[0]] for arg in ("--domain", origin)]
    result = check(*domains, "--selector", "mail", "--nameserver", ns(server))
    assert result.exit_code == 2, result.output
    data = valid(json.loads(result.stdout))
    assert data["nameserver"] == ns(server)
    assert [d["domain"] for d in data["domains"]] == [*AD_HOC, IDN[1]]  # as given, IDNs as A-labels
    for origin in AD_HOC:
        assert MISTAKES[origin][1] <= failed(data, origin), origin
    assert IDN[2] <= failed(data, IDN[1])
    assert data["summary"]["error"] > 0 and data["summary"]["undecided"] == 0

    parked = check("--domain", PARKED[0], "--parked", "--nameserver", ns(server), "--strict")
    assert parked.exit_code == 2, parked.output  # its mistakes are warnings
    data = valid(json.loads(parked.stdout))
    assert data["domains"][0]["sends_mail"] is data["domains"][0]["receives_mail"] is False
    assert PARKED[2] <= failed(data, PARKED[0])


@pytest.mark.realstack
def test_a_lookup_without_an_answer_validates_as_undecided(lab: tuple[BindServer, Path]) -> None:
    result = check("--domain", "unanswered.test", "--selector", "mail", "--nameserver", ns(lab[0]))
    assert result.exit_code == 1, result.output  # the check did not finish, but the report is there
    data = valid(json.loads(result.stdout))
    unknown = [f for f in data["domains"][0]["findings"] if f["status"] == "unknown"]
    assert data["summary"]["undecided"] == len(unknown) >= 3
    assert all(f["found"].startswith("TXT spf.vendor-not-served.example: REFUSED") for f in unknown), unknown
    assert {f["name"] for f in unknown} == {"spf.vendor-not-served.example"}


@pytest.mark.realstack
def test_a_clean_config_then_a_hand_edit_validate(lab: tuple[BindServer, Path], tmp_path: Path) -> None:
    server, config = lab
    out = tmp_path / "check.json"
    clean = check(str(config), "--nameserver", ns(server), "--out", str(out))
    assert clean.exit_code == 0, clean.output
    data = valid(json.loads(out.read_text(encoding="utf-8")))
    # sorted by name; the alias domain sends no mail
    domains = [(d["domain"], d["sends_mail"]) for d in data["domains"]]
    assert domains == [("clean-old.test", False), ("clean.test", True)]
    assert {f["status"] for d in data["domains"] for f in d["findings"]} == {"pass"}
    assert data["summary"] == {"error": 0, "warning": 0, "info": 0, "undecided": 0, "skipped": 0}
    compared = {f["rule"] for d in data["domains"] for f in d["findings"]}
    assert {"SPF16", "CFG01", "DK01"} <= compared  # the rules comparing live DNS with the config ran

    publish(server, "clean.test", '@ IN TXT "v=spf1 mx ip4:192.0.2.1 ~all"\n')
    edited = check(str(config), "--nameserver", ns(server))
    assert edited.exit_code == 2, edited.output
    data = valid(json.loads(edited.stdout))
    (drift,) = [f for f in data["domains"][1]["findings"] if f["rule"] == "SPF16"]
    assert (drift["status"], drift["severity"]) == ("fail", "error")
    assert "v=spf1 mx ip4:192.0.2.1 ~all" in drift["found"] and drift["expected"]
