"""The small company ``check`` is tested on: a real BIND serving ci.test (a domain that sends and receives
mail) and ci-parked.test (one that does neither), with the records ``mailplan apply`` wrote to it."""

from __future__ import annotations

import dns.query
import dns.rcode
import dns.update

from servers.bind import BindServer

ZONES = ("ci.test", "ci-parked.test")


def lab_config(server: BindServer, *, selector: str = "mail", dmarc_policy: str = "reject", aliases: str = "") -> str:
    """The config: ``aliases`` are more lines under ``aliases:`` (one to an outside address shows POL01)."""
    return f"""\
version: 1
organization: {{name: 示例贸易, primary_domain: ci.test}}
providers:
  mail: {{type: local, database: mail.sqlite, mx_host: mx.ci.test}}
  dns: {{type: rfc2136, server: {server.host}, port: {server.port}, key_name: {server.key_name},
         key_algorithm: {server.key_algorithm}, key_secret: env:MAILPLAN_TEST_TSIG}}
domains:
  ci.test:
    mail: mail
    dns: dns
    dkim: {{selector: {selector}}}
    dmarc: {{policy: {dmarc_policy}, rua: [dmarc@ci.test]}}
  ci-parked.test: {{mail: mail, dns: dns, sends_mail: false, receives_mail: false}}
people:
  - {{name: 张三}}
aliases:
  - {{address: dmarc, to: [zhangsan]}}
{aliases}"""


def add(server: BindServer, zone: str, name: str, rtype: str, value: str, replace: bool = False) -> None:
    """One record put into ``zone`` by a TSIG-signed update, as an admin outside mailplan would."""
    update = dns.update.UpdateMessage(zone, keyring=server.keyring, keyname=server.key_name,
                                      keyalgorithm=server.key_algorithm)  # fmt: skip
    (update.replace if replace else update.add)(name, 3600, rtype, value)
    assert dns.query.tcp(update, server.host, port=server.port, timeout=5).rcode() == dns.rcode.NOERROR
