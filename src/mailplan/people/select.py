"""Which changes (or journal entries) concern one person: found by their address anywhere in the object."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from mailplan.engine.change import Change


def mentions(data: Any, addresses: Collection[str]) -> bool:
    """True when any string in ``data`` (dicts, lists, nested) is one of ``addresses``.

    A delegation's key is ``mailbox/grantee``, so keys are split on ``/`` too.
    """
    if isinstance(data, str):
        return data in addresses or any(part in addresses for part in data.split("/"))
    if isinstance(data, dict):
        return any(mentions(v, addresses) for v in data.values())
    if isinstance(data, list | tuple):
        return any(mentions(v, addresses) for v in data)
    return False


def concerning(changes: list[Change], address: str) -> list[Change]:
    """The changes of a plan that touch ``address``: its mailbox, handover, rights, groups, ownerships."""
    return [c for c in changes if mentions(c.to_dict(), {address})]
