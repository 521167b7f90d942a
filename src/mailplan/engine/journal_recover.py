"""A journal whose last line a killed run left half written: recognised, moved aside, recorded.

Only the very last line can be torn by a crash (every line is appended whole, then synced), and
only when it has no line end. Its bytes are kept beside the journal (``<journal>.torn-<sha256>``,
named after their digest so that doing this twice writes the same file), the journal is cut back
to its last whole line, and an entry ``event: recovered`` records what was moved where. Any other
damage (an unreadable line before the last, a last line with its line end) is not a crash's
doing: it still stops the run.

Each step can itself be interrupted: the bytes are kept aside before the journal is cut, and a
kept file the journal does not mention yet is recorded by the next run.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from mailplan.engine.journal import RECOVERED, Journal
from mailplan.files import sync_folder, write_atomically

_ASIDE = ".torn-"


@dataclass(frozen=True)
class Recovery:
    kept_in: Path
    size: int


def recover(journal: Journal) -> list[Recovery]:
    """Move a torn last line aside and record it (and any kept file not recorded yet). Needs the lock."""
    path = journal.path
    if not path.exists():
        return []
    with path.open("rb") as fh:
        end = fh.seek(0, os.SEEK_END)
        fh.seek(max(0, end - 1))
        last = fh.read(1)
    if end and last != b"\n":
        _cut_torn_tail(journal)
    return _record_kept(journal)


def _cut_torn_tail(journal: Journal) -> None:
    path = journal.path
    data = path.read_bytes()
    start = data.rfind(b"\n") + 1
    tail = data[start:]
    if _whole_entry(tail):
        # every byte of the entry is there but its line end: give it one, nothing is lost
        with path.open("ab") as fh:
            fh.write(b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        return
    digest = hashlib.sha256(tail).hexdigest()
    kept = path.with_name(f"{path.name}{_ASIDE}{digest}")
    write_atomically(kept, tail, 0o640)  # first kept, then cut: a crash between leaves both, not neither
    with path.open("r+b") as fh:
        fh.truncate(start)
        fh.flush()
        os.fsync(fh.fileno())
    sync_folder(path.parent)
    journal.forget_head()


def _whole_entry(tail: bytes) -> bool:
    try:
        data = json.loads(tail.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return isinstance(data, dict) and "hash" in data and "seq" in data


def _record_kept(journal: Journal) -> list[Recovery]:
    """Journal every kept file the journal does not mention yet."""
    path = journal.path
    kept = sorted(path.parent.glob(f"{path.name}{_ASIDE}*"))
    if not kept:
        return []
    mentioned = {str(e.data.get("kept_in")) for e in journal.entries() if e.data.get("event") == RECOVERED}
    recorded = []
    for file in kept:
        if file.name in mentioned:
            continue
        size = file.stat().st_size
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        journal.record({
            "event": RECOVERED,
            "kept_in": file.name,
            "torn_bytes": size,
            "torn_sha256": digest,
            "answer": f"the last line, cut short by an interrupted run ({size} bytes), was moved aside to "
                      f"{file.name}; the entries before it are intact",
        })  # fmt: skip
        recorded.append(Recovery(file, size))
    return recorded
