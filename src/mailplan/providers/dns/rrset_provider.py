"""What every DNS provider that is not a zone file shares: read a zone as
rrsets, split them into the Records mailplan may own, and apply a Record
change to the live rrset without touching the values mailplan does not own.

A provider supplies three things: the zone's rrsets (one paginated list, or an
AXFR), one rrset by name and type, and a way to replace one rrset. The merge of
a change into the live values happens here, once, for all of them.

A plan reads only the rrsets at the names and types the config writes, one
query each: the diff looks at nothing else (another name's records are neither
mailplan's nor reported), so a plan costs what mailplan owns, not what the zone
holds. A provider whose API can only list the zone (``QUERIES_RRSETS = False``)
reads the zone instead.
"""

from __future__ import annotations

import abc
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from mailplan.model.change import Action, Change
from mailplan.model.objects import Record
from mailplan.model.state import Observed, State
from mailplan.providers.base import Provider, ProviderError
from mailplan.providers.dns import ownership
from mailplan.providers.dns.values import relative_name

# Record types a zone holds that are the server's, not anybody's configuration.
SERVER_TYPES = frozenset({"SOA", "RRSIG", "NSEC", "NSEC3", "NSEC3PARAM", "DNSKEY", "CDS", "CDNSKEY", "TYPE65534"})
RECORD_TYPES = ("MX", "TXT", "CNAME", "SRV", "A", "AAAA")
NULL_MX = "record.MX.null"  # RFC 7505's "MX 0 .": a parked domain's; APIs whose MX preference starts at 1 refuse it
SUPPORTS_RECORDS = frozenset({"record", *(f"record.{t}" for t in RECORD_TYPES), NULL_MX})


@dataclass(frozen=True)
class RRset:
    """One live rrset in mailplan's value form (see ``values.py``)."""

    name: str  # relative to the zone, "@" for the apex
    rtype: str
    ttl: int
    values: tuple[str, ...]


class RrsetProvider(Provider):
    """A DNS provider that reads whole zones and writes one rrset at a time."""

    ROLE = "dns"
    SUPPORTS = SUPPORTS_RECORDS
    # The lowest MX preference the API accepts. Above 0, record derivation raises a lower
    # preference to it where that keeps the order of the MX set, and says so in a note.
    MX_PREFERENCE_MIN: ClassVar[int] = 0
    # Whether ``current_rrset`` asks for one rrset (a query, a filtered list) rather than listing the zone.
    QUERIES_RRSETS: ClassVar[bool] = True

    @abc.abstractmethod
    def zone_rrsets(self, zone: str) -> list[RRset]:
        """Every rrset in ``zone`` (A-label, no trailing dot), read in as few calls as the API allows."""

    @abc.abstractmethod
    def current_rrset(self, zone: str, name: str, rtype: str) -> RRset | None:
        """The live rrset at one name and type, or None when there is none."""

    @abc.abstractmethod
    def write_rrset(self, zone: str, current: RRset | None, wanted: RRset | None) -> str:
        """Make the live rrset ``wanted`` (None = delete it); ``current`` is what is there now.

        Returns a short line for the journal.
        """

    def read(self, domains: Sequence[str]) -> Observed:
        objects: list[Record] = []
        for zone in dict.fromkeys(d.rstrip(".").lower() for d in domains):
            for rrset in self.zone_rrsets(zone):
                if rrset.rtype in SERVER_TYPES:
                    continue
                objects.extend(ownership.split(zone, rrset.name, rrset.rtype, rrset.ttl, rrset.values))
        return Observed(State(objects))

    def read_wanted(self, domains: Sequence[str], wanted: State) -> Observed:
        if not self.QUERIES_RRSETS:
            return self.read(domains)
        zones = {d.rstrip(".").lower() for d in domains}
        at = sorted({(r.zone, r.name, r.rtype) for r in wanted if isinstance(r, Record) and r.zone in zones})
        objects: list[Record] = []
        for zone, name, rtype in at:
            for rrset in self.rrsets_at(zone, name, rtype):
                objects.extend(ownership.split(zone, rrset.name, rrset.rtype, rrset.ttl, rrset.values))
        return Observed(State(objects))

    def rrsets_at(self, zone: str, name: str, rtype: str) -> list[RRset]:
        """The live rrset at one name and type as ``zone_rrsets`` would list it (empty when there is none)."""
        rrset = self.current_rrset(zone, name, rtype)
        return [] if rrset is None else [rrset]

    def apply(self, change: Change) -> str:
        record = change.obj
        if not isinstance(record, Record):
            raise ProviderError(f"{self.TYPE} provider {self.name!r} holds DNS records only, not {change.kind}")
        if change.action not in (Action.CREATE, Action.UPDATE, Action.REMOVE):
            raise ProviderError(f"{self.TYPE}: cannot {change.action.value} a DNS record")
        if record.rtype not in RECORD_TYPES:
            raise ProviderError(f"{self.TYPE}: record type {record.rtype} is not supported (only {RECORD_TYPES})")
        current = self.current_rrset(record.zone, record.name, record.rtype)
        after = change.after if change.action is not Action.REMOVE else None
        if after is not None and not isinstance(after, Record):
            raise ProviderError(f"{self.TYPE}: a record change must carry a record")
        ttl, values = ownership.merge(
            record.rtype, current.values if current else (), current.ttl if current else None, record.tag, after
        )
        wanted = RRset(record.name, record.rtype, ttl, values) if values else None
        if (
            current is not None
            and wanted is not None
            and current.ttl == wanted.ttl
            and (sorted(current.values) == sorted(wanted.values))
        ):
            return f"{record.fqdn} {record.rtype}: already as wanted"
        return self.write_rrset(record.zone, current, wanted)


def group_rrsets(zone: str, items: Iterable[tuple[str, str, int, str]]) -> list[RRset]:
    """Rrsets from per-value items ``(fqdn or relative name, type, ttl, value)``.

    APIs that list one record per value give each its own TTL; an rrset has
    one, so the lowest wins (it is what resolvers would see first expire).
    """
    values: dict[tuple[str, str], list[str]] = defaultdict(list)
    ttls: dict[tuple[str, str], int] = {}
    for name, rtype, ttl, value in items:
        key = (relative_name(name, zone), rtype.upper())
        values[key].append(value)
        ttls[key] = min(ttl, ttls.get(key, ttl))
    return [RRset(name, rtype, ttls[(name, rtype)], tuple(sorted(vals))) for (name, rtype), vals in values.items()]
