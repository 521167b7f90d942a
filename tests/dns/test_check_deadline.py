"""Lookups for independent names are asked together, and the whole check has a deadline (``--timeout``) whose cuts
the report names. The answers come from a real BIND through a forwarder on loopback that drops some queries, or
holds every answer until several queries wait at once (tests/servers/dns_proxy.py). How long a check takes is
measured in benchmarks/check_deadline.py, not asserted here."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from check_zones import good_body
from test_check_bind import publish
from typer.testing import CliRunner, Result

from mailplan.cli.main import build
from servers.bind import BindServer, start_bind
from servers.dns_proxy import Behaviour, start_proxy

pytestmark = pytest.mark.realstack

D = "slow.test"
DROPPED = {f"_dmarc.{D}", f"_mta-sts.{D}", f"_smtp._tls.{D}", f"mail._domainkey.{D}"}


@pytest.fixture(scope="module")
def bind() -> Iterator[BindServer]:
    with start_bind([D]) as server:
        publish(server, D, good_body())
        yield server


def check(proxy_address: str, *args: str) -> Result:
    return CliRunner().invoke(build(), ["check", "--domain", D, "--selector", "mail", "--nameserver", proxy_address,
                                        *args], env={"NO_COLOR": "1"})


def test_the_deadline_cuts_dropped_lookups_and_the_report_names_them(bind: BindServer) -> None:
    with start_proxy(bind.host, bind.port, Behaviour(drop=DROPPED)) as proxy:
        result = check(proxy.address, "--timeout", "4", "--format", "json")
    assert result.exit_code == 1, result.output  # the check did not finish
    report = json.loads(result.stdout)
    assert report["deadline"]["seconds"] == 4
    cut = set(report["deadline"]["cut"])
    assert {f"TXT {name}" for name in DROPPED} <= cut, cut
    assert not any(D == q.split(" ")[1] for q in cut)  # the apex was answered in time: nothing of it was cut
    findings = report["domains"][0]["findings"]
    unknown = {f["rule"]: f for f in findings if f["status"] == "unknown"}
    assert {"DM01", "DM04", "DK02", "STS01", "RPT01"} <= set(unknown)
    assert "cut by the run's deadline (--timeout 4 s)" in unknown["DM01"]["message"]
    decided = {f["rule"] for f in findings if f["status"] == "pass"}
    assert {"SPF01", "SPF03", "MX01", "MX03"} <= decided  # what was answered was still checked
    assert not [f for f in findings if f["status"] == "fail"]  # a cut lookup is no "missing record"
    assert "the check's deadline (--timeout 4 s) cut" in result.stderr and f"TXT _dmarc.{D}" in result.stderr


def test_the_text_report_says_what_the_deadline_cut(bind: BindServer) -> None:
    with start_proxy(bind.host, bind.port, Behaviour(drop={f"_dmarc.{D}"})) as proxy:
        result = check(proxy.address, "--timeout", "4")
    assert result.exit_code == 1
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith(f"1 domain checked via {proxy.address}: the 4 s deadline cut 2 lookups "
                              f"(CNAME _dmarc.{D}, TXT _dmarc.{D}), ")


def test_independent_names_are_asked_together(bind: BindServer) -> None:
    # The forwarder answers nothing until eight different queries wait at once (or 8 s pass, longer than the
    # 5 s a lookup may take). Asked one after another, every lookup would time out; asked together, all answer.
    with start_proxy(bind.host, bind.port, Behaviour(together=8, hold=8.0)) as proxy:
        result = check(proxy.address, "--format", "json")
        seen = {(name, rtype) for name, rtype, _ in proxy.seen}
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["summary"]["undecided"] == 0 and report["deadline"]["cut"] == []
    assert {(f"_dmarc.{D}", "TXT"), (f"mail._domainkey.{D}", "TXT"), (f"_mta-sts.{D}", "TXT"), (D, "MX")} <= seen
