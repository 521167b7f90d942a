"""Every value that ends up in a DNS record is checked by its RFC grammar, with the error at the line of the
value itself and the fix (issue 16): `mailplan validate` exits 1 and nothing is published."""

from __future__ import annotations

import pytest

from .conftest import Cli

HEAD = """\
version: 1
organization: {name: 华贸, primary_domain: huamao-trade.com}
providers:
  mail: {type: local, database: mail.sqlite, mx_host: mx.huamao-trade.com}
  dns: {type: zonefile, directory: zones}
domains:
  huamao-trade.com:
    mail: mail
    dns: dns
"""  # the domain's own keys follow on line 10, indented by four spaces


@pytest.mark.parametrize(
    ("domain_lines", "line", "col", "message"),
    [
        (
            "spf:\n  include:\n    - spf.good.example\n    - include:spf.crm.example\n",
            13, 11,
            "domains.huamao-trade.com.spf.include[1]: 'include:spf.crm.example': give only the domain, mailplan "
            "writes the include: — write `spf.crm.example`",
        ),
        (
            "spf: {include: ['ip4:192.0.2.1']}\n",
            10, 21,
            "domains.huamao-trade.com.spf.include[0]: 'ip4:192.0.2.1' is an address, not a domain to include — put "
            "`192.0.2.1` under spf.ip4",
        ),
        (
            "spf: {include: ['-all']}\n",
            10, 21,
            "domains.huamao-trade.com.spf.include[0]: '-all' is an SPF term, not a domain to include — list only "
            "domains here (the closing all is set with spf.all)",
        ),
        (
            "spf: {include: [crm_cloud.example]}\n",
            10, 21,
            "domains.huamao-trade.com.spf.include[0]: 'crm_cloud.example' is not a valid domain name",
        ),
        (
            "spf: {include: [192.0.2.1]}\n",
            10, 21,
            "domains.huamao-trade.com.spf.include[0]: '192.0.2.1' is not a domain name: its last label '1' is not a "
            "top-level domain (an SPF include needs the domain that publishes the sender's SPF record)",
        ),
        (
            "spf: {ip4: ['192.0.2.300']}\n",
            10, 17,
            "domains.huamao-trade.com.spf.ip4[0]: '192.0.2.300' is not an IPv4 address or network (write e.g. "
            "192.0.2.10 or 192.0.2.0/24)",
        ),
        (
            "spf: {ip4: ['192.0.2.0/33']}\n",
            10, 17,
            "domains.huamao-trade.com.spf.ip4[0]: '192.0.2.0/33': the network length after / must be a number from 0 "
            "to 32",
        ),
        (
            "spf: {ip4: ['2001:db8::1']}\n",
            10, 17,
            "domains.huamao-trade.com.spf.ip4[0]: '2001:db8::1' is an IPv6 address — put it under spf.ip6",
        ),
        (
            "spf: {ip6: ['ip6:2001:db8::/32']}\n",
            10, 17,
            "domains.huamao-trade.com.spf.ip6[0]: 'ip6:2001:db8::/32': give only the address, mailplan writes the "
            "ip6: — write `2001:db8::/32`",
        ),
        (
            "dkim: {selector: '2026_01'}\n",
            10, 22,
            "domains.huamao-trade.com.dkim.selector: '2026_01' is not a DKIM selector: use letters, digits and inner "
            "hyphens, dot-separated labels of at most 63 characters (e.g. mail, s2026)",
        ),
        (
            "mta_sts: {mode: enforce, mx: ['mx.*.example.com']}\n",
            10, 35,
            "domains.huamao-trade.com.mta_sts.mx[0]: 'mx.*.example.com': a wildcard may only be the whole leftmost "
            "label, as in *.example.com",
        ),
        (
            "mta_sts: {mode: enforce, mx: ['mx huamao-trade.com']}\n",
            10, 35,
            "domains.huamao-trade.com.mta_sts.mx[0]: 'mx huamao-trade.com' is not a valid domain name",
        ),
        (
            "mta_sts: {mode: enforced}\n",
            10, 21,
            "domains.huamao-trade.com.mta_sts.mode: 'enforced' is not allowed — use one of: 'enforce', 'testing', "
            "'none'",
        ),
        (
            "mta_sts: {mode: enforce, max_age: 60}\n",
            10, 39,
            "domains.huamao-trade.com.mta_sts.max_age: Input should be greater than or equal to 86400",
        ),
        (
            "dmarc: {rua: ['dmarc@@example.com']}\n",
            10, 19,
            "report address 'dmarc@@example.com' is not a valid mail address: more than one '@' — write "
            "dmarc@example.com",
        ),
        (
            "dmarc: {rua: ['a@example.com,b@example.com']}\n",
            10, 19,
            "domains.huamao-trade.com.dmarc.rua[0]: 'a@example.com,b@example.com': ',' separates two URIs in the "
            "record — give one address or URI per list item",
        ),
        (
            "dmarc: {rua: ['reports@example.com; p=none']}\n",
            10, 19,
            "domains.huamao-trade.com.dmarc.rua[0]: 'reports@example.com; p=none': ';' ends the tag in the record — "
            "give one address or URI per list item",
        ),
        (
            "dmarc: {ruf: ['https://reports.example.com/dmarc']}\n",
            10, 19,
            "'https://reports.example.com/dmarc': reports go to mailto: addresses, not https: — write the address, "
            "e.g. dmarc-reports@example.com",
        ),
        (
            "tls_rpt: {rua: ['https:///no-host']}\n",
            10, 21,
            "'https:///no-host' is not an https:// URL with a host name — write https://host/path, or an address",
        ),
    ],
)  # fmt: skip
def test_a_dns_value_is_checked_at_its_own_line(cli: Cli, domain_lines: str, line: int, col: int, message: str) -> None:
    text = HEAD + "".join(f"    {x}\n" for x in domain_lines.splitlines())
    code, err = cli.validate(text)
    assert code == 1, err
    assert err[0].startswith(f"mailplan.yaml:{line}:{col}: {message}"), err


def test_good_values_are_accepted_and_published_as_written(cli: Cli) -> None:
    text = HEAD + (
        "    spf: {include: [spf.crm-cloud.example, 例子.中国, amazonses.com, mxroute.com, _spf.salesforce.com],\n"
        "          ip4: [192.0.2.0/24],\n"
        "          ip6: ['2001:db8::/48']}\n"
        "    dmarc: {rua: ['mailto:dmarc@reports.example!10m'], ruf: [forensic@reports.example]}\n"
        "    mta_sts: {mode: enforce, mx: ['*.mx.huamao-trade.com', mx.huamao-trade.com.]}\n"
        "    tls_rpt: {rua: ['https://tls.reports.example/v1', tlsrpt@reports.example]}\n"
    )
    code, err = cli.validate(text)
    assert (code, [line for line in err if not line.startswith("note: ")]) == (0, [])
    code, out, _ = cli("plan", str(cli.folder / "mailplan.yaml"))
    assert code == 0
    # a domain that begins with a mechanism's name (a, mx) is a domain to include, not that mechanism; an SPF
    # domain-spec may have underscores (_spf.salesforce.com)
    assert "v=spf1 mx include:spf.crm-cloud.example include:xn--fsqu00a.xn--fiqs8s include:amazonses.com " \
           "include:mxroute.com include:_spf.salesforce.com ip4:192.0.2.0/24 " \
           "ip6:2001:db8::/48 ~all" in out  # fmt: skip
    assert "rua=mailto:dmarc@reports.example!10m; ruf=mailto:forensic@reports.example" in out
