"""A throwaway system user for the mail helpers, made for one test session and removed after it.

The database is mode 0640 and Postfix runs the helpers with their user's primary group only,
so the stacks need a user whose group the database belongs to; ``nobody`` (who owns the
test Maildirs) stays an outsider the tests can act as. The name is unique per session, so
sessions running side by side on one host do not share it.
"""

from __future__ import annotations

import os
import pwd
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Account:
    name: str
    uid: int
    gid: int  # the primary group, named like the user


def _shadow_tool(*argv: str) -> None:
    """useradd/userdel, retried while another process holds the password files' lock."""
    for attempt in range(20):
        done = subprocess.run(list(argv), capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return
        if "lock" not in done.stderr:
            raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip()}")
        time.sleep(0.2 * (attempt + 1))
    raise RuntimeError(f"{' '.join(argv)}: the password files stayed locked")


def create_account(prefix: str = "mpt") -> Account:
    if os.geteuid() != 0:
        raise RuntimeError("the real-stack tests run as root (they make a system user for the mail helpers)")
    name = f"{prefix}{secrets.token_hex(4)}"
    _shadow_tool("useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                 "--shell", "/usr/sbin/nologin", name)  # fmt: skip
    entry = pwd.getpwnam(name)
    return Account(name, entry.pw_uid, entry.pw_gid)


def remove_account(account: Account) -> None:
    _shadow_tool("userdel", account.name)  # its group, made with it, goes too


@pytest.fixture(scope="session")
def mail_helper() -> Iterator[Account]:
    account = create_account()
    yield account
    remove_account(account)
