"""The generated parts of the docs are what their generators print now: a new provider feature, check rule,
template input or config key shows up in the docs with the code (`scripts/docs` writes them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .generated import ROOT, WHOLE_PAGES, commands, current, pages


def _name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


GENERATED = [p for p in pages() if commands(p.read_text(encoding="utf-8")) or _name(p) in WHOLE_PAGES]


@pytest.mark.parametrize("page", GENERATED, ids=_name)
def test_the_generated_parts_are_current(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert text == current(_name(page), text), f"{_name(page)} is stale: run scripts/docs and commit what it writes"


def test_every_generated_table_is_in_the_page_that_explains_it() -> None:
    placed = {(_name(p), c) for p in pages() for c in commands(p.read_text(encoding="utf-8"))}
    assert placed == {
        ("docs/providers/README.md", "mailplan.providers.capability_table"),
        ("docs/dns.md", "mailplan.dns.template_table"),
        ("docs/dns.md", "mailplan.dns.check.table"),
    }
    assert GENERATED and (ROOT / "docs" / "reference.md") in GENERATED


def test_a_stale_row_is_rewritten() -> None:
    text = (ROOT / "docs" / "dns.md").read_text(encoding="utf-8")
    stale = text.replace("| MX07 |", "| MX99 |", 1)
    assert stale != text
    assert current("docs/dns.md", stale) == text
