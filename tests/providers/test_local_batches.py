"""The local backend makes runs of changes in one transaction, hashing the new mailboxes' passwords
together: what a user sees must not change. Dovecot verifies every password handed out; a batch with a
failing change is made again one change at a time, so the failure is named, only what needs it is skipped
and the rest is made; a journal that fails before a batch leaves it unmade, and one that fails after it
reports every change the database already holds (the next run finds them done)."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mailplan.engine.apply import apply_changes
from mailplan.engine.journal import Journal
from mailplan.engine.journal_reconcile import reconcile
from mailplan.model.change import Action, Change
from mailplan.model.objects import Alias, Domain, Group, Mailbox
from mailplan.providers.base import CredentialSink, ProviderContext
from mailplan.providers.mail.local.provider import LocalMailProvider
from servers.common import require_binaries

D = "example.com"


def provider(workdir: Path, scheme: str = "SHA512-CRYPT") -> LocalMailProvider:
    context = ProviderContext(base_dir=workdir, credentials=CredentialSink(workdir / "credentials.tsv"))
    return LocalMailProvider("mail", {"database": "mail.sqlite", "password_scheme": scheme}, context)


def creates(count: int) -> list[Change]:
    boxes = [Mailbox(f"p{i}@{D}", f"P{i}") for i in range(count)]
    return [Change(Action.CREATE, "mail", None, Domain(name=D))] + [
        Change(Action.CREATE, "mail", None, box) for box in boxes
    ]


def mailboxes(workdir: Path) -> dict[str, str]:
    with sqlite3.connect(workdir / "mail.sqlite") as db:
        return dict(db.execute("SELECT username, password FROM mailbox").fetchall())


def entries(journal: Journal) -> list[dict[str, Any]]:
    return [entry.data for entry in journal.entries()]


def outcomes(journal: Journal, event: str) -> list[str]:
    return [e["key"] for e in entries(journal) if e["event"] == event]


def credentials(workdir: Path) -> dict[str, str]:
    path = workdir / "credentials.tsv"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return {ln.split("\t")[0]: ln.split("\t")[1] for ln in lines}


def test_dovecot_verifies_every_password_of_a_first_apply(tmp_path: Path) -> None:
    require_binaries("doveadm")
    journal = Journal(tmp_path / "journal.jsonl", actor="t")
    report = apply_changes(creates(6), {"mail": provider(tmp_path)}, journal)
    assert report.ok and len(outcomes(journal, "applied")) == 7
    lines = (tmp_path / "credentials.tsv").read_text(encoding="utf-8").splitlines()
    assert all(len(line.split("\t")) == 2 for line in lines)  # each confirmed (no "unconfirmed" note left)
    handed_out = credentials(tmp_path)
    stored = mailboxes(tmp_path)
    assert set(handed_out) == set(stored) == {f"p{i}@{D}" for i in range(6)}
    for address, password in handed_out.items():
        assert stored[address].startswith("{SHA512-CRYPT}$6$")
        ok = subprocess.run(["doveadm", "pw", "-t", stored[address], "-p", password], capture_output=True, text=True)
        assert ok.returncode == 0 and "(verified)" in ok.stdout, (address, ok.stderr)
    assert len(set(stored.values())) == 6  # each its own salt and password


def test_a_batch_is_journaled_as_one_intent_write_and_one_outcome_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = Journal(tmp_path / "journal.jsonl", actor="t")
    writes: list[list[str]] = []
    held: list[set[str]] = []  # the mailboxes the database holds at each write
    real = journal.record_all

    def record_all(fields: Any) -> Any:
        writes.append([f"{f['event']} {f['key']}" for f in fields])
        held.append(set(mailboxes(tmp_path)) if (tmp_path / "mail.sqlite").exists() else set())
        return real(fields)

    monkeypatch.setattr(journal, "record_all", record_all)
    changes = creates(3)
    assert apply_changes(changes, {"mail": provider(tmp_path)}, journal).ok
    assert writes == [[f"intended {c.key}" for c in changes], [f"applied {c.key}" for c in changes]]
    assert held == [set(), {f"p0@{D}", f"p1@{D}", f"p2@{D}"}]  # intents before the commit, outcomes after


def test_a_failing_change_in_a_batch_fails_alone_and_skips_only_what_needs_it(tmp_path: Path) -> None:
    changes = creates(4)
    # an alias at a mailbox's address is refused by the provider; the group needs that alias's address
    clash = Change(Action.CREATE, "mail", None, Alias(f"p1@{D}", (f"p2@{D}",)))
    needs_it = Change(Action.CREATE, "mail", None, Group(f"team@{D}", "Team", (f"p1@{D}",)))
    fine = Change(Action.CREATE, "mail", None, Alias(f"sales@{D}", (f"p3@{D}",)))
    changes += [clash, needs_it, fine]
    journal = Journal(tmp_path / "journal.jsonl", actor="t")
    report = apply_changes(changes, {"mail": provider(tmp_path)}, journal)
    assert report.failed_changes == [clash] and "is a mailbox" in report.error
    assert [s.change for s in report.skipped] == [needs_it]
    assert report.applied == [*changes[:5], fine] and not report.not_attempted
    assert set(mailboxes(tmp_path)) == {f"p{i}@{D}" for i in range(4)}  # the database holds what was reported
    assert set(credentials(tmp_path)) == set(mailboxes(tmp_path))  # each made mailbox's password kept, once
    # the batch was rolled back and journaled so; then each change on its own, each on record once
    batch_failed = [e for e in entries(journal) if e["event"] == "failed" and "its batch of" in e["answer"]]
    assert len(batch_failed) == len(changes)
    assert sorted(outcomes(journal, "applied")) == sorted(c.key for c in report.applied)
    assert [e["key"] for e in entries(journal) if e["event"] == "failed" and e not in batch_failed] == [clash.key]


def test_a_journal_that_cannot_take_a_batchs_intents_leaves_it_unmade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = Journal(tmp_path / "journal.jsonl", actor="t")

    def record_all(fields: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal, "record_all", record_all)
    changes = creates(4)
    report = apply_changes(changes, {"mail": provider(tmp_path)}, journal)
    assert not report.ok and "not attempted: the journal cannot take its intent" in report.error
    assert report.applied == [] and report.not_attempted == changes[1:]
    assert not (tmp_path / "mail.sqlite").exists() or mailboxes(tmp_path) == {}
    assert credentials(tmp_path) == {}


def test_a_journal_failing_after_a_batch_reports_every_change_the_database_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = Journal(tmp_path / "journal.jsonl", actor="t")
    real, calls = journal.record_all, []

    def record_all(fields: Any) -> Any:
        calls.append(fields)
        if len(calls) == 2:  # the outcomes
            raise OSError(28, "No space left on device")
        return real(fields)

    monkeypatch.setattr(journal, "record_all", record_all)
    changes = creates(5)
    mail = provider(tmp_path, "SSHA512")
    report = apply_changes(changes, {"mail": mail}, journal)
    assert not report.ok and "NOT written to the journal" in report.error
    assert "so are the 5 other changes made with it" in report.error
    held = {f"p{i}@{D}" for i in range(5)}
    assert set(mailboxes(tmp_path)) == held  # the whole batch was committed before journaling its outcomes
    assert report.applied == changes and not report.not_attempted
    assert set(credentials(tmp_path)) == held  # and the passwords confirmed with the commit
    # the next run finds each open intent done
    monkeypatch.setattr(journal, "record_all", real)
    settled = reconcile(journal, {"mail": mail.read([D])})
    assert [s.event for s in settled] == ["applied"] * 6
