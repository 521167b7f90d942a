"""Every person's address and how their name was read: what HR checks before onboarding a batch."""

from __future__ import annotations

from dataclasses import dataclass, field

from mailplan.config.addresses import AddressError
from mailplan.config.entries import Config
from mailplan.config.naming import derive, describe
from mailplan.i18n import Msg


@dataclass(frozen=True)
class NameRow:
    name: str
    address: str
    written: bool  # the address is written with address: (settled by hand)
    reads_as: str  # the local part the name gives ("" when it cannot be read)
    how: str  # how the name was read
    location: str
    doubts: tuple[str, ...] = field(default=())  # 'the reading, and the alternatives with their addresses'

    @property
    def doubtful(self) -> bool:
        return bool(self.doubts) and not self.written


def name_rows(config: Config) -> list[NameRow]:
    naming = config.document.naming
    rows = []
    for person in config.people:
        spec = config.document.people[person.index]
        try:
            reading = derive(person.name, naming.pattern, naming.latin_pattern, spec.given, spec.family)
        except AddressError as exc:
            why = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)  # a Msg stays one
            rows.append(NameRow(person.name, person.address, True, "", why, str(person.location or "")))
            continue
        doubts = tuple(
            Msg("{char} read {reading}; also read {other} in names, which gives {local}", char=s.char,
                reading=s.reading, other=other, local=local)
            for s, other, local in reading.alternatives
        )
        rows.append(NameRow(
            person.name, person.address, not person.derived, reading.local, describe(reading),
            str(person.location or ""), doubts,
        ))  # fmt: skip
    return rows
