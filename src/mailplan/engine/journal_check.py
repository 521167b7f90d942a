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
from mailplan.i18n import Msg, plural_msg


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
            result.breaks.append(Break(line, Msg("has no entry number (`seq` is {seq})", seq=repr(seq))))
        elif seq != expected_seq and not resync:
            result.breaks.append(Break(line, Msg(
                "entry number {seq} where {expected} was expected (a line was deleted or moved)",
                seq=seq, expected=expected_seq,
            )))  # fmt: skip
        if data.get("prev") != prev and not resync:
            result.breaks.append(Break(line, Msg("does not follow the line before it (deleted or reordered)")))
        intact = stored == _digest(str(data.get("prev")), data)
        if not intact:
            result.breaks.append(Break(line, Msg("content does not match its hash (the line was edited)")))
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
        unsigned = plural_msg(
            "the entry is not signed with the journal key: it was written before the key was set, or its "
            "signature was stripped and the chain recomputed",
            "none of the {count} entries is signed with the journal key: they were written before the key was "
            "set, or the signatures were stripped and the chain recomputed",
            result.entries,
        )
        result.breaks.append(Break(0, unsigned))
    if expect is not None and expect.seq > 0:  # head 0 was recorded before anything was applied
        result.breaks += _anchor_breaks(expect, anchor, result.head)
    return result


def _signature(key: bytes, stored: Any, mac: Any, intact: bool, *, seen_signed: bool) -> tuple[int, Msg | None]:
    """(1 if validly signed, else 0; the problem, or "").

    Entries before the first signed one predate the key: the first signature covers them through
    the chain. From it on, every entry must be signed.
    """
    if isinstance(mac, str) and hmac.compare_digest(mac, _mac(key, str(stored))):
        return 1, None
    if not intact:
        return 0, None  # an edit that left the hash wrong is reported as such already
    if mac is not None:
        return (
            0,
            Msg("its signature does not match the journal key: the entry and its hash were rewritten by someone "
                "without the key"),
        )
    if seen_signed:
        return 0, Msg("not signed with the journal key (written without it, or its signature was removed)")
    return 0, None


def _anchor_breaks(expect: Head, anchor: Entry | None, head: Head) -> list[Break]:
    if anchor is None:
        gone = Msg(
            "entry {seq} of the recorded head {head} is gone: the journal now ends at entry {last}, so entries "
            "were deleted from its end (or the file was replaced)",
            seq=expect.seq, head=Head(expect.seq, expect.hash[:16]), last=head.seq,
        )
        return [Break(0, gone)]
    found = str(anchor.data.get("hash", ""))
    if not found.startswith(expect.hash):
        rewritten = Msg(
            "entry {seq} has hash {found}, the recorded head says {recorded}: the history up to this entry was "
            "rewritten",
            seq=expect.seq, found=found[:16], recorded=expect.hash[:16],
        )
        return [Break(anchor.line, rewritten)]
    return []
