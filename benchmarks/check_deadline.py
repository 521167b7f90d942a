"""``mailplan check`` on domains whose sub-names get no answer: lookups asked together against one after another.

A real BIND on loopback serves N domains (each a good mail zone); a forwarder in front of it
(``tests/servers/dns_proxy.py``) drops every query for their ``_dmarc``, ``_mta-sts``, ``_smtp._tls``
and DKIM selector names, as a firewall or a broken delegation does. Each dropped lookup costs the
whole per-lookup timeout (5 s).

- mailplan as shipped: the names a domain's rules need are started together (two waves), domains
  side by side, every lookup bounded by the run's deadline (``--timeout``, here 30 s);
- the peer, the way ``check`` worked before: one lookup after another, one domain after another
  (the same code with one lookup thread, one domain thread, nothing started ahead).

Both report the same rules as not checked; the table shows the wall time and how many lookups
got no answer.

    python benchmarks/check_deadline.py [--sizes 1,5]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import benchlib
from benchlib import table

sys.path.insert(0, str(benchlib.ROOT / "tests" / "dns"))  # the zone texts the check tests use

from check_zones import good_body
from test_check_bind import publish

from mailplan.dns.check import dnsview, runner
from mailplan.dns.check.context import Target
from mailplan.dns.check.deadline import Deadline
from mailplan.dns.check.dnsview import LiveDns
from mailplan.dns.check.model import Report
from mailplan.dns.check.policy_fetch import PolicyFetcher
from servers.bind import start_bind
from servers.dns_proxy import Behaviour, start_proxy

SUB_NAMES = ("_dmarc", "_mta-sts", "_smtp._tls", "mail._domainkey")


@contextmanager
def one_at_a_time() -> Iterator[None]:
    """The peer: one lookup thread, one domain thread, no lookups started ahead."""
    saved = dnsview.PARALLEL_LOOKUPS, runner.PARALLEL_DOMAINS, runner.first_wave, runner.second_wave

    def nothing(_: object) -> Iterable[tuple[str, str]]:
        return ()

    dnsview.PARALLEL_LOOKUPS, runner.PARALLEL_DOMAINS = 1, 1
    runner.first_wave = runner.second_wave = nothing  # type: ignore[assignment]
    try:
        yield
    finally:
        dnsview.PARALLEL_LOOKUPS, runner.PARALLEL_DOMAINS, runner.first_wave, runner.second_wave = saved


def check(address: str, domains: list[str]) -> tuple[Report, float]:
    deadline = Deadline(None)  # no deadline: the times are what the lookups cost
    view = LiveDns(address, deadline=deadline)
    targets = [Target(d, dkim_selectors=("mail",)) for d in domains]
    try:
        return benchlib.timed(lambda: runner.run(targets, view, address, PolicyFetcher(deadline), deadline))
    finally:
        view.close()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    benchlib.sizes_arg(parser, [1, 5])
    args = parser.parse_args(argv)
    rows = []
    for size in args.sizes:
        domains = [f"slow{i}.test" for i in range(size)]
        dropped = {f"{name}.{d}" for d in domains for name in SUB_NAMES}
        with start_bind(domains) as server, start_proxy(server.host, server.port, Behaviour(drop=dropped)) as proxy:
            for domain in domains:
                publish(server, domain, good_body())
            for label, mode in (("mailplan: asked together", None), ("one after another", one_at_a_time)):
                if mode is None:
                    report, seconds = check(proxy.address, domains)
                else:
                    with mode():
                        report, seconds = check(proxy.address, domains)
                rows.append([label, size, len(dropped), seconds, len(report.undecided), len(report.failed_queries())])
    print(benchlib.machine_line())
    print(table(["how", "domains", "names dropped", "wall s", "rules not checked", "lookups unanswered"], rows))


if __name__ == "__main__":
    main(sys.argv[1:])
