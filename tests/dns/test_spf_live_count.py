"""`--spf-resolver`: SPF lookups are counted through the includes as live DNS (a real BIND) answers them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dns.query
import dns.rcode
import dns.update
import pytest
from typer.testing import CliRunner

from mailplan.cli.main import build

pytestmark = pytest.mark.realstack

ZONE = "example.test"
CONFIG = f"""\
version: 1
organization: {{name: 示例贸易, primary_domain: {ZONE}}}
providers:
  mail: {{type: local, database: mail.sqlite, mx_host: mx.{ZONE}}}
  dns: {{type: zonefile, directory: zones, nameservers: [ns1.{ZONE}.]}}
domains:
  {ZONE}:
    mail: mail
    dns: dns
    spf: {{include: [spf.crm.{ZONE}]}}
people:
  - {{name: 张三}}
"""


def _publish(server: Any, name: str, value: str) -> None:
    update = dns.update.UpdateMessage(ZONE, keyring=server.keyring, keyname=server.key_name,
                                      keyalgorithm=server.key_algorithm)
    update.add(name, 300, "TXT", f'"{value}"')
    assert dns.query.tcp(update, server.host, port=server.port, timeout=5).rcode() == dns.rcode.NOERROR


def test_too_many_nested_lookups_fail_validate_naming_the_chain(bind_server: Any, tmp_path: Path) -> None:
    # the CRM's record pulls in another include with nine a: terms: 1 (mx) + 1 + 1 + 9 = 12 lookups
    _publish(bind_server, "spf.crm", f"v=spf1 include:spf-eu.crm.{ZONE} ~all")
    _publish(bind_server, "spf-eu.crm", "v=spf1 " + " ".join(f"a:h{i}.{ZONE}" for i in range(9)) + " ~all")
    (tmp_path / "mailplan.yaml").write_text(CONFIG, encoding="utf-8")
    runner = CliRunner()
    offline = runner.invoke(build(), ["validate", str(tmp_path / "mailplan.yaml")])
    assert offline.exit_code == 0, offline.output  # without live DNS only the visible terms count

    live = runner.invoke(
        build(),
        ["validate", str(tmp_path / "mailplan.yaml"), "--spf-resolver", f"{bind_server.host}:{bind_server.port}"],
    )
    assert live.exit_code == 1, live.output
    assert "mailplan.yaml:" in live.output
    assert f"spf.crm.{ZONE}" in live.output and f"spf-eu.crm.{ZONE}" in live.output
    assert "Traceback" not in live.output


def test_apply_counts_through_live_dns_too_and_writes_nothing(bind_server: Any, tmp_path: Path) -> None:
    # what `plan --spf-resolver` refuses, `apply` with the same option (or MAILPLAN_SPF_RESOLVER) refuses too
    _publish(bind_server, "spf.crm", f"v=spf1 include:spf-eu.crm.{ZONE} ~all")
    _publish(bind_server, "spf-eu.crm", "v=spf1 " + " ".join(f"a:h{i}.{ZONE}" for i in range(9)) + " ~all")
    (tmp_path / "mailplan.yaml").write_text(CONFIG, encoding="utf-8")
    runner = CliRunner(env={"MAILPLAN_SPF_RESOLVER": f"{bind_server.host}:{bind_server.port}"})
    refused = runner.invoke(build(), ["apply", str(tmp_path / "mailplan.yaml"), "--auto-approve"])
    assert refused.exit_code == 1, refused.output
    assert f"spf-eu.crm.{ZONE}" in refused.output
    assert not (tmp_path / "mail.sqlite").exists() and not (tmp_path / "zones").exists()


def test_an_include_live_dns_does_not_answer_is_noted_not_an_error(bind_server: Any, tmp_path: Path) -> None:
    # spf.vendor.invalid lies in no zone this server serves: it answers REFUSED, which is no answer at all
    config = CONFIG.replace(f"spf.crm.{ZONE}", "spf.vendor.invalid")
    (tmp_path / "mailplan.yaml").write_text(config, encoding="utf-8")
    result = CliRunner().invoke(
        build(),
        ["validate", str(tmp_path / "mailplan.yaml"), "--spf-resolver", f"{bind_server.host}:{bind_server.port}"],
    )
    assert result.exit_code == 0, result.output
    assert "has no SPF record" not in result.output and "void" not in result.output
    assert "this is a lower bound, since include:spf.vendor.invalid was not followed (REFUSED from" in result.output


def test_offline_validate_says_the_count_is_a_lower_bound(tmp_path: Path) -> None:
    (tmp_path / "mailplan.yaml").write_text(CONFIG, encoding="utf-8")
    result = CliRunner().invoke(build(), ["validate", str(tmp_path / "mailplan.yaml")])
    assert result.exit_code == 0, result.output
    assert f"note: domain {ZONE}: SPF needs at least 2 of the 10 DNS lookups allowed" in result.output
    assert "--spf-resolver system (or HOST[:PORT])" in result.output
