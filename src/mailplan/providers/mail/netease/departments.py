"""Writing NetEase units (部门). One name only (a title that differs from the key shows as ``title [key]``);
the manager, which NetEase has no field for, and the managed mark go in ``unit_desc``.

``unit/updateUnit`` renames but cannot move a unit (a public client: "不能更新部门的所属上级部门"), and no
move call is known: a department that changes parent is a console step (``moves``). A child whose parent
is created later in the same run (plans create departments in key order) waits for it, since it could
not be moved there afterwards.
"""

from __future__ import annotations

from mailplan.model.change import Action, Change
from mailplan.model.objects import Department
from mailplan.providers.base import ProviderError
from mailplan.providers.mail.admin_api import Waiting
from mailplan.providers.mail.exmail.mapping import titled_name
from mailplan.providers.mail.netease import mapping as m
from mailplan.providers.mail.netease.directory import Directory

NAME_MAX = 64


def moves(change: Change) -> bool:
    """Whether ``change`` puts an existing department under another parent (not possible through the API)."""
    before, after = change.before, change.after
    return isinstance(before, Department) and isinstance(after, Department) and before.parent != after.parent


class Departments:
    def __init__(self, directory: Directory, waiting: Waiting) -> None:
        self.directory = directory
        self.client = directory.client
        self.waiting = waiting

    def apply(self, change: Change) -> str:
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Department)
            unit_id = self.directory.unit_id(change.before.name)
            self.client.call("unit/deleteUnit", unit_id=unit_id)
            self.directory.forget_units()
            return f"deleted department {unit_id}"
        after = change.after
        assert isinstance(after, Department)
        name = titled_name(after)
        if not 1 <= len(name) <= NAME_MAX:
            raise ProviderError(f"department {after.name!r}: NetEase names are 1-{NAME_MAX} characters, not {name!r}")
        if change.action is Action.CREATE:
            return self._create(after, name)
        if moves(change):
            raise ProviderError(f"department {after.name!r}: NetEase's API cannot move a department (a console step)")
        assert isinstance(change.before, Department)
        unit_id = self.directory.unit_id(change.before.name)
        self._update(unit_id, after, name)
        return f"updated department {unit_id}"

    def _create(self, dept: Department, name: str) -> str:
        existing = self.directory.find_unit(dept.name, refresh=True)
        if existing is not None:  # there already: adopt it, as the config describes it
            self._update(existing, dept, name)
            self.waiting.now_there(f"department:{dept.name}")
            return f"adopted department {existing}"
        parent = None
        if dept.parent:
            parent = self.directory.find_unit(dept.parent)
            if parent is None:

                def create_under_parent() -> None:
                    self._create_now(dept, name)

                self.waiting.once_there(f"department:{dept.parent}", create_under_parent)
                return f"waits for its parent department {dept.parent!r}, created later in this run"
        return self._create_now(dept, name, parent)

    def _create_now(self, dept: Department, name: str, parent: str | None = None) -> str:
        if dept.parent and parent is None:
            parent = self.directory.unit_id(dept.parent)
        created = self.client.call(
            "unit/createUnit", unit_name=name, parent_id=parent, unit_desc=m.with_fields("", self._fields(dept))
        )
        self.directory.forget_units()
        self.waiting.now_there(f"department:{dept.name}")
        return f"created department {(created or {}).get('unit_id', '')}"

    def _update(self, unit_id: str, dept: Department, name: str) -> None:
        unit = self.directory.units().get(unit_id, {})
        desc = m.with_fields(unit.get("unit_desc"), self._fields(dept))
        self.directory.eventually(
            lambda: self.client.call("unit/updateUnit", unit_id=unit_id, unit_name=name, unit_desc=desc)
        )
        self.directory.forget_units()

    @staticmethod
    def _fields(dept: Department) -> dict[str, str | None]:
        return {"manager": dept.manager}
