"""Radicale authentication against mailplan's database: the login is the full address, the password the
one Dovecot checks (the same ``mailbox`` row, ``active = 1`` on mailbox and domain, so a frozen person is
refused at once, with no copy of the passwords to keep in step).

Radicale loads it by module name (``[auth] type = mailplan.providers.mail.local.radicale_auth``) and
passes ``mailplan_database`` from its config; radicale and mailplan must import in the same Python.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from radicale import auth

from mailplan.providers.mail.local.passwords import verify_password

QUERY = (
    "SELECT m.password FROM mailbox m JOIN domain d ON d.domain = m.domain "
    "WHERE m.username = ? AND m.active = 1 AND d.active = 1"
)


class Auth(auth.BaseAuth):
    def __init__(self, configuration: Any) -> None:
        super().__init__(configuration)
        self._database = str(configuration.get("auth", "mailplan_database"))

    def _login(self, login: str, password: str) -> str:
        address = login.strip().lower()
        # read-only and opened per login: apply may be writing, and a freeze must count at the next request
        with sqlite3.connect(f"file:{self._database}?mode=ro", uri=True) as db:
            row = db.execute(QUERY, (address,)).fetchone()
        if row is None or not verify_password(password, str(row[0])):
            return ""
        return address
