"""``zonefile``: one RFC 1035 zone file per zone, ``<directory>/<zone>.zone``,
for BIND, Knot, NSD or PowerDNS's bind backend to load.

mailplan edits the file as text: it replaces, inserts or deletes only the
lines of the records it owns and bumps the SOA serial; every other line
(comments, records of the web site, site-verification TXT values, spacing)
stays byte for byte as it was. The result must parse with dnspython and hold
exactly the intended values before it replaces the file (atomically).

TTLs are per line in a zone file, so a Record's TTL is that of its own lines:
changing the SPF value's TTL does not rewrite the verification TXT beside it.
(A server loading the file gives the whole rrset one TTL; BIND warns.)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import dns.exception
import dns.zone
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mailplan.files import write_atomically
from mailplan.model.change import Action, Change
from mailplan.model.objects import Record
from mailplan.model.state import Observed, State
from mailplan.providers.base import Provider, ProviderContext, ProviderError
from mailplan.providers.dns import ownership
from mailplan.providers.dns.rrset_provider import RECORD_TYPES, SERVER_TYPES, SUPPORTS_RECORDS
from mailplan.providers.dns.values import from_rdata, quoted_txt, relative_name, to_rdata
from mailplan.providers.dns.zonetext import Entry, ZoneTextError, name_in_zone, scan


class ZoneFileSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    directory: str = Field(description="folder of the <zone>.zone files, relative to the config's folder")
    default_ttl: int = Field(3600, ge=0, description="$TTL of a zone file mailplan creates")
    nameservers: tuple[str, ...] = Field((), description="NS of a zone file mailplan creates (default ns1.<zone>)")


class ZoneFileProvider(Provider):
    TYPE: ClassVar[str] = "zonefile"
    ROLE: ClassVar[str] = "dns"
    SUPPORTS: ClassVar[frozenset[str]] = SUPPORTS_RECORDS
    SETTINGS_MODEL: ClassVar[type[BaseModel] | None] = ZoneFileSettings

    def __init__(self, name: str, settings: Mapping[str, Any], context: ProviderContext) -> None:
        super().__init__(name, settings, context)
        try:
            self.config = ZoneFileSettings.model_validate(dict(settings))
        except ValidationError as exc:
            raise ProviderError(f"provider {name!r}: invalid settings: {exc}") from None
        self.directory = context.path(self.config.directory)

    def zone_path(self, zone: str) -> Path:
        return self.directory / f"{zone.rstrip('.').lower()}.zone"

    def read(self, domains: Sequence[str]) -> Observed:
        records: list[Record] = []
        for zone in dict.fromkeys(d.rstrip(".").lower() for d in domains):
            path = self.zone_path(zone)
            if path.exists():
                records += records_of(zone, self._entries(path, zone, path.read_text(encoding="utf-8")))
        return Observed(State(records))

    def apply(self, change: Change) -> str:
        record = change.obj
        if not isinstance(record, Record):
            raise ProviderError(f"zonefile provider {self.name!r} holds DNS records only, not {change.kind}")
        if change.action not in (Action.CREATE, Action.UPDATE, Action.REMOVE):
            raise ProviderError(f"zonefile: cannot {change.action.value} a DNS record")
        if record.rtype not in RECORD_TYPES:
            raise ProviderError(f"zonefile: record type {record.rtype} is not supported (only {RECORD_TYPES})")
        after = change.after if change.action is not Action.REMOVE else None
        if after is not None and not isinstance(after, Record):
            raise ProviderError("zonefile: a record change must carry a record")
        path = self.zone_path(record.zone)
        if path.exists():
            text = path.read_text(encoding="utf-8")
        elif after is None:
            return f"{record.fqdn} {record.rtype}: no zone file {path.name}, nothing to remove"
        else:
            text = self._new_zone(record.zone)
        entries = self._entries(path, record.zone, text)
        here = [e for e in entries if name_in_zone(e, record.zone) == record.name and e.rtype == record.rtype]
        # ``merge`` refuses writing values mailplan does not own and says what the rrset must hold.
        _, expected = ownership.merge(record.rtype, [e.value for e in here], None, record.tag, after)
        edit = plan_edit(entries, record, after)
        if edit.is_empty():
            return f"{record.fqdn} {record.rtype}: already as wanted"
        serial, lines = bump_serial(text.splitlines(keepends=True), entries, record.zone, dt.date.today())
        new_text = edit.render(lines)
        self._check(path, record, new_text, expected, after)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, new_text)  # a new file is 0644: name servers read it as their own user
        return f"{record.fqdn} {record.rtype}: {edit.summary()} in {path.name}, serial {serial}"

    def _entries(self, path: Path, zone: str, text: str) -> list[Entry]:
        """The file's records by line, refused unless dnspython reads the same records from it."""
        try:
            entries = scan(text, zone)
            parsed = dns.zone.from_text(text, origin=zone, relativize=False, check_origin=False)
        except (ZoneTextError, dns.exception.DNSException) as exc:
            raise ProviderError(f"zone file {path}: {exc}") from None
        ours: dict[tuple[str, str], set[str]] = defaultdict(set)
        for entry in entries:
            ours[(entry.owner.to_text(), entry.rtype)].add(entry.value)
        theirs = {
            (name.to_text(), rdataset.rdtype.name): {from_rdata(rd) for rd in rdataset}
            for name, rdataset in parsed.iterate_rdatasets()
        }
        if ours != theirs:
            raise ProviderError(f"zone file {path}: mailplan cannot follow its syntax well enough to edit it safely")
        return entries

    def _new_zone(self, zone: str) -> str:
        ttl = self.config.default_ttl
        nameservers = self.config.nameservers or (f"ns1.{zone}",)
        serial = dt.date.today().strftime("%Y%m%d") + "00"
        lines = [
            f"; zone {zone}",
            f"$ORIGIN {zone}.",
            f"$TTL {ttl}",
            f"@\t{ttl}\tIN\tSOA\t{_host(nameservers[0])} hostmaster.{zone}. ( {serial} 3600 900 1209600 300 )",
            *(f"@\t{ttl}\tIN\tNS\t{_host(ns)}" for ns in nameservers),
        ]
        return "\n".join(lines) + "\n"

    def _check(self, path: Path, record: Record, text: str, expected: tuple[str, ...], after: Record | None) -> None:
        try:
            dns.zone.from_text(text, origin=record.zone, relativize=False, check_origin=True)
        except dns.exception.DNSException as exc:
            raise ProviderError(
                f"zone file {path}: the edited zone does not parse ({exc}); file left as it was"
            ) from None
        entries = self._entries(path, record.zone, text)
        here = [e for e in entries if name_in_zone(e, record.zone) == record.name and e.rtype == record.rtype]
        owned_ttls = {e.ttl for e in here if ownership.tag_of(record.rtype, e.value) == record.tag}
        if sorted({e.value for e in here}) != sorted(set(expected)) or (after and owned_ttls != {after.ttl}):
            raise ProviderError(f"zone file {path}: the edit of {record.fqdn} {record.rtype} went wrong; file left")


def records_of(zone: str, entries: Sequence[Entry]) -> list[Record]:
    """The zone's Records, one per (name, type, tag); a Record's TTL is the lowest of its lines."""
    values: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    ttls: dict[tuple[str, str, str], int] = {}
    for entry in entries:
        if entry.rtype in SERVER_TYPES:
            continue
        key = (name_in_zone(entry, zone), entry.rtype, ownership.tag_of(entry.rtype, entry.value))
        values[key].add(entry.value)
        ttls[key] = min(entry.ttl, ttls.get(key, entry.ttl))
    return [
        Record(zone, name, rtype, tag, ttls[(name, rtype, tag)], tuple(sorted(vals)))
        for (name, rtype, tag), vals in values.items()
    ]


class LineEdit:
    """Line-level changes to a zone file, by line index of the original text."""

    def __init__(self) -> None:
        self.replace: dict[int, list[str]] = {}  # first line of an entry -> its new lines ([] = deleted)
        self.dropped: set[int] = set()  # every line of a replaced or deleted entry
        self.after: dict[int, list[str]] = defaultdict(list)  # line index (-1 = end of file) -> lines to add
        self.prefix: dict[int, str] = {}  # line -> owner name to write in front (it lost the owner it inherited)
        self.written = 0
        self.removed = 0

    def is_empty(self) -> bool:
        return not (self.replace or self.after)

    def summary(self) -> str:
        return f"{self.written} line(s) written, {self.removed} removed"

    def render(self, lines: Sequence[str]) -> str:
        out: list[str] = []
        for number, line in enumerate(lines):
            if number in self.dropped:
                out += self.replace.get(number, [])
            else:
                out.append(self.prefix.get(number, "") + line)
            out += self.after.get(number, [])
        if self.after.get(-1):
            if out and not out[-1].endswith("\n"):
                out[-1] += "\n"
            out += self.after[-1]
        return "".join(out)


def plan_edit(entries: Sequence[Entry], record: Record, after: Record | None) -> LineEdit:
    """The line changes that make ``record``'s owned values in the file ``after`` (None: none)."""
    edit = LineEdit()
    owned = [
        e
        for e in entries
        if name_in_zone(e, record.zone) == record.name
        and e.rtype == record.rtype
        and ownership.tag_of(e.rtype, e.value) == record.tag
    ]
    wanted = sorted(set(after.values)) if after else []
    missing = list(wanted)
    stale: list[Entry] = []
    for entry in owned:
        if after and entry.value in missing and entry.ttl == after.ttl:
            missing.remove(entry.value)  # already right: its lines stay untouched
        else:
            stale.append(entry)
    deleted: set[int] = set()
    for entry in stale:
        edit.dropped.update(range(entry.first_line, entry.last_line + 1))
        if missing and after:
            edit.replace[entry.first_line] = [record_line(after, missing.pop(0), entry)]
            edit.written += 1
        else:
            edit.replace[entry.first_line] = []
            edit.removed += 1
            deleted.add(entry.first_line)
    if missing and after:
        anchor = _anchor(entries, owned, record)
        edit.after[anchor.last_line if anchor else -1] += [record_line(after, v, anchor) for v in missing]
        edit.written += len(missing)
    _keep_inherited_owners(entries, deleted, edit)
    return edit


def _anchor(entries: Sequence[Entry], owned: Sequence[Entry], record: Record) -> Entry | None:
    """Where new lines go: after the record's own lines, else after its name's lines, else at the end."""
    if owned:
        return owned[-1]
    same_name = [e for e in entries if name_in_zone(e, record.zone) == record.name]
    return same_name[-1] if same_name else None


def _keep_inherited_owners(entries: Sequence[Entry], deleted: set[int], edit: LineEdit) -> None:
    """A line with a blank owner inherits the owner above it; when that line goes, write the owner out."""
    previous = None
    for entry in entries:
        if entry.first_line in deleted:
            continue
        if not entry.owner_written and entry.owner != previous and entry.first_line not in edit.replace:
            edit.prefix[entry.first_line] = entry.owner.to_text()
        previous = entry.owner


def record_line(record: Record, value: str, near: Entry | None) -> str:
    """One zone file line for ``value``; the owner relative to the zone when the $ORIGIN there allows it."""
    if near is not None and relative_name(near.origin.to_text(), record.zone) == "@":
        owner = record.name
    else:
        owner = record.fqdn + "."
    rdata = quoted_txt(value) if record.rtype == "TXT" else to_rdata(record.rtype, value).to_text()
    return f"{owner}\t{record.ttl}\tIN\t{record.rtype}\t{rdata}\n"


def next_serial(old: int, today: dt.date) -> int:
    """YYYYMMDDnn of today when that is ahead of ``old``, else ``old + 1`` (serial arithmetic wraps)."""
    dated = int(today.strftime("%Y%m%d")) * 100
    return dated if old < dated else (old + 1) % 2**32


def bump_serial(lines: list[str], entries: Sequence[Entry], zone: str, today: dt.date) -> tuple[int, list[str]]:
    """The file's lines with the SOA serial increased in place (only those digits change)."""
    soa = next((e for e in entries if e.rtype == "SOA" and name_in_zone(e, zone) == "@"), None)
    if soa is None or len(soa.rdata_tokens) < 3:
        raise ProviderError(f"zone {zone}: the file has no SOA record at the apex to bump")
    token = soa.rdata_tokens[2]
    serial = next_serial(int(token.text), today)
    line = lines[token.line]
    bumped = [*lines]
    bumped[token.line] = line[: token.start] + str(serial) + line[token.end :]
    return serial, bumped


def _host(name: str) -> str:
    return name if name.endswith(".") else name + "."
