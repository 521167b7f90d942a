"""Checking the audit journal: the hash chain, the signatures, and a head kept elsewhere.

Whoever edits the file can recompute SHA-256 hashes, so the chain alone proves only that
the file agrees with itself; a head recorded outside it shows a deleted tail or a rewritten
history, and a key's signatures show entries rewritten by someone without the key.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

from mailplan.engine.journal import GENESIS, Break, Entry, Head, Journal, _digest, _mac


@dataclass
class Verification:
    breaks: list[Break] = field(default_factory=list)
    entries: int = 0
    signed: int = 0
    head: Head = field(default_factory=lambda: Head(0, GENESIS))


def verify(journal: Journal, expect: Head | None = None) -> list[Break]:
    """Every place where the journal is broken (an edit, a deletion, a reordering, a damaged line)."""
    return check(journal, expect).breaks

def check(journal: Journal, expect: Head | None = None) -> Verification:
    """Recompute the chain line by line, reporting every break it can find.

    With ``expect`` (a head kept elsewhere), entry ``expect.seq`` must still be there with that
    hash. With a key, every entry from the first signed one on must carry a valid signature.
    """
    result = Verification()
    key = journal.key
    prev, expected_seq = GENESIS, 1
    resync = False  # after an unreadable line, the next entry is the new reference, not a second break
    anchor: Entry | None = None
    for item in journal.lines():
        if isinstance(item, Break):
            result.breaks.append(item)
            resync = True
            continue
        result.entries += 1
        line, data = item.line, dict(item.data)
        stored, mac = data.pop("hash", None), data.pop("mac", None)
        seq = data.get("seq")
        if type(seq) is not int:
            result.breaks.append(Break(line, f"has no entry number (seq is {seq!r})"))
        elif seq != expected_seq and not resync:
            result.breaks.append(
                Break(line, f"entry number {seq} where {expected_seq} was expected (a line was deleted or moved)")
            )
        if data.get("prev") != prev and not resync:
            result.breaks.append(Break(line, "does not follow the line before it (deleted or reordered)"))
        intact = stored == _digest(str(data.get("prev")), data)
        if not intact:
            result.breaks.append(Break(line, "content does not match its hash (the line was edited)"))
        if key is not None:
            signed, problem = _signature(key, stored, mac, intact, seen_signed=result.signed > 0)
            result.signed += signed
            if problem:
                result.breaks.append(Break(line, problem))
        if expect is not None and seq == expect.seq and anchor is None:
            anchor = item
        prev = str(stored)
        expected_seq = (seq if type(seq) is int else expected_seq) + 1
        resync = False
        if type(seq) is int and isinstance(stored, str):
            result.head = Head(seq, stored)
    if key is not None and result.entries and not result.signed:
        unsigned = (
            f"none of the {result.entries} entries is signed with the journal key: they were written before "
            "the key was set, or the signatures were stripped and the chain recomputed"
        )
        result.breaks.append(Break(0, unsigned))
    if expect is not None and expect.seq > 0:  # head 0 was recorded before anything was applied
        result.breaks += _anchor_breaks(expect, anchor, result.head)
    return result


def _signature(key: bytes, stored: Any, mac: Any, intact: bool, *, seen_signed: bool) -> tuple[int, str]:
    """(1 if validly signed, else 0; the problem, or "").

    Entries before the first signed one predate the key: the first signature covers them through
    the chain. From it on, every entry must be signed.
    """
    if isinstance(mac, str) and hmac.compare_digest(mac, _mac(key, str(stored))):
        return 1, ""
    if not intact:
        return 0, ""  # an edit that left the hash wrong is reported as such already
    if mac is not None:
        return (
            0,
            "its signature does not match the journal key: the entry and its hash were rewritten by someone "
            "without the key",
        )
    if seen_signed:
        return 0, "not signed with the journal key (written without it, or its signature was removed)"
    return 0, ""


def _anchor_breaks(expect: Head, anchor: Entry | None, head: Head) -> list[Break]:
    if anchor is None:
        gone = (
            f"entry {expect.seq} of the recorded head {expect.seq}:{expect.hash[:16]} is gone: the journal now ends "
            f"at entry {head.seq}, so entries were deleted from its end (or the file was replaced)"
        )
        return [Break(0, gone)]
    found = str(anchor.data.get("hash", ""))
    if not found.startswith(expect.hash):
        rewritten = (
            f"entry {expect.seq} has hash {found[:16]}, the recorded head says {expect.hash[:16]}: the history up to "
            "this entry was rewritten"
        )
        return [Break(anchor.line, rewritten)]
    return []
