"""Welcome sheets: written by ``apply`` for each person whose mailbox it created, beside the credentials file.

``<state_dir>/welcome/<address>.html``, owner-only (0600, its folder 0700) like the credentials file it
sits next to: it names a person and their login, though never their password.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from mailplan import config as config_mod
from mailplan.dirs import make_dirs
from mailplan.files import write_all_atomically
from mailplan.model.change import Action, Change
from mailplan.model.objects import Mailbox
from mailplan.people.dayone import newcomer
from mailplan.render.welcome_html import Sheet, render
from mailplan.session import Session


def write_for(session: Session, applied: list[Change]) -> list[Path]:
    """A sheet for every person mailbox ``applied`` created; the paths written."""
    created = [c.obj for c in applied if c.action is Action.CREATE and isinstance(c.obj, Mailbox)
               and c.obj.kind == "person"]
    if not created or not session.desired.config_path:
        return []
    config = config_mod.load(Path(session.desired.config_path))
    people = {p.address: p for p in config.people}
    folder = session.credentials.path.parent / "welcome"
    departed = [p for p in config.people if p.has_left(session.today)]
    sheets: dict[Path, str] = {}
    for box in created:
        person = people.get(box.address)
        if person is None or person.has_left(session.today):  # a leaver's mailbox created frozen: no welcome
            continue
        who = newcomer(config, person, session.today, departed)
        domain = box.address.rpartition("@")[2]
        local = who.clients.provider_type == "local"
        sheet = Sheet(
            organization=config.document.organization.name, name=who.name, address=who.display_address,
            login=who.address, department=who.department, clients=who.clients, require_2fa=who.require_2fa,
            autoconfig=local,
            profile_url=f"https://autoconfig.{domain}/mobileconfig/{box.address}.mobileconfig" if local else "",
        )
        sheets[folder / f"{box.address}.html"] = render(sheet)
    if sheets:
        make_dirs(folder, stat.S_IRWXU)
        os.chmod(folder, stat.S_IRWXU)
        write_all_atomically(sheets, stat.S_IRUSR | stat.S_IWUSR)  # an existing file keeps no wider mode
    return list(sheets)
