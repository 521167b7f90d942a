"""Admin roles: a super admin through ``makeAdmin``; a department admin holds the configured
role (``department_admin_role``) once per org unit, as role assignments scoped to it."""

from __future__ import annotations

from mailplan.model.change import Change
from mailplan.model.objects import AdminRole

from .api import fail
from .directory import DirectoryApi
from .orgunits import OrgUnits
from .reader import Reader


class AdminRoles:
    def __init__(
        self, directory: DirectoryApi, orgunits: OrgUnits, reader: Reader, customer: str, department_role: str
    ) -> None:
        self.directory = directory
        self.orgunits = orgunits
        self.reader = reader
        self.customer = customer
        self.department_role = department_role  # the role's name, for the error when the tenant lacks it

    def apply(self, change: Change) -> str:
        before = change.before if isinstance(change.before, AdminRole) else None
        after = change.after if isinstance(change.after, AdminRole) else None
        address = (after or before).address  # type: ignore[union-attr]
        was_super = before is not None and before.level == "super"
        is_super = after is not None and after.level == "super"
        if is_super != was_super:
            self.directory.call("POST", f"users/{address}/makeAdmin", {"status": is_super}, fresh=address)
        wanted = set(after.departments) if after and after.level == "department" else set()
        self._sync_department_admin(address, wanted)
        if after is None:
            self.directory.mark(address, drop=["admin"])
            return "admin rights removed"
        self.directory.mark(address, add=["admin"])
        return "super admin" if is_super else f"admin of {', '.join(sorted(wanted))}"

    def _sync_department_admin(self, address: str, wanted: set[str]) -> None:
        role_id = self.reader.role_id()
        if role_id is None:
            if wanted:
                raise fail(f"no admin role named {self.department_role!r} in this tenant")
            return
        customer = f"customer/{self.customer}/roleassignments"
        ous = {str(ou.get("orgUnitId", "")).removeprefix("id:"): ou for ou in self.orgunits.all()}
        have: dict[str, str] = {}  # department -> assignment id
        params = {"maxResults": 200, "roleId": role_id, "userKey": address}
        for item in self.directory.api.pages("directory", customer, "items", params):
            ou = ous.get(str(item.get("orgUnitId", "")).removeprefix("id:"))
            if item.get("scopeType") == "ORG_UNIT" and ou:
                have[str(ou.get("name"))] = str(item["roleAssignmentId"])
        for name in sorted(set(have) - wanted):
            self.directory.call("DELETE", f"{customer}/{have[name]}")
        missing = sorted(wanted - set(have))
        if not missing:
            return
        user_id = self.directory.user(address)["id"]
        by_name = {str(ou.get("name")): ou for ou in self.orgunits.all()}
        for name in missing:
            if name not in by_name:
                raise fail(f"department {name!r} has no org unit on Google")
            body = {
                "roleId": role_id,
                "assignedTo": user_id,
                "scopeType": "ORG_UNIT",
                "orgUnitId": str(by_name[name]["orgUnitId"]).removeprefix("id:"),
            }
            self.directory.call("POST", customer, body)
