"""The local backend makes runs of changes in one transaction, hashing the new mailboxes' passwords
together: what a user sees must not change. Dovecot verifies every password handed out; a run with a
failing change leaves exactly the changes before it, each on record, and nothing after it; a journal
that fails mid-run is reported with every change the database already holds."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from mailplan.engine.apply import apply_changes
from mailplan.engine.journal import Journal
from mailplan.model.change import Action, Change
from mailplan.model.objects import Domain, Mailbox
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


def journaled(journal: Journal) -> list[str]:
    return [entry.data["key"] for entry in journal.entries()]


def test_dovecot_verifies_every_password_of_a_first_apply(tmp_path: Path) -> None:
    require_binaries("doveadm")
    journal = Journal(tmp_path / "journal.jsonl", actor="t")
    report = apply_changes(creates(6), {"mail": provider(tmp_path)}, journal)
    assert report.ok and len(journaled(journal)) == 7
    handed_out = dict(line.split("\t") for line in (tmp_path / "credentials.tsv").read_text().splitlines())
    stored = mailboxes(tmp_path)
    assert set(handed_out) == set(stored) == {f"p{i}@{D}" for i in range(6)}
    for address, password in handed_out.items():
        assert stored[address].startswith("{SHA512-CRYPT}$6$")
        ok = subprocess.run(["doveadm", "pw", "-t", stored[address], "-p", password], capture_output=True, text=True)
        assert ok.returncode == 0 and "(verified)" in ok.stdout, (address, ok.stderr)
    assert len(set(stored.values())) == 6  # each its own salt and password


def test_a_failing_change_in_a_run_leaves_exactly_the_changes_before_it(tmp_path: Path) -> None:
    changes = creates(5)
    broken = Change(Action.UPDATE, "mail", Mailbox(f"p9@{D}", "P9"), None)  # carries nothing to write
    changes.insert(3, broken)
    journal = Journal(tmp_path / "journal.jsonl", actor="t")
    report = apply_changes(changes, {"mail": provider(tmp_path)}, journal)
    assert report.failed == broken and "carries no object" in report.error
    assert report.applied == changes[:3] and report.not_attempted == changes[4:]
    assert set(mailboxes(tmp_path)) == {f"p0@{D}", f"p1@{D}"}  # the database holds what was reported
    assert journaled(journal) == [c.key for c in changes[:3]]  # and each of them is on record
    again = apply_changes(changes[4:], {"mail": provider(tmp_path)}, journal)  # the next run finishes
    assert again.ok and set(mailboxes(tmp_path)) == {f"p{i}@{D}" for i in range(5)}


def test_a_journal_failing_mid_run_reports_every_change_the_database_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = Journal(tmp_path / "journal.jsonl", actor="t")
    real_append, calls = journal.append, []

    def append(change: Change, answer: str, event: str = "applied") -> dict[str, object]:
        calls.append(change)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_append(change, answer, event)

    monkeypatch.setattr(journal, "append", append)
    changes = creates(5)
    report = apply_changes(changes, {"mail": provider(tmp_path, "SSHA512")}, journal)
    assert not report.ok and "NOT written to the journal" in report.error
    held = {f"p{i}@{D}" for i in range(5)}
    assert set(mailboxes(tmp_path)) == held  # the whole run was committed before journaling began
    assert {c.key for c in report.applied} == {D} | held and not report.not_attempted
    assert "3 changes made with it" in report.error
