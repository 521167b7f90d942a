"""Welcome sheets: written by ``apply`` for each person whose mailbox it created, beside the credentials file.

``<state_dir>/welcome/<address>.html``, owner-only (0600, its folder 0700) like the credentials file it
sits next to: it names a person and their login, though never their password.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from mailplan import config as config_mod
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
    written = []
    for box in created:
        person = people.get(box.address)
        if person is None or person.has_left(session.today):  # a leaver's mailbox created frozen: no welcome
            continue
        who = newcomer(config, person, session.today)
        domain = box.address.rpartition("@")[2]
        local = who.clients.provider_type == "local"
        sheet = Sheet(
            organization=config.document.organization.name, name=who.name, address=who.display_address,
            login=who.address, department=who.department, clients=who.clients, require_2fa=who.require_2fa,
            autoconfig=local,
            profile_url=f"https://autoconfig.{domain}/mobileconfig/{box.address}.mobileconfig" if local else "",
        )
        written.append(_write_private(folder / f"{box.address}.html", render(sheet)))
    return written


def _write_private(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, stat.S_IRWXU)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)  # an existing file keeps no wider mode
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path
