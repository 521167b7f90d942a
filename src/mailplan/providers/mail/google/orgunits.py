"""Departments as Google org units: the tenant's org units (as last read, listed again after a
write), the path of a department's unit, and the writes. The title and the manager live in the
unit's description, in the mailplan note."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailplan.model.change import Action, Change
from mailplan.model.objects import Department

from . import codec
from .api import fail
from .directory import DirectoryApi
from .reader import Reader


class OrgUnits:
    def __init__(self, directory: DirectoryApi, reader: Reader, customer: str) -> None:
        self.directory = directory
        self.reader = reader
        self.customer = customer
        self.listed: list[dict[str, Any]] | None = None  # as last read; None: list again on next need

    def all(self, refresh: bool = False) -> list[dict[str, Any]]:
        if self.listed is None or refresh:
            self.listed = self.reader.list_orgunits()
        return self.listed

    def find(self, name: str) -> str | None:
        """The path of the org unit called ``name`` (the shallowest), or None."""
        for refresh in (False, True):
            ous = sorted(self.all(refresh), key=lambda o: len(str(o.get("orgUnitPath"))))
            for ou in ous:
                if ou.get("name") == name:
                    return str(ou["orgUnitPath"])
        return None

    def path(self, name: str | None) -> str:
        if not name:
            return "/"
        path = self.find(name)
        if path is None:
            raise fail(f"department {name!r} has no org unit on Google")
        return path

    def apply(self, change: Change) -> str:
        customer = f"customer/{self.customer}/orgunits"
        if change.action is Action.REMOVE:
            assert isinstance(change.before, Department)
            self.directory.call("DELETE", f"{customer}/{self.path(change.before.name).lstrip('/')}")
            self.listed = None
            return "org unit removed"
        dept = change.after
        assert isinstance(dept, Department)
        parent = "/"
        if dept.parent:
            parent = self.find(dept.parent) or self._create(dept.parent, {"parentOrgUnitPath": "/"})
        body = {"description": codec.with_note(dept.title, {"manager": dept.manager}), "parentOrgUnitPath": parent}
        path = self.find(dept.name)
        if path is None:
            self._create(dept.name, body)
            return "org unit created"
        self.directory.call("PATCH", f"{customer}/{path.lstrip('/')}", body)
        self.listed = None
        return "org unit updated" if change.before else "org unit already there (adopted)"

    def _create(self, name: str, body: Mapping[str, str]) -> str:
        """Create an org unit; a parent is created ahead of its own change, which later completes it."""
        created = self.directory.call("POST", f"customer/{self.customer}/orgunits", {"name": name, **body})
        self.listed = None
        return str(created["orgUnitPath"])
