"""DNS APIs that hold one record per value (Cloudflare, Alibaba Cloud DNS,
DNSPod), each with its own id and TTL.

Writing an rrset there means: change the records of the values that went,
create those that came, and touch nothing else. A removed value and an added
one are paired into one update call (the SPF value changing is one call, not
two), and the values mailplan does not own are never sent anywhere.
"""

from __future__ import annotations

import abc
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mailplan.model.change import Change
from mailplan.model.objects import Record
from mailplan.providers.base import ProviderContext
from mailplan.providers.dns import ownership
from mailplan.providers.dns.rrset_provider import RRset, RrsetProvider


@dataclass(frozen=True)
class ApiRecord:
    id: str
    name: str  # relative to the zone, "@" for the apex
    rtype: str
    ttl: int
    value: str  # mailplan's value form


class RecordApiProvider(RrsetProvider):
    @abc.abstractmethod
    def list_records(self, zone: str, name: str | None = None, rtype: str | None = None) -> list[ApiRecord]:
        """The zone's records (all pages), optionally only those at one name and type."""

    @abc.abstractmethod
    def create_record(self, zone: str, name: str, rtype: str, ttl: int, value: str) -> None: ...

    @abc.abstractmethod
    def update_record(self, zone: str, record: ApiRecord, ttl: int, value: str) -> None: ...

    @abc.abstractmethod
    def delete_record(self, zone: str, record: ApiRecord) -> None: ...

    def __init__(self, name: str, settings: Mapping[str, Any], context: ProviderContext) -> None:
        super().__init__(name, settings, context)
        # The records (with their ids) of the rrset being changed, as read just before the write,
        # and the tag of the change: only values of that tag are ever sent.
        self._live: list[ApiRecord] = []
        self._tag = ""

    def zone_rrsets(self, zone: str) -> list[RRset]:
        return _by_tag(self.list_records(zone))

    def rrsets_at(self, zone: str, name: str, rtype: str) -> list[RRset]:
        return _by_tag(self.list_records(zone, name, rtype))

    def current_rrset(self, zone: str, name: str, rtype: str) -> RRset | None:
        live = self.list_records(zone, name, rtype)
        self._live = live
        if not live:
            return None
        return RRset(name, rtype, min(r.ttl for r in live), tuple(sorted(r.value for r in live)))

    def apply(self, change: Change) -> str:
        self._tag = change.obj.tag if isinstance(change.obj, Record) else ""
        return super().apply(change)

    def write_rrset(self, zone: str, current: RRset | None, wanted: RRset | None) -> str:
        target = wanted or current
        assert target is not None
        live = [r for r in self._live if (r.name, r.rtype) == (target.name, target.rtype)]
        wanted_values = set(wanted.values) if wanted else set()
        gone = [r for r in live if r.value not in wanted_values]
        live_values = {r.value for r in live}
        came = sorted(wanted_values - live_values)
        ttl = wanted.ttl if wanted else 0
        calls = 0
        for record, value in zip(gone, came, strict=False):
            self.update_record(zone, record, ttl, value)
            calls += 1
        for record in gone[len(came) :]:
            self.delete_record(zone, record)
            calls += 1
        for value in came[len(gone) :]:
            self.create_record(zone, target.name, target.rtype, ttl, value)
            calls += 1
        if wanted is not None:  # the TTL of our own values that stayed
            for record in live:
                if (
                    record.value in wanted_values
                    and record.ttl != ttl
                    and ownership.tag_of(record.rtype, record.value) == self._tag
                ):
                    self.update_record(zone, record, ttl, record.value)
                    calls += 1
        return f"{target.name} {target.rtype}: {calls} call(s)"


def _by_tag(records: list[ApiRecord]) -> list[RRset]:
    # One rrset per (name, type, tag): each API record has its own TTL, and the TTL
    # of mailplan's values must not be confused with the TTL of somebody else's.
    groups: dict[tuple[str, str, str], list[ApiRecord]] = defaultdict(list)
    for record in records:
        groups[(record.name, record.rtype, ownership.tag_of(record.rtype, record.value))].append(record)
    return [
        RRset(name, rtype, min(r.ttl for r in recs), tuple(sorted(r.value for r in recs)))
        for (name, rtype, _), recs in groups.items()
    ]
