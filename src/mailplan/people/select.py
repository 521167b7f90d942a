"""Which journal entries concern one person, and which changes of a plan an edit of the config causes."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from mailplan.model.change import Change
from mailplan.model.desired import Desired
from mailplan.model.objects import MailObject


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


def concerns(entry: dict[str, Any], addresses: Collection[str]) -> bool:
    """Does this change (a journal entry, or ``Change.to_dict()``) concern the person? Their object
    itself, or a change of theirs inside another's.

    A list (a group's members, an alias's targets) concerns the person only when they were added or
    removed in this entry: everyone else on the list was merely there. Owners count as they are:
    a group the person owns is theirs.
    """
    if mentions(entry.get("key"), addresses):
        return True
    before, after = entry.get("before"), entry.get("after")
    old: dict[str, Any] = before if isinstance(before, dict) else {}
    new: dict[str, Any] = after if isinstance(after, dict) else {}
    for name in set(old) | set(new):
        was, now = old.get(name), new.get(name)
        if name != "owners" and (isinstance(was, list) or isinstance(now, list)):
            was_set = {str(x) for x in was} if isinstance(was, list) else set()
            now_set = {str(x) for x in now} if isinstance(now, list) else set()
            if mentions(sorted(was_set ^ now_set), addresses):
                return True
        elif mentions([was, now], addresses):
            return True
    return False


def caused_by_edit(changes: list[Change], before: Desired, after: Desired) -> list[Change]:
    """The changes an edit of the config causes: those whose object the edit changed, added or dropped.

    ``before`` and ``after`` are the config compiled, on the same day, before and after the edit.
    This finds what follows from it anywhere (the handover of someone whose successor leaves
    now passes on), and leaves out what was pending anyway.
    """

    def objects(desired: Desired) -> set[tuple[str, MailObject]]:
        return {(provider, obj) for provider, state in desired.objects.items() for obj in state}

    touched = {(provider, obj.ident) for provider, obj in objects(before) ^ objects(after)}
    return [c for c in changes if (c.provider, c.obj.ident) in touched]
