"""The audit journal detects any edit, deletion or reordering of past entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailplan.engine.change import Action, Change
from mailplan.engine.journal import Journal
from mailplan.model.objects import Mailbox


def _journal(tmp_path: Path, n: int = 4) -> Journal:
    journal = Journal(tmp_path / "journal.jsonl", actor="hr-bot", commit="abc123")
    for i in range(n):
        box = Mailbox(f"p{i}@example.com", f"张{i}")
        journal.append(Change(Action.CREATE, "mail", None, box, "new hire"), "inserted")
    return journal


def test_an_untouched_journal_verifies(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    assert journal.verify() == []
    first = next(journal.entries()).data
    assert first["actor"] == "hr-bot" and first["config_commit"] == "abc123"
    assert first["after"]["name"] == "张0"


def _rewrite(path: Path, edit: object) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(edit(lines)), encoding="utf-8")  # type: ignore[operator]


@pytest.mark.parametrize(
    ("edit", "line", "words"),
    [
        (lambda ls: [*ls[:1], ls[1].replace("张1", "李1"), *ls[2:]], 2, "edited"),
        (lambda ls: [ls[0], *ls[2:]], 2, "deleted"),
        (lambda ls: [ls[0], ls[2], ls[1], ls[3]], 2, "moved"),
    ],
    ids=["edited", "deleted", "reordered"],
)
def test_tampering_is_found_at_its_line(tmp_path: Path, edit: object, line: int, words: str) -> None:
    journal = _journal(tmp_path)
    _rewrite(journal.path, edit)
    breaks = journal.verify()
    assert breaks, "tampering went unnoticed"
    assert breaks[0].line == line
    assert any(words in b.reason for b in breaks)


def test_appending_after_verification_continues_the_chain(tmp_path: Path) -> None:
    journal = _journal(tmp_path, 2)
    again = Journal(journal.path, actor="ci")
    again.append(Change(Action.FREEZE, "mail", Mailbox("a@x.cn", "A"), Mailbox("a@x.cn", "A", frozen=True)), "ok")
    assert again.verify() == []
    assert [e.data["seq"] for e in again.entries()] == [1, 2, 3]


def test_appends_after_another_writer_still_chain(tmp_path: Path) -> None:
    """Each run reads the journal's end once; a second writer's entries are picked up by the next run."""
    first = _journal(tmp_path, 2)
    second = Journal(first.path, actor="other")
    second.append(Change(Action.CREATE, "mail", None, Mailbox("z@x.cn", "Z")), "ok")
    later = Journal(first.path, actor="third")
    later.append(Change(Action.CREATE, "mail", None, Mailbox("y@x.cn", "Y")), "ok")
    assert later.verify() == []
