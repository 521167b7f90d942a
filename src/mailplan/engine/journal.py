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
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailplan import clock
from mailplan.dirs import make_dirs
from mailplan.errors import MailplanError
from mailplan.model.change import Change

GENESIS = "0" * 64
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
            raise JournalError(
                f"the journal key {ref} is not set: export {name}=... (in CI: a secret of the job); "
                "without it entries cannot be signed or checked"
            )
    elif kind == "file" and name:
        file = Path(name) if Path(name).is_absolute() else base_dir / name
        try:
            value = file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise JournalError(f"cannot read the journal key {ref}: {exc.strerror or exc}") from None
    else:
        raise JournalError("the journal key must be a reference: env:NAME or file:PATH (never the key itself)")
    if len(value) < MIN_KEY_CHARS:
        raise JournalError(
            f"the journal key {ref} is shorter than {MIN_KEY_CHARS} characters; make one with `openssl rand -hex 32`"
        )
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
    reason: str


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
                if not raw.strip():
                    continue
                try:
                    data = json.loads(raw.decode("utf-8"))
                except UnicodeDecodeError:
                    yield Break(number, "not UTF-8 text")
                    continue
                except json.JSONDecodeError as exc:
                    yield Break(number, f"not valid JSON ({exc.msg} at column {exc.colno})")
                    continue
                if not isinstance(data, dict):
                    yield Break(number, "not a journal entry (a JSON object was expected)")
                    continue
                yield Entry(number, data)

    def entries(self) -> Iterator[Entry]:
        """The entries, oldest first. An unreadable line stops the reading with a message naming it."""
        for item in self.lines():
            if isinstance(item, Break):
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

    def append(self, change: Change, answer: str, event: str = "applied") -> dict[str, Any]:
        head = self.head()
        body: dict[str, Any] = {
            "seq": head.seq + 1,
            "time": clock.now().isoformat(timespec="seconds"),
            "actor": self.actor,
            "config_commit": self.commit,
            "config_dirty": self.dirty,
            "config_fingerprint": self.fingerprint,
            "event": event,
            "provider": change.provider,
            "action": change.action.value,
            "kind": change.kind,
            "key": change.key,
            "reason": change.reason,
            "before": change.before.to_dict() if change.before else None,
            "after": change.after.to_dict() if change.after else None,
            "answer": answer,
            "prev": head.hash,
        }
        if self.as_of is not None:
            body["as_of"] = self.as_of.isoformat()
        body["hash"] = _digest(head.hash, body)
        key = self.key
        if key is not None:
            body["mac"] = _mac(key, body["hash"])
        make_dirs(self.path.parent)
        # O_APPEND: concurrent writers cannot interleave inside a line
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(body, ensure_ascii=False, sort_keys=True) + "\n")
        self._head = Head(body["seq"], body["hash"])
        return body
