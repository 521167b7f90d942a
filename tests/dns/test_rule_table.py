"""The README's table of check rules is the one the code registers: every id, severity, title and scope."""

from __future__ import annotations

from pathlib import Path

from mailplan.dns.check import table

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def test_the_rule_table_in_the_readme_is_current() -> None:
    generated = table.markdown().strip()
    assert generated in README, "README's check rule table is stale: paste `python -m mailplan.dns.check.table`"


def test_the_cheap_dns_rules_of_the_research_table_are_there() -> None:
    rows = {line.split("|")[1].strip() for line in table.markdown().splitlines()[2:]}
    assert {"AD02", "MX07"} <= rows
