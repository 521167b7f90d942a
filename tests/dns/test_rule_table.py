"""The check rule table (docs/dns.md, kept current by tests/docs) holds the rules the research asked for."""

from __future__ import annotations

from mailplan.dns.check import table


def test_the_cheap_dns_rules_of_the_research_table_are_there() -> None:
    rows = {line.split("|")[1].strip() for line in table.markdown().splitlines()[2:]}
    assert {"AD02", "MX07"} <= rows
