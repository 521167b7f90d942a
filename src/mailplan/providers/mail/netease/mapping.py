"""How NetEase's accounts and units read as mailplan's objects, and the marks mailplan leaves on them.

NetEase keeps a free text on accounts (``remark``, 备注) and on units (``unit_desc``). What mailplan creates
or adopts carries the ``[mailplan ...]`` note at the end of that text (``marks.with_note``), which is what
makes it managed, and holds what NetEase has no field for: a functional mailbox (``kind=functional``), a
department's manager (``manager=<address>``), the archive the account was named for (``archive=<domain>
retention=<days>``). What was there before the note is kept.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from mailplan.providers.mail import marks

DEFAULT_UNIT = "default"  # createAccount's unit_id for the default department (默认部门传default)
# Account status: 0 normal, 1 disabled (the freeze), 2 deleted (recoverable by NetEase for a while).
NORMAL, SUSPENDED, DELETED = 0, 1, 2
# What a list item must carry to be read without a getAccount of its own.
LISTED = ("account_name", "nickname", "status", "unit_id")


def as_int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def note_of(text: Any) -> tuple[str, dict[str, str] | None]:
    """``(text before the note, the note's fields)``; fields is None without a mailplan note."""
    return marks.read_note(str(text or ""))


def with_fields(text: Any, changes: dict[str, str | None]) -> str:
    """``text`` with its mailplan note carrying ``changes`` (None drops a field); marks it managed."""
    before, fields = note_of(text)
    merged: dict[str, str | None] = {**(fields or {}), **changes}
    return marks.with_note(before.strip(), merged)


def is_default_unit(unit_id: str) -> bool:
    """The default department: ``default`` on create, ``<domain id>_default`` in answers."""
    return unit_id in ("", DEFAULT_UNIT) or unit_id.endswith("_" + DEFAULT_UNIT)


def alias_addresses(con: Any, domain: str) -> tuple[str, ...]:
    """The addresses in a ``getAccountAliasList`` answer. No source shows the legacy answer: the open
    platform's ``{"alias": [...]}`` is read, a bare list too, and local parts get the domain."""
    items = (con.get("alias") or con.get("alias_list") or con.get("list") or []) if isinstance(con, dict) else con
    found: set[str] = set()
    for item in items if isinstance(items, list) else []:
        value = (item.get("alias_name") or item.get("alias")) if isinstance(item, dict) else item
        text = str(value or "").strip()
        if text:
            found.add(marks.address(text if "@" in text else f"{text}@{domain}"))
    return tuple(sorted(found))


def new_password() -> str:
    """A random password NetEase's strictest password rule accepts: 16 characters (its maximum), upper and
    lower case and digits, no three digits in a row and no character three times in a row."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(16))
        kinds = (str.islower, str.isupper, str.isdigit)
        if not all(any(kind(c) for c in password) for kind in kinds):
            continue
        runs = (password[i : i + 3] for i in range(len(password) - 2))
        if any(run.isdigit() or len(set(run)) == 1 for run in runs):
            continue
        return password
