"""Departments as administrative units: department admins act on a unit's members. The title,
the manager and the parent live in the unit's description, in the mailplan note."""

from __future__ import annotations

from mailplan.model.change import Action, Change
from mailplan.model.objects import Department

from . import codec
from .api import fail
from .directory import Directory


class AdministrativeUnits:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    def unit_id(self, name: str) -> str:
        units = self.directory.known().units
        if name not in units:
            units.update({str(u["displayName"]): str(u["id"]) for u in self.directory.reader.list_units()})
        if name not in units:
            raise fail(f"department {name!r} has no administrative unit")
        return units[name]

    def apply(self, change: Change) -> str:
        call, known = self.directory.call, self.directory.known
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Department)
            call("DELETE", f"directory/administrativeUnits/{self.unit_id(change.before.name)}")
            known().units.pop(change.before.name, None)
            return "administrative unit removed"
        dept = change.after
        assert isinstance(dept, Department)
        body = {
            "displayName": dept.name,
            "description": codec.with_note(dept.title, {"manager": dept.manager, "parent": dept.parent}),
        }
        if change.action is Action.CREATE and dept.name not in known().units:
            created = call("POST", "directory/administrativeUnits", body)
            known().units[dept.name] = str(created["id"])
            self.directory.fresh.add(dept.name)
            return "administrative unit created"
        call("PATCH", f"directory/administrativeUnits/{self.unit_id(dept.name)}", body, fresh=dept.name)
        return "administrative unit updated"
