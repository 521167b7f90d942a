"""Departments as a tree, indexed once per compile: what lies below a department,
who works in it, which functional mailboxes belong to it.

Asked per person (a manager's rights, a department admin's scope) and per group
(``department:`` members), these answers would otherwise cost a pass over every
department, person or mailbox each time: people × departments for a compile.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Protocol, TypeVar


class InDepartment(Protocol):
    @property
    def department(self) -> str | None: ...


T = TypeVar("T", bound=InDepartment)


class DepartmentTree:
    def __init__(self, parents: Mapping[str, str | None]) -> None:
        self._children: dict[str, list[str]] = defaultdict(list)
        for key, parent in parents.items():
            if parent is not None:
                self._children[parent].append(key)
        self._below: dict[str, frozenset[str]] = {}

    def below(self, key: str) -> frozenset[str]:
        """``key`` and every department below it (a cycle, reported by the loader, ends the walk)."""
        found = self._below.get(key)
        if found is None:
            seen = {key}
            todo = [key]
            while todo:
                for child in self._children.get(todo.pop(), ()):
                    if child not in seen:
                        seen.add(child)
                        todo.append(child)
            found = self._below[key] = frozenset(seen)
        return found


def by_department(entries: Iterable[T]) -> dict[str, list[T]]:
    """Entries grouped by their department, in their order."""
    out: dict[str, list[T]] = defaultdict(list)
    for entry in entries:
        if entry.department is not None:
            out[entry.department].append(entry)
    return out
