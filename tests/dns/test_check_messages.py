"""What ``check`` tells a person when something is wrong, on a real BIND: a CNAME loop at ``_dmarc`` is the zone's
fault (not an unanswered lookup), a DMARC record behind a byte-order mark is explained, a server whose TCP fails
after a truncated answer is described in words, one failed lookup is one row of the HTML report, and a note is
called a note in every format."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.update
import pytest
from check_zones import DMARC_GOOD, good_body, txt
from dns.rdtypes.ANY.TXT import TXT
from test_check_bind import publish
from typer.testing import CliRunner, Result

from mailplan.cli.main import build
from servers.bind import BindServer, start_bind
from servers.dns_proxy import Behaviour, start_proxy

pytestmark = pytest.mark.realstack

LOOP, BOM, TRUNC, DROP, NONE = "loop.test", "bom.test", "trunc.test", "drop.test", "pnone.test"


@pytest.fixture(scope="module")
def bind() -> Iterator[BindServer]:
    with start_bind([LOOP, BOM, TRUNC, DROP, NONE]) as server:
        publish(server, LOOP, good_body().replace(txt("_dmarc", DMARC_GOOD), "_dmarc IN CNAME dmarc-a\n"
                                                  "dmarc-a IN CNAME dmarc-b\ndmarc-b IN CNAME _dmarc\n"))
        publish(server, BOM, good_body().replace(txt("_dmarc", DMARC_GOOD), ""))
        update = dns.update.UpdateMessage(BOM, keyring=server.keyring, keyname=server.key_name,
                                          keyalgorithm=server.key_algorithm)
        # what an editor that saves "UTF-8 with BOM" leaves in front of the record
        update.add("_dmarc", 300, TXT(dns.rdataclass.IN, dns.rdatatype.TXT, [b"\xef\xbb\xbfv=DMARC1; p=reject"]))
        assert dns.query.tcp(update, server.host, port=server.port, timeout=5).rcode() == dns.rcode.NOERROR
        for zone in (TRUNC, DROP):
            publish(server, zone, good_body())
        # DMARC that does not enforce and no DKIM key: DK06 is then a note (severity info)
        publish(server, NONE, good_body().replace("p=reject", "p=none").replace("mail._domainkey", "old._domainkey"))
        yield server


def check(nameserver: str, domain: str, *args: str) -> Result:
    return CliRunner().invoke(build(), ["check", "--domain", domain, "--selector", "mail", "--nameserver",
                                        nameserver, *args], env={"NO_COLOR": "1"})


def ns(server: BindServer) -> str:
    return f"{server.host}:{server.port}"


def test_a_cname_loop_at_dmarc_is_the_zones_fault(bind: BindServer) -> None:
    result = check(ns(bind), LOOP, "--format", "json")
    assert result.exit_code == 2, result.output  # a finding, not a check that could not finish
    findings = json.loads(result.stdout)["domains"][0]["findings"]
    assert not [f for f in findings if f["status"] == "unknown"]
    (dm01,) = [f for f in findings if f["rule"] == "DM01"]
    assert dm01["status"] == "fail" and f"_dmarc.{LOOP} is a CNAME loop" in dm01["message"]
    assert f"_dmarc.{LOOP} → dmarc-a.{LOOP} → dmarc-b.{LOOP}" in dm01["found"]
    assert "fix the CNAMEs in the zone" in dm01["message"]


def test_a_dmarc_record_behind_a_byte_order_mark_is_explained(bind: BindServer) -> None:
    result = check(ns(bind), BOM)
    assert result.exit_code == 2, result.output
    dm01 = [line for line in result.stdout.splitlines() if "DM01" in line]
    assert len(dm01) == 1 and "byte-order mark (U+FEFF) before v=DMARC1" in dm01[0], result.stdout
    dm11 = [line for line in result.stdout.splitlines() if "DM11" in line]
    assert len(dm11) == 1 and "is not read as DMARC" in dm11[0] and "byte-order mark" in dm11[0]


def test_a_tcp_failure_after_truncation_is_said_in_words(bind: BindServer) -> None:
    with start_proxy(bind.host, bind.port, Behaviour(truncate={f"_dmarc.{TRUNC}"}, tcp=False)) as proxy:
        result = check(proxy.address, TRUNC, "--format", "json")
    assert result.exit_code == 1, result.output
    (dm01,) = [f for f in json.loads(result.stdout)["domains"][0]["findings"] if f["rule"] == "DM01"]
    reason = f"answer truncated over UDP; TCP to {proxy.address}: connection refused"
    assert dm01["status"] == "unknown" and dm01["found"] == f"TXT _dmarc.{TRUNC}: {reason}", dm01
    assert "Errno" not in result.output and "Do53" not in result.output


class Rows(HTMLParser):
    """The text of each table row of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[str] = []
        self.text: list[str] = []  # every text node outside <style>
        self._style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._style = tag == "style"
        if tag == "tr":
            self.rows.append("")

    def handle_endtag(self, tag: str) -> None:
        self._style = False if tag == "style" else self._style

    def handle_data(self, data: str) -> None:
        if not self._style:
            self.text.append(data)
            if self.rows:
                self.rows[-1] += data


def test_one_failed_lookup_is_one_row_of_the_html_report(bind: BindServer) -> None:
    with start_proxy(bind.host, bind.port, Behaviour(drop={DROP})) as proxy:  # nothing at the apex answers
        result = check(proxy.address, DROP, "--format", "html", "--timeout", "3")
    page = Rows()
    page.feed(result.stdout)
    failed = [row for row in page.rows if f"TXT {DROP}" in row]
    assert len(failed) == 1, failed  # not one row per rule that needed it
    rules = re.findall(r"SPF\d\d|DM\d\d", failed[0])
    assert {"SPF01", "SPF02", "SPF03", "DM03"} <= set(rules) and len(rules) >= 10, failed[0]
    assert "not checked" in failed[0]


def test_a_note_is_called_a_note_in_every_format(bind: BindServer) -> None:
    html = check(ns(bind), NONE, "--format", "html")
    page = Rows()
    page.feed(html.stdout)
    visible = " ".join(page.text)
    assert "1 note" in visible and not re.search(r"\binfos?\b", visible), visible
    text = check(ns(bind), NONE)
    assert "[note]" in text.stdout and "[info]" not in text.stdout and "1 note" in text.stdout
    markdown = check(ns(bind), NONE, "--format", "markdown")
    assert "**note**" in markdown.stdout and "**info**" not in markdown.stdout
    data = json.loads(check(ns(bind), NONE, "--format", "json").stdout)
    assert data["summary"]["info"] == 1  # the JSON keeps its documented field
