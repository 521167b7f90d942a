"""Offboard, rehire, onboard: the edits HR's commands make to the config.

Each returns an ``Edit`` (the file, its text before and after, and what to tell
the user); ``save`` writes it and proves the result is still a valid config,
putting the old text back if it is not. Nothing here talks to a provider.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from mailplan import config as config_mod
from mailplan.config.addresses import AddressError, to_unicode
from mailplan.config.entries import Config, Person
from mailplan.config.naming import derive_local_part, numbered
from mailplan.errors import ConfigError, MailplanError, Problem
from mailplan.files import write_atomically
from mailplan.i18n import Msg
from mailplan.people.yamledit import Value, add_entry, set_keys

SECTION = "people"


@dataclass
class Edit:
    file: Path
    before: str
    after: str
    address: str  # the person's address (local@a-label)
    notes: list[Msg] = field(default_factory=list)  # what to tell the user (in the reader's language)
    # the config as it was loaded before the edit, to tell what the edit itself causes in a plan
    config: Config | None = None


def short_address(config: Config, address: str) -> str:
    """How the file writes an address: the local part on the primary domain, else the full (Unicode) address."""
    local, _, domain = address.partition("@")
    return local if domain == config.primary_domain else f"{local}@{to_unicode(domain)}"


def _entry_file_and_line(config: Config, person: Person) -> tuple[Path, int]:
    if person.location is None:
        raise MailplanError(Msg("cannot tell where {name} is written in the config", name=person.name))
    return Path(person.location.file), person.location.line


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        error = exc.strerror or str(exc)
        raise MailplanError(Msg("cannot read {path}: {error}", path=path, error=error)) from None


def offboard(
    config: Config, who: str, successor: str, on: dt.date, reason: str | None = None
) -> Edit:
    """Record that ``who`` leaves on ``on``, handing over to ``successor``."""
    person = config_mod.find_person(config, who)
    heir = config_mod.find_person(config, successor)
    if heir.address == person.address:
        raise MailplanError(Msg("{name} cannot be their own successor", name=person.name))
    if heir.left_on is not None and heir.left_on <= on:
        raise MailplanError(Msg("the successor {name} ({address}) has left on {day}; name someone who stays",
                                name=heir.name, address=heir.address, day=heir.left_on))
    if person.left_on is not None and person.left_on <= on:
        if person.successor:
            raise MailplanError(Msg("{name} ({address}) already left on {day} (successor {successor}); to change "
                                    "that, edit the entry", name=person.name, address=person.address,
                                    day=person.left_on, successor=person.successor))
        raise MailplanError(Msg("{name} ({address}) already left on {day}; to change that, edit the entry",
                                name=person.name, address=person.address, day=person.left_on))
    path, line = _entry_file_and_line(config, person)
    before = _read(path)
    values: dict[str, Value | None] = {"left_on": on, "successor": short_address(config, heir.address)}
    if reason:
        values["left_reason"] = reason
    leaver, taker = f"{person.name} <{person.address}>", f"{heir.name} <{heir.address}>"
    notes = [Msg("{person} leaves on {day}; {successor} takes over.", person=leaver, day=on, successor=taker)]
    if person.left_on is not None:
        notes.append(Msg("The departure moves from {old} to {new}.", old=person.left_on, new=on))
    return Edit(path, before, set_keys(before, SECTION, line, values), person.address, notes, config)


def rehire(config: Config, who: str) -> Edit:
    """Take the departure out of ``who``'s entry: the mailbox is unfrozen and the handover undone."""
    person = config_mod.find_person(config, who)
    if person.left_on is None:
        raise MailplanError(Msg("{name} ({address}) has not left; there is nothing to undo", name=person.name,
                                address=person.address))
    path, line = _entry_file_and_line(config, person)
    before = _read(path)
    after = set_keys(before, SECTION, line, {"left_on": None, "successor": None, "left_reason": None})
    if person.auto_reply is not None:
        after = set_keys(after, SECTION, line, {"auto_reply": None})
    back = f"{person.name} <{person.address}>"
    notes = [Msg("{person} is back: the same address, the old mail, a new initial password.", person=back)]
    return Edit(path, before, after, person.address, notes, config)


def onboard(
    config: Config,
    name: str,
    department: str,
    tier: str | None = None,
    start: dt.date | None = None,
    address: str | None = None,
) -> Edit:
    """Add ``name`` under ``people:`` with the derived address (or ``address``), or the first free variant of it."""
    doc = config.document
    problems = []
    if department not in doc.departments:
        known = ", ".join(doc.departments)
        problems.append(Problem(Msg("unknown department {department}", department=repr(department)),
                                hint=Msg("one of: {choices}", choices=known)))
    if tier is not None and tier not in doc.tiers:
        known = ", ".join(doc.tiers)
        problems.append(Problem(Msg("unknown tier {tier}", tier=repr(tier)),
                                hint=Msg("one of: {choices}", choices=known)))
    if problems:
        raise ConfigError(problems)
    values: dict[str, Value] = {"name": " ".join(name.split())}
    if address:
        local = address.strip().lower().partition("@")[0]
        values["address"] = local
    else:
        try:
            local = derive_local_part(name, doc.naming.pattern, doc.naming.latin_pattern)
        except AddressError as exc:
            error = exc.args[0] if exc.args and isinstance(exc.args[0], Msg) else str(exc)  # shown translated
            raise MailplanError(Msg("{error}; give the address with --address", error=error)) from None
    address = f"{local}@{config.primary_domain}"
    notes = []
    taken_by = config.addresses.get(address)
    if taken_by is not None and "address" in values:
        raise MailplanError(Msg("{address} is already used by {label}; choose another --address", address=address,
                                label=taken_by.label))
    if taken_by is not None:
        taken = {a.partition("@")[0] for a in config.addresses if a.endswith("@" + config.primary_domain)}
        local = numbered(local, taken)
        address = f"{local}@{config.primary_domain}"
        values["address"] = local
        taken_address = short_address(config, taken_by.address)
        where = str(taken_by.location) if taken_by.location else ""
        notes.append(Msg("{taken} is taken by {label} ({where}); {name} gets {local} (written as `address: {local}`, "
                         "so it never changes).", taken=taken_address, label=taken_by.label, where=where, name=name,
                         local=local) if where else
                     Msg("{taken} is taken by {label}; {name} gets {local} (written as `address: {local}`, so it "
                         "never changes).", taken=taken_address, label=taken_by.label, name=name, local=local))
    values["department"] = department
    if tier is not None:
        values["tier"] = tier
    if start is not None:
        values["starts_on"] = start
    if start is not None:
        notes.insert(0, Msg("{name} gets the address {address}, from {day}.", name=name, address=address, day=start))
    else:
        notes.insert(0, Msg("{name} gets the address {address}.", name=name, address=address))
    path, after_line = _insertion_point(config, department)
    before = _read(path)
    return Edit(path, before, add_entry(before, SECTION, values, after_line), address, notes, config)


def _insertion_point(config: Config, department: str) -> tuple[Path, int | None]:
    """After the last current colleague in the same department; else after the last person of the main file."""
    current = [p for p in config.people if p.location is not None and p.left_on is None]
    same = [p for p in current if p.department == department]
    for group in (same, current):
        if group and group[-1].location is not None:
            return Path(group[-1].location.file), group[-1].location.line
    return config.path, None


def save(edit: Edit, config_path: Path) -> None:
    """Write the edit (atomically) and load the config again; on any problem the old text is put back."""
    write_atomically(edit.file, edit.after.encode("utf-8"))
    try:
        config_mod.load(config_path)
    except ConfigError as exc:
        write_atomically(edit.file, edit.before.encode("utf-8"))
        raise ConfigError(
            [Problem(Msg("the edit would make the config invalid, so it was not saved"), None, ""), *exc.problems]
        ) from None
