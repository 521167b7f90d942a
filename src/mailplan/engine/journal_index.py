"""What a plan needs from the journal (the day each mailbox was frozen), kept beside it.

The journal grows by an entry per applied change, for ever; a plan with a
retention period needs only the freeze dates it holds. ``frozen_on`` keeps them
in ``<journal>.freezes.json`` with how far into the journal they go (the byte
offset, and the number and hash of the entry that ends there), reads only the
entries written since, and writes the index again when there were any. An index
that is missing, unreadable or does not match the journal at its offset (the
journal was replaced, cut or rewritten) is rebuilt from the whole journal.
The journal stays the record: the index can always be deleted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from mailplan.engine import retention
from mailplan.engine.journal import Entry, Journal, JournalError

FrozenOn = dict[tuple[str, str], dt.date]
VERSION = 1
_TAIL = 64 * 1024  # an entry is about a kilobyte: the one that ends at the offset is within this


def index_path(journal: Path) -> Path:
    return journal.with_name(journal.name + ".freezes.json")


def frozen_on(journal: Path) -> FrozenOn:
    """(provider, mailbox) -> the day the journal last saw it frozen; reads only what the index lacks."""
    if not journal.exists():
        return {}
    offset, frozen, seq, digest = _load(journal)
    with journal.open("rb") as fh:
        fh.seek(offset)
        tail = fh.read()
    entries = _entries(journal, tail)
    if not entries and offset:
        return frozen
    frozen = retention.frozen_since(entries, frozen)
    if entries:
        last = entries[-1].data
        seq, digest = last.get("seq"), last.get("hash")
    end = offset + len(tail)
    if tail.endswith(b"\n") and isinstance(seq, int) and isinstance(digest, str):
        _save(journal, end, seq, digest, frozen)  # a line still being written is read again next time
    return frozen


def _load(journal: Path) -> tuple[int, FrozenOn, Any, Any]:
    """The index's offset and dates when it matches the journal, else (0, {}, None, None): read it all."""
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
        frozen = {(p, k): dt.date.fromisoformat(day) for p, k, day in index["frozen"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return 0, {}, None, None
    return offset, frozen, seq, digest


def _entries(journal: Path, tail: bytes) -> list[Entry]:
    out = []
    for raw in tail.splitlines():
        if not raw.strip():
            continue
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            data = None
        if not isinstance(data, dict):
            list(Journal(journal, actor="-").entries())  # names the damaged line, as every reader does
            raise JournalError(f"{journal}: an entry cannot be read; `mailplan audit verify` lists every damaged line")
        out.append(Entry(0, data))
    return out


def _save(journal: Path, offset: int, seq: int, digest: str, frozen: FrozenOn) -> None:
    """Written whole and then renamed into place: a reader sees the old index or the new one."""
    path = index_path(journal)
    body = {
        "version": VERSION,
        "offset": offset,
        "seq": seq,
        "hash": digest,
        "frozen": sorted([p, k, day.isoformat()] for (p, k), day in frozen.items()),
    }
    temporary = path.with_name(path.name + f".{os.getpid()}.tmp")
    try:
        # as readable as the journal it comes from (0640), whatever the umask
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        os.fchmod(fd, 0o640)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(body, ensure_ascii=False))
        os.replace(temporary, path)
    except OSError:  # a read-only state folder: the next plan reads the journal again, nothing is lost
        temporary.unlink(missing_ok=True)
