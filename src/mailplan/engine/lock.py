"""One writer at a time per state folder: the lock every command that writes takes first.

The lock is an ``flock`` on ``<state_dir>/lock``, whose text names the holder (pid, host, command,
since when). The kernel drops an ``flock`` when its process ends however it ends (SIGKILL too), so a
lock whose holder died is simply free again: the next run takes it and says whose it was. On a
folder shared over NFS the lock is a lock of the server's lock manager; a holder whose machine is
gone keeps it until the server notices (its lease time), and the message names that machine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailplan.dirs import make_dirs
from mailplan.errors import MailplanError
from mailplan.i18n import Msg

LOCK_FILE = "lock"
POLL_SECONDS = 0.2


class LockHeld(MailplanError):
    """Another run holds the lock (and did not let go within the timeout)."""


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    command: str
    since: str  # ISO time, UTC

    def describe(self) -> Msg:
        return Msg("pid {pid} on host {host} (mailplan {command}), since {since}", pid=self.pid, host=self.host,
                   command=self.command, since=_moment(self.since))  # fmt: skip

    def alive(self) -> bool | None:
        """Whether the process still runs (None: on another machine, this one cannot tell)."""
        if self.host != socket.gethostname():
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _moment(text: str) -> dt.datetime | str:
    """The holder's ISO time as a moment (shown in the reader's form), or as written when it is not one."""
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return text


def _holder(text: str) -> Holder | None:
    try:
        data: Any = json.loads(text)
        return Holder(int(data["pid"]), str(data["host"]), str(data["command"]), str(data["since"]))
    except (ValueError, KeyError, TypeError):
        return None


class StateLock:
    """``with StateLock(folder, "apply").held(timeout):`` — raises ``LockHeld`` naming the holder."""

    def __init__(self, folder: Path, command: str, on_wait: Callable[[str], None] | None = None) -> None:
        self.path = folder / LOCK_FILE
        self.command = command
        self.on_wait = on_wait  # told once when the lock is busy and the run waits
        self.taken_over: Holder | None = None  # the holder a dead run left in the file, if any
        self._fd: int | None = None

    @contextlib.contextmanager
    def held(self, timeout: float = 0.0) -> Iterator[StateLock]:
        self.acquire(timeout)
        try:
            yield self
        finally:
            self.release()

    def acquire(self, timeout: float = 0.0) -> None:
        make_dirs(self.path.parent)  # the state folder, with its own mode whatever the umask
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        os.fchmod(fd, 0o644)  # who holds it (pid, host, since) is no secret
        deadline = time.monotonic() + max(timeout, 0.0)
        told = False
        try:
            while not self._try(fd):
                holder = _holder(_read(fd))
                if time.monotonic() >= deadline:
                    raise LockHeld(self._busy_message(holder, timeout))
                if not told and self.on_wait is not None:
                    who = holder.describe() if holder else Msg("another run")
                    self.on_wait(Msg("waiting for the lock on {folder}: held by {who}", folder=self.path.parent,
                                     who=who))  # fmt: skip
                    told = True
                time.sleep(POLL_SECONDS)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        # Text left in the file: its holder ended without letting go (killed); the kernel freed the lock.
        self.taken_over = _holder(_read(fd))
        me = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": self.command,
            "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(me) + "\n").encode(), 0)
        os.fsync(fd)

    def _try(self, fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                return False
            raise MailplanError(Msg(
                "cannot lock {path}: {error} (the file system does not support locks; put `state_dir` on a local disk)",
                path=self.path, error=exc.strerror or exc,
            )) from None  # fmt: skip
        return True

    def _busy_message(self, holder: Holder | None, timeout: float) -> Msg:
        folder, who = self.path.parent, holder.describe() if holder else Msg("another mailplan run")
        seconds = f"{timeout:g}"
        waited = Msg("{who} (waited {seconds} s)", who=who, seconds=seconds) if timeout > 0 else who
        if holder is not None and holder.alive() is None:
            return Msg(
                "another mailplan run holds the lock on {folder}: {who}; nothing was changed. It runs on another "
                "machine ({host}); if that machine is gone, the file server frees the lock when its lease runs out. "
                "Wait for it to finish, or pass --lock-timeout SECONDS to wait for it.",
                folder=folder, who=waited, host=holder.host,
            )  # fmt: skip
        return Msg(
            "another mailplan run holds the lock on {folder}: {who}; nothing was changed. Wait for it to finish, "
            "or pass --lock-timeout SECONDS to wait for it.",
            folder=folder, who=waited,
        )  # fmt: skip

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)  # an empty file: let go of cleanly (text left means a run died)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


def _read(fd: int) -> str:
    try:
        return os.pread(fd, 4096, 0).decode("utf-8", "replace")
    except OSError:
        return ""


def parse_timeout(value: str) -> float:
    """``--lock-timeout``: seconds (``30``, ``30s``) or minutes (``5m``)."""
    text = value.strip().lower()
    scale = 60.0 if text.endswith("m") else 1.0
    number = text.removesuffix("m").removesuffix("s")
    try:
        seconds = float(number) * scale
    except ValueError:
        shown = repr(value)
        raise MailplanError(Msg("--lock-timeout {value} is not a duration; write seconds (30, 30s) or minutes (5m)",
                                value=shown)) from None  # fmt: skip
    if seconds < 0:
        shown = repr(value)
        raise MailplanError(Msg("--lock-timeout {value} is negative", value=shown))
    return seconds
