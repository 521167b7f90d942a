"""The state folder after ``mailplan apply`` on the example company, as ``ls -l`` shows it: every file
with its own mode whatever the umask, the mail database readable only by its group, and a
credentials file that lists only passwords that work."""

from __future__ import annotations

import grp
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cli.conftest import Run

GROUP = "nogroup"  # any group other than the caller's own; Debian always has this one


def _apply_under_umask_000(company: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mailplan", "apply", "mailplan.yaml", "--auto-approve"],
        cwd=company, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "NO_COLOR": "1"}, umask=0,
    )  # fmt: skip


def _modes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode) for p in [folder, *folder.rglob("*")]}


@pytest.mark.skipif(os.geteuid() != 0, reason="giving the database another group needs root")
def test_state_folder_and_files_have_explicit_modes_under_umask_000(company: Path) -> None:
    config = company / "mailplan.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("    mx_host: mx.huamao-trade.com\n",
                                   f"    mx_host: mx.huamao-trade.com\n    database_group: {GROUP}\n"),
                      encoding="utf-8")  # fmt: skip
    done = _apply_under_umask_000(company)
    assert done.returncode == 0, done.stdout + done.stderr
    state = company / ".mailplan"
    modes = _modes(state)
    assert modes.pop(".") == 0o755  # the mail servers' users traverse it to the database
    assert modes.pop("mail.sqlite") == 0o640
    assert modes.pop("credentials.txt") == 0o600
    assert modes.pop("journal.jsonl") == 0o640
    assert modes.pop("dkim") == 0o700
    assert modes.pop("welcome") == 0o700  # each new person's welcome sheet is for their eyes
    assert modes.pop("lock") == 0o644  # who holds the lock is no secret
    # the journal's index (written by a plan once there is a journal), as readable as the journal
    assert modes.pop("journal.jsonl.index.json", 0o640) == 0o640
    assert set(modes.values()) == {0o600}, modes  # the DKIM private keys and the welcome sheets
    assert grp.getgrgid((state / "mail.sqlite").stat().st_gid).gr_name == GROUP


def test_a_new_database_is_not_readable_by_others_and_a_missing_group_is_named(company: Path, mailplan: Run) -> None:
    config = company / "mailplan.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("    mx_host: mx.huamao-trade.com\n",
                                   "    mx_host: mx.huamao-trade.com\n    database_group: no-such-group\n"),
                      encoding="utf-8")  # fmt: skip
    refused = mailplan("apply", "mailplan.yaml", "--auto-approve")
    assert refused.returncode == 1
    assert "group 'no-such-group' (database_group) does not exist; create it: groupadd --system no-such-group" in (
        refused.stdout + refused.stderr
    )
    config.write_text(text, encoding="utf-8")
    assert mailplan("apply", "mailplan.yaml", "--auto-approve").returncode == 0
    assert stat.S_IMODE((company / ".mailplan" / "mail.sqlite").stat().st_mode) == 0o640


def _credentials(company: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in (company / ".mailplan" / "credentials.txt").read_text(encoding="utf-8").splitlines():
        address, _, password = line.partition("\t")
        found.setdefault(address, []).append(password)
    return found


def test_credentials_list_one_working_password_per_account_and_none_for_frozen_ones(
    company: Path, mailplan: Run
) -> None:
    assert mailplan("apply", "mailplan.yaml", "--auto-approve").returncode == 0
    issued = _credentials(company)
    # order-2026-097 expired before it was created: nobody ever logs in to it, nobody is told a password
    assert "order-2026-097@huamao-trade.com" not in issued
    assert "lina2@huamao-trade.com" not in issued  # a former employee, created frozen
    assert len(issued["zhangwei@huamao-trade.com"]) == 1

    assert mailplan("offboard", "mailplan.yaml", "zhangwei", "-s", "wangfang", "--now").returncode == 0
    assert "zhangwei@huamao-trade.com" not in _credentials(company)  # the old password no longer works
    assert mailplan("rehire", "mailplan.yaml", "zhangwei").returncode == 0
    assert mailplan("apply", "mailplan.yaml", "--auto-approve").returncode == 0
    after = _credentials(company)
    assert len(after["zhangwei@huamao-trade.com"]) == 1 and after["zhangwei@huamao-trade.com"] != issued[
        "zhangwei@huamao-trade.com"
    ]
    assert {a: p for a, p in after.items() if a != "zhangwei@huamao-trade.com"} == {
        a: p for a, p in issued.items() if a != "zhangwei@huamao-trade.com"
    }
