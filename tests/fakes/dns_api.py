"""What the DNS API fakes share beyond the loopback server: a store of
per-value records by zone and a count of calls by action.

Each fake (``cloudflare.py``, ``alidns.py``, ``dnspod.py``) follows its
provider's published contract for auth, pagination and error bodies.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from fakes.server import FakeServer, Request


@dataclass
class FakeRecord:
    id: str
    name: str  # relative to the zone, "@" for the apex
    rtype: str
    ttl: int
    value: str  # as the API carries it (its own quoting and dots)
    priority: int | None = None  # MX preference, where the API keeps it apart
    extra: dict[str, Any] = field(default_factory=dict)


class FakeDnsApi(FakeServer):
    """Subclasses implement ``handle``; tests use ``zones``, ``calls`` and ``failures``."""

    def __init__(self) -> None:
        super().__init__()
        self.zones: dict[str, dict[str, FakeRecord]] = {}
        self._ids = itertools.count(100001)

    def new_id(self) -> str:
        return str(next(self._ids))

    def add_zone(self, zone: str) -> None:
        self.zones.setdefault(zone, {})

    def put(self, zone: str, name: str, rtype: str, ttl: int, value: str, priority: int | None = None) -> FakeRecord:
        """Add one record directly, as a person in the console would."""
        record = FakeRecord(self.new_id(), name, rtype, ttl, value, priority)
        with self.lock:
            self.zones[zone][record.id] = record
        return record

    def records(self, zone: str, name: str | None = None, rtype: str | None = None) -> list[FakeRecord]:
        found = list(self.zones.get(zone, {}).values())
        return [r for r in found if (name is None or r.name == name) and (rtype is None or r.rtype == rtype)]

    def replace(self, zone: str, name: str, rtype: str, values: list[tuple[str, int | None]], ttl: int = 300) -> None:
        """Make (name, rtype) hold exactly ``values`` ((api value, priority) pairs), by hand."""
        with self.lock:
            for record in self.records(zone, name, rtype):
                del self.zones[zone][record.id]
        for value, priority in values:
            self.put(zone, name, rtype, ttl, value, priority)

    def tally(self, req: Request, failed: bool) -> None:
        # The DNS fakes count the API actions they handle, and faults, not paths.
        if failed:
            self.calls["fault"] += 1
