"""``audit verify --journal FILE`` checks signatures with the config's journal_key, found relative to the config's
folder; ``--key`` overrides it; with no key at all, signed entries are said to be unchecked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.test_journal import _rechain
from people.conftest import Company

KEY = "0123456789abcdef0123456789abcdef"
OTHER_KEY = "fedcba9876543210fedcba9876543210"
NOT_CHECKED = "signatures NOT checked"


@pytest.fixture
def keyed(company: Company) -> Iterator[Company]:
    """The example company signing its journal with a key in a file next to the config (a relative path)."""
    (company.folder / "secrets").mkdir()
    (company.folder / "secrets" / "journal.key").write_text(KEY + "\n", encoding="utf-8")
    company.config.write_text(company.text() + "\njournal_key: file:secrets/journal.key\n", encoding="utf-8")
    company.apply()
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--now", "--actor", "hr:李敏")
    yield company


@pytest.fixture
def elsewhere(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An auditor's working folder: no mailplan.yaml, no key file."""
    folder = tmp_path_factory.mktemp("auditor")
    monkeypatch.chdir(folder)
    return folder


def _rewrite_an_entry(target: Company) -> None:
    """Edit entry 3 and recompute every hash: the chain agrees with itself, only the key can tell."""
    lines = target.journal.read_text(encoding="utf-8").splitlines(keepends=True)
    entry = json.loads(lines[2])
    entry["actor"] = "someone else"
    rewritten = _rechain([*lines[:2], json.dumps(entry, ensure_ascii=False) + "\n", *lines[3:]])
    target.journal.write_text("".join(rewritten), encoding="utf-8")


def _entries(target: Company) -> int:
    return len(target.journal.read_text(encoding="utf-8").splitlines())


def test_the_config_given_with_journal_lends_its_key_from_its_own_folder(keyed: Company, elsewhere: Path) -> None:
    count = _entries(keyed)
    intact = keyed.ok("audit", "verify", "--journal", str(keyed.journal), str(keyed.config))
    assert f"{count} signed with the journal key (journal_key file:secrets/journal.key of {keyed.config})" in (
        intact.stdout
    )
    assert NOT_CHECKED not in intact.stdout
    _rewrite_an_entry(keyed)
    caught = keyed.run("audit", "verify", "--journal", str(keyed.journal), str(keyed.config))
    assert caught.exit_code == 2, caught.stdout + caught.stderr
    assert "line 3: its signature does not match the journal key" in caught.stdout


def test_a_mailplan_yaml_in_the_current_folder_is_found(keyed: Company, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(keyed.folder)
    _rewrite_an_entry(keyed)
    caught = keyed.run("audit", "verify", "--journal", ".mailplan/journal.jsonl")
    assert caught.exit_code == 2, caught.stdout + caught.stderr
    assert "line 3: its signature does not match the journal key" in caught.stdout


def test_key_overrides_the_configs_and_a_file_in_it_is_relative_to_the_current_folder(
    keyed: Company, elsewhere: Path
) -> None:
    (elsewhere / "wrong.key").write_text(OTHER_KEY, encoding="utf-8")
    wrong = keyed.run("audit", "verify", "--journal", str(keyed.journal), str(keyed.config), "--key", "file:wrong.key")
    assert wrong.exit_code == 2, wrong.stdout + wrong.stderr
    assert "line 1: its signature does not match the journal key" in wrong.stdout
    (elsewhere / "right.key").write_text(KEY, encoding="utf-8")
    right = keyed.ok("audit", "verify", "--journal", str(keyed.journal), "--key", "file:right.key")
    assert f"{_entries(keyed)} signed with the journal key (--key file:right.key)" in right.stdout


def test_a_config_given_that_cannot_be_read_is_an_error_not_a_silent_skip(keyed: Company, elsewhere: Path) -> None:
    missing = keyed.run("audit", "verify", "--journal", str(keyed.journal), str(elsewhere / "missing.yaml"))
    assert missing.exit_code == 1, missing.stdout + missing.stderr
    assert "missing.yaml" in missing.stderr and "Traceback" not in missing.stderr


def test_without_any_key_signed_entries_are_said_to_be_unchecked(keyed: Company, elsewhere: Path) -> None:
    count = _entries(keyed)
    alone = keyed.ok("audit", "verify", "--journal", str(keyed.journal))
    assert "hash chain intact, signatures not checked (no journal key)." in alone.stdout
    assert f"{NOT_CHECKED}: {count} of {count} entries are signed, but no journal key was given" in alone.stdout
    assert "signed with the journal key (" not in alone.stdout
    _rewrite_an_entry(keyed)  # what only the key would catch passes the chain: the warning is the point
    rewritten = keyed.ok("audit", "verify", "--journal", str(keyed.journal))
    assert NOT_CHECKED in rewritten.stdout
    # a broken chain still says so, and that the signatures were not looked at either
    lines = keyed.journal.read_text(encoding="utf-8").splitlines(keepends=True)
    keyed.journal.write_text("".join([*lines[:2], *lines[3:]]), encoding="utf-8")
    broken = keyed.run("audit", "verify", "--journal", str(keyed.journal))
    assert broken.exit_code == 2 and NOT_CHECKED in broken.stdout


def test_a_config_without_journal_key_over_a_signed_journal_says_so(keyed: Company) -> None:
    keyed.config.write_text(keyed.text().replace("journal_key: file:secrets/journal.key\n", ""), encoding="utf-8")
    shown = keyed.ok("audit", "verify", str(keyed.config))
    assert NOT_CHECKED in shown.stdout


def test_an_unsigned_journal_without_a_key_has_nothing_to_warn_about(company: Company, elsewhere: Path) -> None:
    company.apply()
    shown = company.ok("audit", "verify", "--journal", str(company.journal))
    assert f"{_entries(company)} entries, hash chain intact." in shown.stdout
    assert "signatures" not in shown.stdout
