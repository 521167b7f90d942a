"""Writing a file so that a crash never leaves half of it: the one way mailplan writes its files.

The text goes to a temporary file in the same folder, is synced to disk, and is renamed over the
target; then the folder itself is synced, so the rename survives a power cut too. A reader (or the
next run) sees the old file or the new one, never an empty or half-written one.

A process killed between creating the temporary file and renaming it leaves it behind. Its name
says whose it was (``.<name>.mailplan-<host>-<pid>-<random>.tmp``), so a later write into the same
folder removes the temporary files of processes of this machine that are no longer running, and
never one a live process is still writing.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
from collections.abc import Callable
from pathlib import Path

_TEMP = re.compile(r"^\..+\.mailplan-(?P<host>[A-Za-z0-9_.]+)-(?P<pid>\d+)-[0-9a-f]{8}\.tmp$")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_.]", "_", socket.gethostname()) or "host"


def temp_name(path: Path) -> Path:
    """A temporary file beside ``path`` named after it, this host and this process."""
    return path.with_name(f".{path.name}.mailplan-{_host()}-{os.getpid()}-{secrets.token_hex(4)}.tmp")


def write_atomically(path: Path, data: str | bytes, mode: int | None = None, *, exclusive: bool = False) -> bool:
    """Put ``data`` at ``path`` in one step. Returns False only when ``exclusive`` and ``path`` existed.

    ``mode`` defaults to the existing file's permissions (0o644 for a new file). With ``exclusive``, an
    existing file is kept as it is (a key another run made meanwhile must not be replaced).
    """
    folder = path.parent  # it must exist: a mistyped output folder is an error, not made silently
    remove_stale_temps(folder, path.name)
    if mode is None:
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    temp = _write_temp(path, data, mode, sync=True)
    try:
        placed = _place(temp, path, exclusive)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    sync_folder(folder)
    return placed


def write_all_atomically(files: dict[Path, str], mode: int) -> None:
    """``write_atomically`` for many files, with the same promise for each (the old file or the new one,
    never half of it), at the cost of one sync of the disk instead of two per file: a first apply writes a
    welcome sheet for every new person, and a sync each made that the slowest part of it."""
    folders = {path.parent for path in files}
    for folder in folders:
        remove_stale_temps(folder)
    temps: dict[Path, Path] = {}
    try:
        for path, data in files.items():
            temps[path] = _write_temp(path, data, mode, sync=False)
        if temps:
            os.sync()  # every temporary file on disk before any is renamed into place
        for path, temp in temps.items():
            _place(temp, path, exclusive=False)
    finally:
        for temp in temps.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
    for folder in folders:
        sync_folder(folder)


def _write_temp(path: Path, data: str | bytes, mode: int, *, sync: bool) -> Path:
    """``data`` in a new temporary file beside ``path`` (synced to disk if ``sync``); its name."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    temp = temp_name(path)
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as exc:  # say which file could not be written, not which temporary name
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        os.fchmod(fd, mode)  # the umask must not narrow what the readers need
        _write_all(fd, payload)
        if sync:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    os.close(fd)
    return temp


def build_atomically(path: Path, build: Callable[[Path], None], mode: int = 0o644) -> None:
    """Make ``path`` by having ``build`` fill a temporary file beside it, then rename that into place
    (a database made with its schema): a run killed part-way leaves no half-made file at ``path``."""
    folder = path.parent
    remove_stale_temps(folder, path.name)
    temp = temp_name(path)
    try:
        build(temp)
        os.chmod(temp, mode)
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        _place(temp, path, exclusive=False)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    sync_folder(folder)


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _place(temp: Path, path: Path, exclusive: bool) -> bool:
    """Rename the finished temporary file into place (with ``exclusive``: only if nothing is there)."""
    if not exclusive:
        os.replace(temp, path)
        return True
    try:
        os.link(temp, path)  # fails if the target exists, unlike a rename
    except FileExistsError:
        return False
    return True


def sync_folder(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (a no-op where folders cannot be synced)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def remove_stale_temps(folder: Path, name: str | None = None) -> list[Path]:
    """Remove the temporary files (of ``name`` only, if given) left in ``folder`` by mailplan processes of
    this machine that are no longer running. Those of live processes and of other machines stay."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    host = _host()
    for entry in entries:
        found = _TEMP.match(entry.name)
        if not found or found.group("host") != host or (name and not entry.name.startswith(f".{name}.mailplan-")):
            continue
        pid = int(found.group("pid"))
        if pid == os.getpid() or _running(pid):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def is_temp(path: Path) -> bool:
    """Whether ``path`` is named like one of mailplan's temporary files."""
    return _TEMP.match(path.name) is not None
