"""The audit journal detects any edit, deletion or reordering of past entries."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
from pathlib import Path

import pytest

from mailplan.engine.apply import apply_changes
from mailplan.engine.journal import GENESIS, Journal, JournalError, _digest, parse_head
from mailplan.engine.journal_check import check, verify
from mailplan.engine.journal_run import ConfigVersion, config_version
from mailplan.model.change import Action, Change
from mailplan.model.objects import Mailbox

from .memory import MemoryProvider


def _journal(tmp_path: Path, n: int = 4, key_ref: str = "") -> Journal:
    journal = Journal(tmp_path / "journal.jsonl", actor="hr-bot", commit="abc123", key_ref=key_ref)
    for i in range(n):
        box = Mailbox(f"p{i}@example.com", f"张{i}")
        journal.append(Change(Action.CREATE, "mail", None, box, "new hire"), "inserted")
    return journal


def test_an_untouched_journal_verifies(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    assert verify(journal) == []
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
    breaks = verify(journal)
    assert breaks, "tampering went unnoticed"
    assert breaks[0].line == line
    assert any(words in b.reason for b in breaks)


def test_appending_after_verification_continues_the_chain(tmp_path: Path) -> None:
    journal = _journal(tmp_path, 2)
    again = Journal(journal.path, actor="ci")
    again.append(Change(Action.FREEZE, "mail", Mailbox("a@x.cn", "A"), Mailbox("a@x.cn", "A", frozen=True)), "ok")
    assert verify(again) == []
    assert [e.data["seq"] for e in again.entries()] == [1, 2, 3]


def test_appends_after_another_writer_still_chain(tmp_path: Path) -> None:
    """Each run reads the journal's end once; a second writer's entries are picked up by the next run."""
    first = _journal(tmp_path, 2)
    second = Journal(first.path, actor="other")
    second.append(Change(Action.CREATE, "mail", None, Mailbox("z@x.cn", "Z")), "ok")
    later = Journal(first.path, actor="third")
    later.append(Change(Action.CREATE, "mail", None, Mailbox("y@x.cn", "Y")), "ok")
    assert verify(later) == []


# -- a damaged line: named, and nothing is applied on top of it --------------------------------------------------


def test_a_damaged_line_is_named_and_every_one_is_reported(tmp_path: Path) -> None:
    journal = _journal(tmp_path, 5)
    _rewrite(journal.path, lambda ls: [ls[0], "{" + ls[1], ls[2], "not json\n", ls[4]])
    breaks = verify(journal)
    assert [(b.line, "not valid JSON" in b.reason) for b in breaks] == [(2, True), (4, True)]
    with pytest.raises(JournalError, match=r"line 2: not valid JSON"):
        list(journal.entries())


def test_nothing_is_applied_when_the_journal_cannot_be_continued(tmp_path: Path) -> None:
    journal = _journal(tmp_path, 3)
    _rewrite(journal.path, lambda ls: [*ls[:2], "{" + ls[2]])
    before = journal.path.read_bytes()
    mem = MemoryProvider()
    change = Change(Action.CREATE, "mem", None, Mailbox("new@example.com", "New"), "new hire")
    with pytest.raises(JournalError, match=r"line 3: not valid JSON.*nothing was changed"):
        apply_changes([change], {"mem": mem}, Journal(journal.path, actor="ci"))
    assert mem.applied == [] and journal.path.read_bytes() == before


# -- anchors outside the file: the head, and the key -------------------------------------------------------------


def _rechain(lines: list[str], key: bytes | None = None, strip: bool = False) -> list[str]:
    """What someone who edits the file does to hide it: recompute every hash (and signature, if they can)."""
    out, prev = [], GENESIS
    for raw in lines:
        entry = json.loads(raw)
        entry.pop("hash")
        mac = entry.pop("mac", None)
        entry["prev"] = prev
        entry["hash"] = prev = _digest(prev, entry)
        if key is not None:
            entry["mac"] = hmac.new(key, prev.encode(), hashlib.sha256).hexdigest()
        elif mac is not None and not strip:
            entry["mac"] = mac
        out.append(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
    return out


def test_the_chain_alone_misses_a_deleted_tail_the_recorded_head_does_not(tmp_path: Path) -> None:
    journal = _journal(tmp_path, 6)
    head = journal.head()
    _rewrite(journal.path, lambda ls: ls[:-3])
    assert verify(Journal(journal.path)) == []  # a shorter history, as far as the chain can tell
    breaks = verify(Journal(journal.path), expect=head)
    assert [b.line for b in breaks] == [0]
    assert "entry 6" in breaks[0].reason and "ends at entry 3" in breaks[0].reason


def test_the_recorded_head_catches_a_rewritten_chain(tmp_path: Path) -> None:
    journal = _journal(tmp_path, 4)
    head = journal.head()
    _rewrite(journal.path, lambda ls: _rechain([ls[0], ls[1].replace("张1", "李1"), *ls[2:]]))
    assert verify(Journal(journal.path)) == []
    breaks = verify(Journal(journal.path), expect=head)
    assert [b.line for b in breaks] == [4] and "rewritten" in breaks[0].reason
    assert verify(Journal(journal.path), expect=parse_head(f"{head.seq}:{head.hash[:16]}")) == breaks


def test_a_keyed_journal_catches_a_rewritten_chain_at_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOURNAL_KEY", "k" * 32)
    journal = _journal(tmp_path, 4, key_ref="env:JOURNAL_KEY")
    assert "k" * 32 not in journal.path.read_text(encoding="utf-8")
    assert check(journal).signed == 4 and verify(journal) == []
    _rewrite(journal.path, lambda ls: _rechain([ls[0], ls[1].replace("张1", "李1"), *ls[2:]]))
    breaks = verify(Journal(journal.path, key_ref="env:JOURNAL_KEY"))
    assert [b.line for b in breaks] == [2, 3, 4] and "signature does not match" in breaks[0].reason
    # stripping the signatures does not help either
    _rewrite(journal.path, lambda ls: _rechain(ls, strip=True))
    stripped = verify(Journal(journal.path, key_ref="env:JOURNAL_KEY"))
    assert [b.line for b in stripped] == [0] and "none of the 4 entries is signed" in stripped[0].reason
    # with the key, the chain can be rebuilt: that is what the key is for, so keep it from whoever edits the file
    _rewrite(journal.path, lambda ls: _rechain(ls, key=b"k" * 32))
    assert verify(Journal(journal.path, key_ref="env:JOURNAL_KEY")) == []


def test_a_missing_key_stops_before_anything_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOURNAL_KEY", raising=False)
    journal = Journal(tmp_path / "journal.jsonl", key_ref="env:JOURNAL_KEY")
    with pytest.raises(JournalError, match="JOURNAL_KEY is not set"):
        journal.prepare()
    monkeypatch.setenv("JOURNAL_KEY", "short")
    with pytest.raises(JournalError, match="shorter than 16"):
        Journal(journal.path, key_ref="env:JOURNAL_KEY").prepare()


# -- which config was applied ------------------------------------------------------------------------------------


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, text=True).stdout


def test_the_config_commit_says_when_the_file_has_uncommitted_edits(tmp_path: Path) -> None:
    config = tmp_path / "mailplan.yaml"
    config.write_text("version: 1\n", encoding="utf-8")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@x", "add", "mailplan.yaml")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "config")
    head = _git(tmp_path, "rev-parse", "HEAD").strip()
    assert config_version(tmp_path, [config]) == ConfigVersion(head, False)
    config.write_text("version: 1\n# edited\n", encoding="utf-8")
    assert config_version(tmp_path, [config]) == ConfigVersion(head, True)
    include = tmp_path / "more.yaml"
    include.write_text("people: []\n", encoding="utf-8")
    _git(tmp_path, "checkout", "-q", "mailplan.yaml")
    assert config_version(tmp_path, [config, include]) == ConfigVersion(head, True)  # untracked: not in the commit
