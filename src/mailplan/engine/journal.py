"""The audit journal: an append-only JSON-lines file, each entry hash-chained to the previous.

Every applied change becomes one entry: when, who, which config (its git
commit, whether the files had uncommitted edits, and the fingerprint of what
was applied), the change with before and after (neutral objects hold no
secrets), and the provider's answer. Editing, deleting or reordering a past
line breaks the chain, and ``verify`` says at which line.

The chain alone cannot show a deleted tail, or a history rewritten with every
later hash recomputed. Two anchors outside the file can: the *head* (the last
entry's number and hash) kept elsewhere and given back to ``verify``, and a
*key* (HMAC) that signs each entry's hash, which whoever edits the file
cannot recompute without the key.

A change is written twice: its *intent* before the provider is asked (``event: intended``) and its
*outcome* after (``applied`` or ``failed``, naming the intent). A run killed in between leaves an
open intent; the next run compares it with the live state and writes what it turned out to be
(``journal_reconcile.py``). A line cut short by a killed write can only be the last one; the next
run that writes moves it aside and records that (``journal_recover.py``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import hmac
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailplan import clock
from mailplan.dirs import make_dirs
from mailplan.errors import MailplanError
from mailplan.i18n import Msg
from mailplan.model.change import Change

GENESIS = "0" * 64

# What an entry records (``event``). A change's intent comes first, then its outcome.
INTENDED = "intended"  # about to ask the provider
APPLIED = "applied"  # the provider confirmed it (or the next run found it done)
FAILED = "failed"  # the provider reported an error; the next plan shows what is left
NOT_APPLIED = "not applied"  # an interrupted run's intent, found not done by the next run
PARTLY_APPLIED = "partly applied"  # ... found neither as it was nor as intended
UNKNOWN = "unknown"  # ... whose provider is no longer in the config
RECOVERED = "recovered"  # a torn last line was moved aside
OUTCOMES = frozenset({APPLIED, FAILED, NOT_APPLIED, PARTLY_APPLIED, UNKNOWN})
MIN_KEY_CHARS = 16
_HASH = re.compile(r"[0-9a-f]{64}")
_HEAD = re.compile(r"(\d+):([0-9a-f]{16,64})")


class JournalError(MailplanError):
    """The journal cannot be read, continued or checked as asked."""


def _digest(prev: str, body: dict[str, Any]) -> str:
    canon = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev + canon).encode()).hexdigest()


def _mac(key: bytes, digest: str) -> str:
    return hmac.new(key, digest.encode(), hashlib.sha256).hexdigest()


def default_actor() -> str:
    """The CI's user (and run) when in CI, else the OS user."""
    for var in ("GITHUB_ACTOR", "GITLAB_USER_LOGIN", "BUILD_REQUESTEDFOR", "CI_ACTOR"):
        if os.environ.get(var):
            return f"{os.environ[var]} (ci)"
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def resolve_key(ref: str, base_dir: Path) -> bytes:
    """The journal key a reference (``env:NAME`` or ``file:PATH``) points at; never echoed anywhere."""
    kind, _, name = ref.partition(":")
    if kind == "env" and name:
        value = os.environ.get(name, "")
        if not value:
            raise JournalError(Msg(
                "the journal key {ref} is not set: `export {name}=...` (in CI: a secret of the job); "
                "without it entries cannot be signed or checked", ref=ref, name=name,
            ))  # fmt: skip
    elif kind == "file" and name:
        file = Path(name) if Path(name).is_absolute() else base_dir / name
        try:
            value = file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            reading = Msg("cannot read the journal key {ref}: {error}", ref=ref, error=exc.strerror or exc)
            raise JournalError(reading) from None
    else:
        raise JournalError(Msg("the journal key must be a reference: env:NAME or file:PATH (never the key itself)"))
    if len(value) < MIN_KEY_CHARS:
        raise JournalError(Msg(
            "the journal key {ref} is shorter than {count} characters; make one with `openssl rand -hex 32`",
            ref=ref, count=MIN_KEY_CHARS,
        ))  # fmt: skip
    return value.encode()


@dataclass(frozen=True)
class Head:
    """The last entry: its number and hash. Kept elsewhere, it shows a deleted tail or a rewritten history."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


def parse_head(text: str) -> Head | None:
    """``SEQ:HASH`` (the hash in full, or its first 16 characters or more), else None."""
    found = _HEAD.fullmatch(text.strip().lower())
    return Head(int(found.group(1)), found.group(2)) if found else None


@dataclass(frozen=True)
class Entry:
    line: int
    data: dict[str, Any]


@dataclass(frozen=True)
class Break:
    line: int  # 0: the journal as a whole
    reason: str  # a Msg: English, translated where it is shown
    torn: bool = False  # the last line, cut short by an interrupted write (recoverable)


def is_done(data: dict[str, Any]) -> bool:
    """Whether an entry records a change done at the provider (an intent or a failure does not)."""
    return data.get("event") == APPLIED


def _append_line(path: Path, line: bytes) -> None:
    """Append whole lines (one, or a batch's) and make them durable before the provider is asked anything more."""
    # O_APPEND and a single write: concurrent writers cannot interleave inside a line
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        view = memoryview(line)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    def __init__(
        self,
        path: Path,
        actor: str = "",
        commit: str = "",
        *,
        fingerprint: str = "",
        dirty: bool = False,
        key_ref: str = "",
        base_dir: Path | None = None,
        as_of: dt.date | None = None,
    ) -> None:
        self.path = path
        # the day the run acted as, when MAILPLAN_TODAY rehearsed one other than the clock's
        self.as_of = as_of
        self.actor = actor or default_actor()
        self.commit = commit
        self.fingerprint = fingerprint
        self.dirty = dirty
        self.key_ref = key_ref
        self.base_dir = base_dir or path.parent
        self._key: bytes | None = None
        self._head: Head | None = None  # the last entry, once read

    @property
    def key(self) -> bytes | None:
        """The signing key, resolved when first needed (a plan that only reads needs none)."""
        if self.key_ref and self._key is None:
            self._key = resolve_key(self.key_ref, self.base_dir)
        return self._key

    def lines(self) -> Iterator[Entry | Break]:
        """Every non-empty line: the entry it holds, or why it holds none."""
        if not self.path.exists():
            return
        with self.path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                if not raw.strip(b" \t\r\n"):
                    continue
                # no line end: the last line, and the write of it did not finish
                torn = not raw.endswith(b"\n")
                try:
                    data = json.loads(raw.decode("utf-8"))
                except UnicodeDecodeError:
                    yield _damaged(number, Msg("not UTF-8 text"), torn, raw)
                    continue
                except json.JSONDecodeError as exc:
                    not_json = Msg("not valid JSON ({error} at column {column})", error=exc.msg, column=exc.colno)
                    yield _damaged(number, not_json, torn, raw)
                    continue
                if not isinstance(data, dict):
                    yield _damaged(number, Msg("not a journal entry (a JSON object was expected)"), torn, raw)
                    continue
                yield Entry(number, data)

    def entries(self, skip_torn: bool = False) -> Iterator[Entry]:
        """The entries, oldest first. An unreadable line stops the reading with a message naming it;
        with ``skip_torn``, a torn last line is left out (a plan reads past it; apply recovers it)."""
        for item in self.lines():
            if isinstance(item, Break):
                if skip_torn and item.torn:
                    continue
                raise JournalError(
                    f"{self.path}: line {item.line}: {item.reason}; `mailplan audit verify` lists every damaged line"
                )
            yield item

    def head(self) -> Head:
        """The last entry's number and hash, read once per run (then carried along: re-reading would be n²)."""
        if self._head is None:
            last: Entry | None = None
            for entry in self.entries():
                last = entry
            if last is None:
                self._head = Head(0, GENESIS)
            else:
                seq, digest = last.data.get("seq"), last.data.get("hash")
                if type(seq) is not int or not isinstance(digest, str) or not _HASH.fullmatch(digest):
                    raise JournalError(
                        f"{self.path}: line {last.line}, the last entry, has no valid number and hash to continue from"
                    )
                self._head = Head(seq, digest)
        return self._head

    def forget_head(self) -> None:
        """The file was changed under the cached head (a torn line cut off): read it again when needed."""
        self._head = None

    def prepare(self) -> Head:
        """Check the journal can be continued, before the first provider write: a change that cannot
        be journaled must not be made. Reads the end, resolves the key, and opens the file for appending."""
        try:
            head = self.head()
            _ = self.key
            make_dirs(self.path.parent)
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640))
        except OSError as exc:
            raise JournalError(
                f"{self.path}: cannot write the journal ({exc.strerror or exc}); nothing was applied"
            ) from None
        except JournalError as exc:
            raise JournalError(
                f"{exc}. The journal must be readable and continuable before anything is applied: nothing was "
                "changed. Restore it from a copy, or move it aside (keep it for the record) to start a new one."
            ) from None
        return head

    def append(
        self, change: Change, answer: str, event: str = APPLIED, extra: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """One entry about ``change``: by default, that the provider confirmed it."""
        return self.record(_about(change, answer, event, extra))

    def intend(self, change: Change) -> int:
        """Before the provider is asked: the intent, whose number the outcome names."""
        return self.intend_all([change])[0]

    def intend_all(self, changes: Sequence[Change]) -> list[int]:
        """The intents of changes the provider is asked to make together, durable at once."""
        return [body["seq"] for body in self.record_all([_about(c, "", INTENDED) for c in changes])]

    def outcome(self, change: Change, intent: int, event: str, answer: str) -> dict[str, Any]:
        """After the provider answered: what became of the intent ``intent``."""
        return self.append(change, answer, event, {"intent": intent})

    def outcome_all(
        self, changes: Sequence[Change], intents: Sequence[int], event: str, answers: Sequence[str]
    ) -> None:
        """What became of the intents of changes made together, durable at once."""
        self.record_all([
            _about(c, answer, event, {"intent": intent})
            for c, intent, answer in zip(changes, intents, answers, strict=True)
        ])  # fmt: skip

    def record(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Append an entry holding ``fields``, numbered, chained to the last one, signed if there is a key."""
        return self.record_all([fields])[0]

    def record_all(self, entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Append an entry for each of ``entries``, chained in turn, in one write made durable once."""
        head = self.head()
        key = self.key
        bodies = []
        for fields in entries:
            body: dict[str, Any] = {
                "seq": head.seq + 1,
                "time": clock.now().isoformat(timespec="seconds"),
                "actor": self.actor,
                "config_commit": self.commit,
                "config_dirty": self.dirty,
                "config_fingerprint": self.fingerprint,
                **fields,
                "prev": head.hash,
            }
            if self.as_of is not None:
                body["as_of"] = self.as_of.isoformat()
            body["hash"] = _digest(head.hash, body)
            if key is not None:
                body["mac"] = _mac(key, body["hash"])
            bodies.append(body)
            head = Head(body["seq"], body["hash"])
        if not bodies:
            return []
        make_dirs(self.path.parent)
        lines = "".join(json.dumps(body, ensure_ascii=False, sort_keys=True) + "\n" for body in bodies)
        _append_line(self.path, lines.encode("utf-8"))
        self._head = head
        return bodies


def _about(change: Change, answer: str, event: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The fields of an entry about ``change``."""
    body: dict[str, Any] = {
        "event": event,
        "provider": change.provider,
        "action": change.action.value,
        "kind": change.kind,
        "key": change.key,
        "reason": change.reason,
        "before": change.before.to_dict() if change.before else None,
        "after": change.after.to_dict() if change.after else None,
        "answer": answer,
    }
    return {**body, **(extra or {})}


class Unrecorded(JournalError):
    """The journal could not take a change's intent (nothing was asked) or its outcome (it was done)."""

    def __init__(self, message: str, applied: bool) -> None:
        super().__init__(message)
        self.applied = applied


def journaled(journal: Journal, change: Change, call: Callable[[], str]) -> str:
    """Make ``change`` through ``call`` (the provider's apply) between its intent and its outcome."""
    return journaled_all(journal, [change], lambda: [call()])[0]


def journaled_all(journal: Journal, changes: Sequence[Change], call: Callable[[], list[str]]) -> list[str]:
    """Make ``changes`` through ``call`` (the provider's apply, of one change or of a batch made durable
    together) between their intents and their outcomes.

    The intents are on disk before the provider is asked, so a run killed at any point leaves either
    nothing or intents the next run reconciles with the live state. Raises ``Unrecorded`` when the
    journal cannot take an entry, and whatever ``call`` raises after journaling the failure (a batch
    that raises made none of its changes: each is recorded failed, and the caller makes them again).
    """
    try:
        intents = journal.intend_all(changes)
    except (OSError, JournalError) as exc:
        raise Unrecorded(Msg("not attempted: the journal cannot take its intent: {error}", error=str(exc)),
                         applied=False) from None  # fmt: skip
    try:
        answers = call()
    except Exception:
        # no error text: it may quote a request; the run's output has it. A journal that fails here
        # leaves the intents open, and the next run reconciles them.
        failed = ("the provider reported an error (in the run's output); what was done of it, the next plan "
                  "reads from the provider") if len(changes) == 1 else _BATCH_FAILED.format(count=len(changes))
        with contextlib.suppress(OSError, JournalError):
            journal.outcome_all(changes, intents, FAILED, [failed] * len(changes))
        raise
    try:
        journal.outcome_all(changes, intents, APPLIED, answers)
    except (OSError, JournalError) as exc:
        shown = {"answer": answers[0], "changes": len(answers), "error": str(exc)}
        if len(answers) == 1:
            lost = Msg("applied ({answer}) but NOT written to the journal: {error}", **shown)
        else:
            lost = Msg("applied ({changes} changes in one transaction: {answer}, ...) but NOT written to the journal: "
                       "{error}", **shown)  # fmt: skip
        raise Unrecorded(lost, applied=True) from None
    return answers


_BATCH_FAILED = (
    "its batch of {count} changes failed at the provider (the error is in the run's output); each of them is "
    "made again on its own, and what was done of it the next plan reads from the provider"
)


def _damaged(number: int, reason: Msg, torn: bool, raw: bytes) -> Break:
    if torn:
        cut = Msg("{reason}: the last line was cut short ({size} bytes and no line end), an interrupted write; "
                  "the next `mailplan apply` moves it aside and records that", reason=reason, size=len(raw))
        return Break(number, cut, torn=True)
    return Break(number, reason)
