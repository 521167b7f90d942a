"""Directory roles: a super admin is Global Administrator over the whole directory; a department
admin holds the configured role (``department_admin_role``) scoped to each department's
administrative unit."""

from __future__ import annotations

from mailplan.model.change import Change
from mailplan.model.objects import AdminRole
from mailplan.providers.http import ApiError

from .api import exists_already
from .directory import Directory
from .reader import GLOBAL_ADMIN
from .units import AdministrativeUnits


class DirectoryRoles:
    def __init__(self, directory: Directory, units: AdministrativeUnits, department_role: str) -> None:
        self.directory = directory
        self.units = units
        self.department_role = department_role  # role template id given per administrative unit

    def apply(self, change: Change) -> str:
        before = change.before if isinstance(change.before, AdminRole) else None
        after = change.after if isinstance(change.after, AdminRole) else None
        address = (after or before).address  # type: ignore[union-attr]
        principal = self.directory.user_id(address)
        scopes = {"/"} if after and after.level == "super" else set()
        role_of = {"/": GLOBAL_ADMIN}
        if after and after.level == "department":
            for name in after.departments:
                scope = f"/administrativeUnits/{self.units.unit_id(name)}"
                scopes.add(scope)
                role_of[scope] = self.department_role
        have: dict[str, str] = {}  # scope -> assignment id
        for role in (GLOBAL_ADMIN, self.department_role):
            for item in self.directory.reader.assignments(role, principal):
                scope = str(item.get("directoryScopeId"))
                if role == GLOBAL_ADMIN or scope != "/":
                    have[scope] = str(item["id"])
        for scope in sorted(set(have) - scopes):
            self.directory.call("DELETE", f"roleManagement/directory/roleAssignments/{have[scope]}")
        for scope in sorted(scopes - set(have)):
            body = {"roleDefinitionId": role_of[scope], "principalId": principal, "directoryScopeId": scope}
            try:
                self.directory.call("POST", "roleManagement/directory/roleAssignments", body)
            except ApiError as exc:
                if not exists_already(exc):
                    raise
        if after is None:
            self.directory.mark(address, drop=["admin"])
            return "directory roles removed"
        self.directory.mark(address, add=["admin"])
        return (
            "Global Administrator"
            if after.level == "super"
            else f"User Administrator of {', '.join(after.departments)}"
        )
