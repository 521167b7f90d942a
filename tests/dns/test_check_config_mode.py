"""``check`` with a config, as a CI job runs it: a fresh checkout has neither the DKIM key files (``.mailplan/``)
nor any provider secret. The configured selector is still looked at, a rule with nothing to examine says "not
checked" (never "passed"), flags given with a config are honoured or refused, and on zones where the config
matches what is live, config mode and ``--domain`` mode agree. A real BIND, zones written by ``apply``."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from check_modes import disagreements
from check_zones import rsa_key
from typer.testing import CliRunner, Result

from mailplan.cli.main import build
from mailplan.dns.txt import txt_presentation
from servers.bind import BindServer, start_bind
from servers.dns_lab import ZONES, add, lab_config

pytestmark = pytest.mark.realstack

@dataclasses.dataclass
class Lab:
    server: BindServer
    admin: Path  # where apply ran: the DKIM key files are here
    ci: Path  # a fresh checkout: the config, nothing else

    @property
    def ns(self) -> str:
        return f"{self.server.host}:{self.server.port}"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    admin, ci = tmp_path_factory.mktemp("admin"), tmp_path_factory.mktemp("ci")
    with start_bind(ZONES) as server:
        add(server, "ci.test", "mx", "A", "192.0.2.25")
        (admin / "mailplan.yaml").write_text(lab_config(server), encoding="utf-8")
        applied = CliRunner().invoke(build(), ["apply", str(admin / "mailplan.yaml"), "--auto-approve"],
                                     env={"MAILPLAN_TEST_TSIG": server.key_secret})
        assert applied.exit_code == 0, applied.output
        assert (admin / ".mailplan" / "dkim" / "ci.test.mail.pem").exists()
        shutil.copy(admin / "mailplan.yaml", ci / "mailplan.yaml")
        yield Lab(server, admin, ci)


def check(*args: str) -> Result:
    """``mailplan check`` with no provider secret in the environment (a DNS-only CI job)."""
    return CliRunner().invoke(build(), ["check", *args, "--format", "json"], env={"MAILPLAN_TEST_TSIG": None})


def findings(result: Result, domain: str = "ci.test") -> dict[str, list[dict[str, Any]]]:
    (report,) = [d for d in json.loads(result.stdout)["domains"] if d["domain"] == domain]
    out: dict[str, list[dict[str, Any]]] = {}
    for finding in report["findings"]:
        out.setdefault(finding["rule"], []).append(finding)
    return out


def test_without_the_key_file_the_configured_selector_is_still_checked(lab: Lab) -> None:
    result = check(str(lab.ci / "mailplan.yaml"), "--nameserver", lab.ns)
    assert result.exit_code == 0, result.output  # no secret asked for, no key file needed
    assert "MAILPLAN_TEST_TSIG" not in result.output
    found = findings(result)
    (dk01,) = found["DK01"]
    assert dk01["status"] == "skipped" and "ci.test.mail.pem is not on this machine" in dk01["message"], dk01
    for rule in ("DK02", "DK03", "DK04", "DK05"):  # the live key at the configured selector was examined
        assert [f["status"] for f in found[rule]] == ["pass"], found[rule]
    assert found["DK02"][0]["name"] == "mail._domainkey.ci.test" and "2048 bits" in found["DK02"][0]["found"]
    assert not (lab.ci / ".mailplan").exists()  # check wrote nothing


def test_a_weak_live_key_at_the_configured_selector_is_found_without_the_key_file(lab: Lab, tmp_path: Path) -> None:
    weak = tmp_path / "mailplan.yaml"
    shutil.copy(lab.ci / "mailplan.yaml", weak)
    weak.write_text(weak.read_text().replace("selector: mail", "selector: weak"), encoding="utf-8")
    add(lab.server, "ci.test", "weak._domainkey", "TXT", txt_presentation(f"v=DKIM1; k=rsa; p={rsa_key(1024)}"))
    found = findings(check(str(weak), "--nameserver", lab.ns))
    assert [(f["status"], f["severity"]) for f in found["DK03"]] == [("fail", "warning")], found["DK03"]


def test_a_selector_with_no_key_live_is_not_checked_never_passed(lab: Lab, tmp_path: Path) -> None:
    unpublished = tmp_path / "mailplan.yaml"
    shutil.copy(lab.ci / "mailplan.yaml", unpublished)
    unpublished.write_text(unpublished.read_text().replace("selector: mail", "selector: s2026"), encoding="utf-8")
    result = check(str(unpublished), "--nameserver", lab.ns)
    found = findings(result)
    for rule in ("DK02", "DK03", "DK04", "DK05"):
        (finding,) = found[rule]
        assert finding["status"] == "skipped", finding
        assert finding["message"] == "no DKIM key found to examine (looked at: s2026._domainkey)"
    assert [f["status"] for f in found["DK06"]] == ["fail"]  # and the missing key is a finding of its own
    report = json.loads(result.stdout)
    assert report["summary"]["skipped"] >= 5 and report["summary"]["undecided"] == 0
    text = CliRunner().invoke(build(), ["check", str(unpublished), "--nameserver", lab.ns], env={})
    line = [x for x in text.stdout.splitlines() if "DK02" in x]
    assert len(line) == 1 and "DK02, DK03, DK04, DK05" in line[0] and "[not checked]" in line[0], text.stdout


def test_selector_given_with_a_config_is_looked_at_too(lab: Lab) -> None:
    add(lab.server, "ci.test", "old._domainkey", "TXT", txt_presentation(f"v=DKIM1; k=rsa; p={rsa_key(1024)}"))
    found = findings(check(str(lab.admin / "mailplan.yaml"), "--nameserver", lab.ns, "--selector", "old"))
    assert [f["name"] for f in found["DK03"] if f["status"] == "fail"] == ["old._domainkey.ci.test"]


def test_parked_given_with_a_config_is_refused(lab: Lab) -> None:
    result = check(str(lab.ci / "mailplan.yaml"), "--nameserver", lab.ns, "--parked")
    assert result.exit_code == 1
    assert "--parked describes domains named with --domain" in result.output and "sends_mail: false" in result.output


def test_config_mode_and_domain_mode_agree_where_the_config_matches(lab: Lab) -> None:
    with_config = check(str(lab.admin / "mailplan.yaml"), "--nameserver", lab.ns)
    assert with_config.exit_code == 0, with_config.output
    config_report = json.loads(with_config.stdout)
    sending = check("--domain", "ci.test", "--selector", "mail", "--nameserver", lab.ns)
    parked = check("--domain", "ci-parked.test", "--parked", "--nameserver", lab.ns)
    assert disagreements(config_report, json.loads(sending.stdout), "ci.test") == []
    assert disagreements(config_report, json.loads(parked.stdout), "ci-parked.test") == []
    assert sending.exit_code == parked.exit_code == 0
