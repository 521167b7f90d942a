"""Exmail JSON <-> neutral objects. Pure functions, no calls."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from mailplan.model.objects import Department, PostPolicy

ROOT_DEPARTMENT = 1

# Exmail ``allow_type`` (who may send to a group): 0 company members, 1 anyone,
# 2 group members, 3 the listed ``allow_userlist``.
ALLOW_TYPE: dict[PostPolicy, int] = {"organization": 0, "anyone": 1, "members": 2, "senders": 3}
POST_POLICY: dict[int, PostPolicy] = {v: k for k, v in ALLOW_TYPE.items()}

# A department's name is at most 64 bytes and may not hold any of these.
_FORBIDDEN = set('\\:*?"<>|｜')
_TITLED = re.compile(r"^(?P<title>.+) \[(?P<key>[^\[\]]+)\]$")


def titled_name(dept: Department) -> str:
    """The one name a service that keeps a single department name shows: a
    title that differs from the key is shown as ``title [key]``, readable in
    the console, and the key comes back on read (see ``department_key``)."""
    return dept.name if not dept.title or dept.title == dept.name else f"{dept.title} [{dept.name}]"


def department_label(dept: Department) -> str:
    """The name Exmail shows (``titled_name``), checked against Exmail's rules."""
    label = titled_name(dept)
    bad = sorted(set(label) & _FORBIDDEN)
    if bad:
        raise ValueError(f"department {dept.name!r}: Exmail names may not contain {' '.join(bad)}")
    if not 1 <= len(label.encode()) <= 64:
        raise ValueError(f"department {dept.name!r}: Exmail names are 1-64 bytes, {label!r} is not")
    return label


def department_key(label: str) -> tuple[str, str]:
    """``(key, title)`` from the name the service shows (the inverse of ``titled_name``)."""
    found = _TITLED.match(label)
    if found:
        return found["key"], found["title"]
    return label, ""


# A group standing for an alias with several targets is named "<local part> [alias]".
ALIAS_MARK = " [alias]"


def alias_group_name(address: str) -> str:
    return address.partition("@")[0] + ALIAS_MARK


def is_alias_group(name: str) -> bool:
    return name.endswith(ALIAS_MARK)


# A department's manager is kept as the one member of the tag "mp-mgr:<key>" (tag names: 32 characters).
MANAGER_TAG = "mp-mgr:"


def manager_tag(dept_key: str) -> str:
    name = MANAGER_TAG + dept_key
    if len(name) > 32:
        raise ValueError(f"department key {dept_key!r} is too long to keep its manager in an Exmail tag (25 at most)")
    return name


def manager_of_tag(tag_name: str) -> str | None:
    return tag_name.removeprefix(MANAGER_TAG) if tag_name.startswith(MANAGER_TAG) else None


# User options (功能设置, useroption/get and /update): 1 force secure login (强制启用安全登录),
# 2 IMAP/SMTP service, 3 POP/SMTP service, 4 secure login turned on (read only). Values are
# the strings "0" and "1".
OPTION_FORCE_SECURE_LOGIN, OPTION_IMAP, OPTION_POP, OPTION_SECURE_LOGIN = 1, 2, 3, 4
CLIENT_ACCESS = (OPTION_IMAP, OPTION_POP)
CLIENT_NAMES = {OPTION_IMAP: "IMAP/SMTP", OPTION_POP: "POP/SMTP"}
# The members whose client access a freeze turned off, so that unfreezing turns on only what was
# on before: one tag per option (Exmail keeps no free field on a member).
_CLIENT_OFF_TAGS = {OPTION_IMAP: "mp-off:imap", OPTION_POP: "mp-off:pop"}


def client_off_tag(option: int) -> str:
    return _CLIENT_OFF_TAGS[option]


def as_int(value: Any, default: int = 0) -> int:
    """Exmail sends some numbers as strings (``"enable": "1"`` in user/list)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def addresses(values: Any) -> tuple[str, ...]:
    """A sorted tuple of lower-case addresses from a JSON list (or nothing)."""
    if not isinstance(values, list):
        return ()
    return tuple(sorted({a_label_address(str(v)) for v in values if str(v).strip()}))


def domain_of(address: str) -> str:
    return address.rpartition("@")[2]


def a_label_domain(domain: str) -> str:
    """A domain as an IDNA A-label, lower-case, as the model keeps it."""
    domain = domain.strip().rstrip(".")
    # What cannot be encoded is left as it is; the diff then shows it.
    with contextlib.suppress(UnicodeError):
        domain = domain.encode("idna").decode("ascii")
    return domain.lower()


def a_label_address(address: str) -> str:
    """``local@domain`` lower-case with the domain as an IDNA A-label, as the model keeps it."""
    local, _, domain = address.strip().rpartition("@")
    return f"{local.lower()}@{a_label_domain(domain)}"
