"""What the chain alone cannot catch, and a damaged line: through the CLI, as an auditor and an admin meet them."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator

import pytest

from engine.test_journal import _rechain
from mailplan import config as config_mod
from people.conftest import Company, addr


@pytest.fixture
def history(company: Company) -> Iterator[Company]:
    company.apply()
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--now", "--actor", "hr:李敏")
    yield company


def _lines(target: Company) -> list[str]:
    return target.journal.read_text(encoding="utf-8").splitlines(keepends=True)


def _write(target: Company, lines: list[str]) -> None:
    target.journal.write_text("".join(lines), encoding="utf-8")


def _head(output: str) -> str:
    found = re.search(r"head (\d+:[0-9a-f]{64})", output)
    assert found, output
    return found.group(1)


# -- a damaged line ----------------------------------------------------------------------------------------------


def test_a_damaged_line_is_named_by_log_and_verify_without_a_traceback(history: Company) -> None:
    lines = _lines(history)
    lines[4] = "{" + lines[4]
    lines[7] = lines[7][:20] + "\n"
    _write(history, lines)
    shown = history.run("audit", "log", str(history.config))
    assert shown.exit_code == 1 and "Traceback" not in shown.stderr
    assert "line 5: not valid JSON" in shown.stderr and "line 8: not valid JSON" in shown.stderr
    assert "create domain huamao-trade.com" in shown.stdout  # the readable entries are still shown
    checked = history.run("audit", "verify", str(history.config))
    assert checked.exit_code == 2
    assert "line 5: not valid JSON" in checked.stdout and "line 8: not valid JSON" in checked.stdout
    assert "line 6:" not in checked.stdout  # the line after a damaged one is not blamed for it


def test_apply_refuses_up_front_on_a_damaged_journal_and_changes_nothing(history: Company) -> None:
    history.ok("onboard", str(history.config), "刘备", "--department", "sales", "--no-plan")
    lines = _lines(history)
    lines[-1] = "{" + lines[-1]
    _write(history, lines)
    before = history.journal.read_bytes()
    refused = history.run("apply", str(history.config), "--auto-approve")
    assert refused.exit_code == 1, refused.stdout + refused.stderr
    assert f"line {len(lines)}: not valid JSON" in refused.stderr and "Traceback" not in refused.stderr
    assert history.db("SELECT username FROM mailbox WHERE username = ?", addr("liubei")) == []
    assert history.journal.read_bytes() == before


# -- the head: a deleted tail, a rewritten history ---------------------------------------------------------------


def test_apply_prints_the_head_verify_checks_it_and_sees_a_deleted_tail(history: Company) -> None:
    history.ok("onboard", str(history.config), "刘备", "--department", "sales", "--no-plan")
    applied = history.ok("apply", str(history.config), "--auto-approve")
    head = _head(applied.stdout)
    saved = history.folder / "head.txt"
    intact = history.ok("audit", "verify", str(history.config), "--save-head", str(saved))
    assert _head(intact.stdout) == head and saved.read_text(encoding="utf-8").strip() == head

    _write(history, _lines(history)[:-3])
    alone = history.ok("audit", "verify", str(history.config))  # the chain cannot tell a shorter history
    assert "hash chain intact" in alone.stdout
    for anchor in (head, str(saved)):
        caught = history.run("audit", "verify", str(history.config), "--expect-head", anchor)
        assert caught.exit_code == 2
        seq = int(head.split(":")[0])
        assert f"entry {seq} of the recorded head" in caught.stdout and f"ends at entry {seq - 3}" in caught.stdout


def test_the_head_sees_a_history_rewritten_with_every_hash_recomputed(history: Company) -> None:
    head = _head(history.ok("audit", "verify", str(history.config)).stdout)
    lines = _lines(history)
    entry = json.loads(lines[2])
    entry["actor"] = "someone else"
    _write(history, _rechain([*lines[:2], json.dumps(entry, ensure_ascii=False) + "\n", *lines[3:]]))
    assert history.run("audit", "verify", str(history.config)).exit_code == 0
    caught = history.run("audit", "verify", str(history.config), "--expect-head", head)
    assert caught.exit_code == 2 and "the history up to this entry was rewritten" in caught.stdout


def test_a_head_that_is_no_head_is_a_clear_error(history: Company) -> None:
    wrong = history.run("audit", "verify", str(history.config), "--expect-head", "yesterday")
    assert wrong.exit_code == 1 and "neither SEQ:HASH nor a readable file" in wrong.stderr


# -- the key: a rewritten history, with no head kept -------------------------------------------------------------

KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def keyed(company: Company, monkeypatch: pytest.MonkeyPatch) -> Iterator[Company]:
    monkeypatch.setenv("MAILPLAN_JOURNAL_KEY", KEY)
    company.config.write_text(company.text() + "\njournal_key: env:MAILPLAN_JOURNAL_KEY\n", encoding="utf-8")
    company.apply()
    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--now")
    yield company


def test_a_keyed_journal_catches_a_rewritten_history_and_names_the_line(keyed: Company) -> None:
    assert KEY not in keyed.journal.read_text(encoding="utf-8")
    intact = keyed.ok("audit", "verify", str(keyed.config))
    count = len(_lines(keyed))
    assert f"{count} signed with the journal key" in intact.stdout
    lines = _lines(keyed)
    entry = json.loads(lines[2])
    entry["actor"] = "someone else"
    _write(keyed, _rechain([*lines[:2], json.dumps(entry, ensure_ascii=False) + "\n", *lines[3:]]))
    caught = keyed.run("audit", "verify", str(keyed.config))
    assert caught.exit_code == 2
    assert "line 3: its signature does not match the journal key" in caught.stdout
    # an auditor with the journal alone names the key; without it only the chain is checked, which was recomputed
    alone = ("audit", "verify", "--journal", str(keyed.journal))
    assert keyed.run(*alone, "--key", "env:MAILPLAN_JOURNAL_KEY").exit_code == 2
    assert keyed.run(*alone).exit_code == 0


def test_a_keyed_journal_without_its_key_is_refused_clearly(keyed: Company, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILPLAN_JOURNAL_KEY")
    refused = keyed.run("audit", "verify", str(keyed.config))
    assert refused.exit_code == 1 and "MAILPLAN_JOURNAL_KEY is not set" in refused.stderr
    literal = keyed.run("audit", "verify", str(keyed.config), "--key", KEY)
    assert literal.exit_code == 1 and KEY not in literal.stderr + literal.stdout


def test_a_key_written_into_the_config_is_a_validation_error_that_does_not_repeat_it(company: Company) -> None:
    company.config.write_text(f"journal_key: {KEY}\n" + company.text(), encoding="utf-8")
    result = company.run("validate", str(company.config))
    assert result.exit_code == 1 and "journal_key: must be a reference" in result.stderr
    assert KEY not in result.stderr + result.stdout


# -- which config was applied ------------------------------------------------------------------------------------


def _git(company: Company, *args: str) -> str:
    command = ["git", "-C", str(company.folder), "-c", "user.name=t", "-c", "user.email=t@example.com", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def test_the_journal_records_uncommitted_edits_of_the_config(company: Company, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GITHUB_SHA", "CI_COMMIT_SHA"):
        monkeypatch.delenv(var, raising=False)
    _git(company, "init", "-q")
    _git(company, "add", "mailplan.yaml")
    _git(company, "commit", "-qm", "the mail setup")
    commit = _git(company, "rev-parse", "HEAD")
    company.apply()
    first = json.loads(_lines(company)[0])
    assert (first["config_commit"], first["config_dirty"]) == (commit, False)

    company.ok("offboard", str(company.config), "zhangwei", "-s", "wangfang", "--now")  # edits the file, uncommitted
    last = json.loads(_lines(company)[-1])
    assert (last["config_commit"], last["config_dirty"]) == (commit, True)
    assert last["config_fingerprint"] == config_mod.load(company.config).fingerprint != first["config_fingerprint"]
    shown = company.ok("audit", "log", str(company.config), "-p", "zhangwei").stdout
    assert f"config {commit[:12]} with uncommitted edits" in shown
