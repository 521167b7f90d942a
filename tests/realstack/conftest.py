"""Fixtures of the real-stack tests: a small organization and a mail stack serving it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from realstack.org import Org, build_org
from servers.accounts import Account
from servers.common import server_dir
from servers.mailstack import MailStack, MailStackFactory


@pytest.fixture
def org(mail_helper: Account) -> Iterator[Org]:
    root = server_dir("org")
    built = build_org(root, mail_helper.name)
    yield built
    built.provider.close()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def stack(org: Org, mailstack_factory: MailStackFactory) -> MailStack:
    return mailstack_factory(org.database)

