"""What a plan needs from the journal, kept beside it so that a plan does not read the whole journal.

The journal grows by two entries per applied change (its intent and its outcome), for ever; a plan
needs only a few things it holds (``Summary``): the day each mailbox was frozen (retention), the
mailboxes mailplan made (the safety gate), the freezes and removals the safety window counts, the
creates mailplan set out to make (to finish one cut short before its mark), and the journal's first
day. ``summary`` keeps them in ``<journal>.index.json`` with how far into the journal they go (the
byte offset, and the number and hash of the entry that ends there), reads only the entries written
since, and writes the index again when there were any. An index that is missing, unreadable or does
not match the journal at its offset (the journal was replaced, cut or rewritten) is rebuilt from the
whole journal. A torn last line (a killed write, moved aside by the next apply) is read past, as
every plan does, and the index never goes beyond the last whole line.
The journal stays the record: the index can always be deleted.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailplan.engine import gate, retention
from mailplan.engine.journal import Entry, Journal, JournalError
from mailplan.engine.journal_reconcile import Started, started_creates
from mailplan.files import write_atomically
from mailplan.i18n import Msg

VERSION = 2
_TAIL = 64 * 1024  # an entry is about a kilobyte: the one that ends at the offset is within this
_LIMITED = ("time", "event", "provider", "kind", "action")  # what the safety window reads of an entry


@dataclass
class Summary:
    """What a plan reads from the journal, folded entry by entry."""

    frozen: dict[tuple[str, str], dt.date] = field(default_factory=dict)  # (provider, mailbox) -> the day it was frozen
    made: dict[str, frozenset[str]] = field(default_factory=dict)  # provider -> mailboxes made, not removed
    limited: list[dict[str, Any]] = field(default_factory=list)  # freezes and removals done (gate.history)
    started: Started = field(default_factory=set)  # creates set out to make (journal_reconcile.py)
    first_time: str = ""  # the time of the journal's first entry

    def add(self, entries: Sequence[Entry]) -> None:
        self.frozen = retention.frozen_since(entries, self.frozen)
        self.made = gate.journaled_mailboxes((e.data for e in entries), self.made)
        self.limited += [{k: e.data.get(k) for k in _LIMITED} for e in entries if gate.limited(e.data)]
        self.started = started_creates(entries, self.started)
        if not self.first_time:
            self.first_time = next((str(e.data["time"]) for e in entries if _timed(e.data)), "")

    def journal_start(self) -> dt.date | None:
        """The first day the journal vouches for (None for an empty one)."""
        return dt.datetime.fromisoformat(self.first_time).astimezone().date() if self.first_time else None

    def to_json(self) -> dict[str, Any]:
        return {
            "frozen": sorted([p, k, day.isoformat()] for (p, k), day in self.frozen.items()),
            "made": {p: sorted(keys) for p, keys in sorted(self.made.items())},
            "limited": self.limited,
            "started": sorted(list(s) for s in self.started),
            "first_time": self.first_time,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Summary:
        return cls(
            frozen={(str(p), str(k)): dt.date.fromisoformat(day) for p, k, day in data["frozen"]},
            made={str(p): frozenset(map(str, keys)) for p, keys in data["made"].items()},
            limited=[dict(e) for e in data["limited"]],
            started={(str(p), str(k), str(key)) for p, k, key in data["started"]},
            first_time=str(data["first_time"]),
        )


def _timed(data: dict[str, Any]) -> bool:
    try:
        dt.datetime.fromisoformat(str(data.get("time")))
    except ValueError:
        return False
    return True


def index_path(journal: Path) -> Path:
    return journal.with_name(journal.name + ".index.json")


def summary(journal: Path) -> Summary:
    """What a plan needs from the journal at ``journal``; reads only what the index lacks."""
    if not journal.exists():
        return Summary()
    offset, found, seq, digest = _load(journal)
    with journal.open("rb") as fh:
        fh.seek(offset)
        tail = fh.read()
    whole = tail[: tail.rfind(b"\n") + 1]  # the index goes no further than the last whole line
    entries = _entries(journal, whole)
    found.add(entries)
    if entries:
        seq, digest = entries[-1].data.get("seq"), entries[-1].data.get("hash")
        if isinstance(seq, int) and isinstance(digest, str):
            _save(journal, offset + len(whole), seq, digest, found)
    last = _entries(journal, tail[len(whole) :], torn=True)
    if last:  # a last line without its line end that holds a whole entry: read, never kept in the index
        found = copy.deepcopy(found)
        found.add(last)
    return found


def _load(journal: Path) -> tuple[int, Summary, Any, Any]:
    """The index's offset and summary when it matches the journal, else (0, empty, None, None): read it all."""
    try:
        index = json.loads(index_path(journal).read_text(encoding="utf-8"))
        offset, seq, digest = int(index["offset"]), index["seq"], index["hash"]
        if index.get("version") != VERSION or not 0 < offset <= journal.stat().st_size:
            raise ValueError("the index does not fit the journal")
        with journal.open("rb") as fh:
            fh.seek(max(0, offset - _TAIL))
            before = fh.read(min(offset, _TAIL))
        if not before.endswith(b"\n"):
            raise ValueError("the offset is not at the end of an entry")
        last = json.loads(before.rstrip(b"\n").rsplit(b"\n", 1)[-1])
        if last.get("seq") != seq or last.get("hash") != digest:
            raise ValueError("the entry at the offset is not the one the index saw")
        found = Summary.from_json(index["summary"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return 0, Summary(), None, None
    return offset, found, seq, digest


def _entries(journal: Path, tail: bytes, torn: bool = False) -> list[Entry]:
    """The entries in ``tail``; with ``torn``, it is a last line without its line end, left out when it does
    not hold a whole entry (a write cut short)."""
    out = []
    for raw in tail.splitlines():
        if not raw.strip():
            continue
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            data = None
        if not isinstance(data, dict):
            if torn:
                return []
            list(Journal(journal, actor="-").entries(skip_torn=True))  # names the damaged line, as every reader
            raise JournalError(Msg("{path}: an entry cannot be read; `mailplan audit verify` lists every damaged line",
                                   path=journal))  # fmt: skip
        out.append(Entry(0, data))
    return out


def _save(journal: Path, offset: int, seq: int, digest: str, found: Summary) -> None:
    """Written whole and then renamed into place: a reader sees the old index or the new one."""
    body = {"version": VERSION, "offset": offset, "seq": seq, "hash": digest, "summary": found.to_json()}
    # a read-only state folder: the next plan reads the journal again, nothing is lost
    with contextlib.suppress(OSError):
        # as readable as the journal it comes from (0640), whatever the umask
        write_atomically(index_path(journal), json.dumps(body, ensure_ascii=False), 0o640)
