"""The audit journal: an append-only JSON-lines file, each entry hash-chained to the previous.

Every applied change becomes one entry: when, who, which config commit, the
change with before and after (neutral objects hold no secrets), and the
provider's answer. Editing, deleting or reordering a past line breaks the
chain, and ``verify`` says at which line.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailplan.engine.change import Change

GENESIS = "0" * 64


def _digest(prev: str, body: dict[str, Any]) -> str:
    canon = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev + canon).encode()).hexdigest()


def default_actor() -> str:
    """The CI's user (and run) when in CI, else the OS user."""
    for var in ("GITHUB_ACTOR", "GITLAB_USER_LOGIN", "BUILD_REQUESTEDFOR", "CI_ACTOR"):
        if os.environ.get(var):
            return f"{os.environ[var]} (ci)"
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def config_commit(config_dir: Path) -> str:
    """The git commit of the config, when it lives in a repository ("" otherwise)."""
    for var in ("GITHUB_SHA", "CI_COMMIT_SHA"):
        if os.environ.get(var):
            return os.environ[var]
    try:
        out = subprocess.run(
            ["git", "-C", str(config_dir), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


@dataclass(frozen=True)
class Entry:
    line: int
    data: dict[str, Any]


@dataclass(frozen=True)
class Break:
    line: int
    reason: str


class Journal:
    def __init__(self, path: Path, actor: str = "", commit: str = "") -> None:
        self.path = path
        self.actor = actor or default_actor()
        self.commit = commit
        self._last: tuple[int, str] | None = None  # (seq, hash) of the last entry, once read

    def entries(self) -> Iterator[Entry]:
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as fh:
            for number, raw in enumerate(fh, start=1):
                if raw.strip():
                    yield Entry(number, json.loads(raw))

    def _tail(self) -> tuple[int, str]:
        # read once per run, then carried along: re-reading on every append would cost n² for n changes
        if self._last is None:
            seq, last = 0, GENESIS
            for entry in self.entries():
                seq, last = int(entry.data.get("seq", seq)), str(entry.data.get("hash", last))
            self._last = (seq, last)
        return self._last

    def append(self, change: Change, answer: str, event: str = "applied") -> dict[str, Any]:
        seq, prev = self._tail()
        body: dict[str, Any] = {
            "seq": seq + 1,
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "actor": self.actor,
            "config_commit": self.commit,
            "event": event,
            "provider": change.provider,
            "action": change.action.value,
            "kind": change.kind,
            "key": change.key,
            "reason": change.reason,
            "before": change.before.to_dict() if change.before else None,
            "after": change.after.to_dict() if change.after else None,
            "answer": answer,
            "prev": prev,
        }
        body["hash"] = _digest(prev, body)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_APPEND: concurrent writers cannot interleave inside a line
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(body, ensure_ascii=False, sort_keys=True) + "\n")
        self._last = (body["seq"], body["hash"])
        return body

    def verify(self) -> list[Break]:
        """Every place where the chain is broken (an edit, a deletion, a reordering)."""
        breaks: list[Break] = []
        prev, expected_seq = GENESIS, 1
        try:
            for entry in self.entries():
                data = dict(entry.data)
                stored = data.pop("hash", None)
                if data.get("seq") != expected_seq:
                    breaks.append(
                        Break(entry.line, f"entry number {data.get('seq')} where {expected_seq} was expected "
                              "(a line was deleted or moved)")
                    )
                if data.get("prev") != prev:
                    breaks.append(Break(entry.line, "does not follow the line before it (deleted or reordered)"))
                if stored != _digest(str(data.get("prev")), data):
                    breaks.append(Break(entry.line, "content does not match its hash (the line was edited)"))
                prev = str(stored)
                expected_seq = int(data.get("seq", expected_seq)) + 1
        except ValueError as exc:
            breaks.append(Break(0, f"not valid JSON lines: {exc}"))
        return breaks
