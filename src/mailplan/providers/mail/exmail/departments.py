"""Writing Exmail departments: one name only (a title that differs from the key is written as
``title [key]``), marked managed by mailplan's tag, the manager kept as the one member of the
tag ``mp-mgr:<key>``."""

from __future__ import annotations

from mailplan.model.change import Action, Change
from mailplan.model.objects import Department
from mailplan.providers.base import ProviderError
from mailplan.providers.mail.admin_api import Waiting
from mailplan.providers.mail.exmail import mapping as m
from mailplan.providers.mail.exmail.directory import ACCOUNT_USER, Directory


class Departments:
    def __init__(self, directory: Directory, waiting: Waiting, marker_tag: str) -> None:
        self.directory = directory
        self.client = directory.client
        self.waiting = waiting
        self.marker_tag = marker_tag

    def apply(self, change: Change) -> str:
        action = change.action
        before = change.before if isinstance(change.before, Department) else None
        if action is Action.REMOVE:
            assert before is not None
            dept_id = self.directory.department_id(before.name)
            self.client.get("department/delete", id=dept_id)
            self._set_manager(before.name, before.manager, None)
            self.directory.forget_departments()
            return f"deleted department {dept_id}"
        after = change.after
        assert isinstance(after, Department)
        try:
            label = m.department_label(after)
            m.manager_tag(after.name)  # checks the key fits a tag name
        except ValueError as exc:
            raise ProviderError(str(exc)) from None
        body = {"name": label, "parentid": self._parent_id(after)}
        if action is Action.CREATE:
            existing = self.directory.find_department(after.name, refresh=True)
            if existing is None:
                dept_id = m.as_int(self.client.post("department/create", body).get("id"))
            else:  # there already: adopt it, as the config describes it
                dept_id = existing
                self.client.post("department/update", {"id": dept_id, **body})
            self.directory.forget_departments()
            self.directory.eventually(lambda: self.directory.add_to_tag(self.marker_tag, parties=[dept_id]))
            self._set_manager(after.name, None, after.manager)
            self.waiting.now_there(f"department:{after.name}")
            return f"{'adopted' if existing else 'created'} department {dept_id}"
        dept_id = self.directory.department_id(before.name if before else after.name)
        self.client.post("department/update", {"id": dept_id, **body})
        self.directory.forget_departments()
        self._set_manager(after.name, before.manager if before else None, after.manager)
        return f"updated department {dept_id}"

    def _parent_id(self, dept: Department) -> int:
        """The parent's id. A parent not created yet (plans create departments in key
        order): start under the root and move there once the parent exists."""
        if not dept.parent:
            return m.ROOT_DEPARTMENT
        find = self.directory.find_department
        parent_id = find(dept.parent) or find(dept.parent, refresh=True)
        if parent_id is not None:
            return parent_id
        parent = dept.parent

        def move() -> None:
            ids = self.directory.department_id
            self.client.post("department/update", {"id": ids(dept.name), "parentid": ids(parent)})

        self.waiting.once_there(f"department:{parent}", move)
        return m.ROOT_DEPARTMENT

    def _set_manager(self, dept_key: str, old: str | None, new: str | None) -> None:
        """Exmail departments have no manager field: the manager is the one member of
        the tag ``mp-mgr:<key>``, so that it reads back (it changes nothing in Exmail)."""
        if old == new:
            return
        name = m.manager_tag(dept_key)
        if new and self.directory.account_types([new]).get(new) != ACCOUNT_USER:
            # a manager created later in this run (mailboxes come after departments)
            self.waiting.once_there(f"mailbox:{new}", lambda: self._set_manager(dept_key, old, new))
            return
        tags = self.directory.tags(refresh=True)
        if name in tags:
            self.client.get("tag/delete", tagid=tags.pop(name))
        if new:
            self.directory.eventually(lambda: self.directory.add_to_tag(name, users=[new]))
