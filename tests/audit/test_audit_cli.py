"""``audit log`` answers who did what to a person's mailbox; ``audit verify`` catches tampering (exit 2)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest

from people.conftest import Company


@pytest.fixture
def history(company: Company) -> Iterator[Company]:
    company.apply()
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--now", "--actor", "hr:李敏")
    yield company


def test_log_for_a_person_says_what_happened_and_who_did_it(history: Company) -> None:
    shown = history.ok("audit", "log", str(history.config), "--person", "zhangwei").stdout
    assert "concerning 张伟 <zhangwei@huamao-trade.com>" in shown
    assert "freeze mailbox zhangwei@huamao-trade.com" in shown and "by hr:李敏" in shown
    assert "create forwarding zhangwei@huamao-trade.com" in shown
    assert "zhangsan" not in shown  # group entries show only what changed for this person
    data = json.loads(history.ok("audit", "log", str(history.config), "-p", "zhangwei", "-f", "json").stdout)
    assert {e["action"] for e in data["entries"]} >= {"create", "freeze", "update"}
    assert all("zhangwei@huamao-trade.com" in json.dumps(e) for e in data["entries"])
    assert data["entries"] == sorted(data["entries"], key=lambda e: e["seq"])


def test_log_for_a_person_leaves_out_group_changes_of_other_people(history: Company) -> None:
    """zhangsan stays in sales-team while zhangwei leaves it: that change is zhangwei's, not zhangsan's."""
    theirs = history.ok("audit", "log", str(history.config), "-p", "zhangsan", "-f", "json").stdout
    groups = [(e["action"], e["key"]) for e in json.loads(theirs)["entries"] if e["kind"] == "group"]
    assert ("create", "sales-team@huamao-trade.com") in groups  # joined when it was made
    assert ("update", "sales-team@huamao-trade.com") not in groups
    leaver = history.ok("audit", "log", str(history.config), "-p", "zhangwei").stdout
    assert "update group sales-team@huamao-trade.com" in leaver
    successor = history.ok("audit", "log", str(history.config), "-p", "wangfang").stdout
    assert "create forwarding zhangwei@huamao-trade.com" in successor  # the leaver's mail now comes to them


def test_log_since_a_future_date_is_empty(history: Company) -> None:
    shown = history.ok("audit", "log", str(history.config), "--since", "2999-01-01").stdout
    assert shown.startswith("0 applied changes since 2999-01-01")


def test_markdown_and_self_contained_html(history: Company) -> None:
    markdown = history.ok("audit", "log", str(history.config), "-p", "zhangwei", "-f", "markdown").stdout
    assert "| # | when (UTC) |" in markdown and "`freeze mailbox zhangwei@huamao-trade.com`" in markdown
    page = history.ok("audit", "log", str(history.config), "-p", "zhangwei", "-f", "html").stdout

    class Refs(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.found += [f"{tag} {k}" for k, _ in attrs if k in ("src", "href")]
            self.found += ["script"] if tag == "script" else []

    refs = Refs()
    refs.feed(page)
    assert refs.found == []  # nothing loaded from elsewhere
    assert "freeze mailbox zhangwei@huamao-trade.com" in page and "hr:李敏" in page


def _tamper(target: Company, edit: str) -> None:
    lines = target.journal.read_text(encoding="utf-8").splitlines(keepends=True)
    if edit == "edited":
        entry = json.loads(lines[2])
        entry["actor"] = "someone else"
        lines[2] = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
    elif edit == "deleted":
        del lines[2]
    else:
        lines[2], lines[3] = lines[3], lines[2]
    target.journal.write_text("".join(lines), encoding="utf-8")


@pytest.mark.parametrize("edit", ["edited", "deleted", "reordered"])
def test_verify_catches_tampering_and_says_where(history: Company, edit: str) -> None:
    intact = history.ok("audit", "verify", str(history.config))
    assert "hash chain intact" in intact.stdout
    _tamper(history, edit)
    broken = history.run("audit", "verify", str(history.config))
    assert broken.exit_code == 2
    assert "line 3:" in broken.stdout


def test_verify_and_log_without_a_config(history: Company) -> None:
    ok = history.ok("audit", "verify", "--journal", str(history.journal))
    assert "hash chain intact" in ok.stdout
    shown = history.ok("audit", "log", "--journal", str(history.journal), "-p", "zhangwei@huamao-trade.com",
                       str(history.folder / "missing.yaml"))  # fmt: skip
    assert "freeze mailbox zhangwei@huamao-trade.com" in shown.stdout
