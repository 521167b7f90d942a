"""What every server fixture needs: free loopback ports, readable temp dirs, waiting, stopping."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# Ports handed out in this run. The kernel may give a just-released port again, so two calls made
# before either server binds (a stack needs five) could otherwise return the same number.
_handed_out: set[int] = set()


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now (also free for UDP, checked), never the same twice."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free loopback port found")


def server_dir(prefix: str) -> Path:
    """A fresh temp dir that server users (postfix, dovecot, bind) can traverse."""
    path = Path(tempfile.mkdtemp(prefix=f"mailplan-{prefix}-"))
    path.chmod(0o755)
    return path


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError as exc:  # not listening yet
            last = exc
        time.sleep(0.05)
    raise TimeoutError(f"{what} not ready after {timeout}s" + (f" (last error: {last})" if last else ""))


def banner(host: str, port: int, prefix: bytes) -> bool:
    """True when the server at host:port greets with ``prefix`` (an SMTP 220 or IMAP * OK)."""
    with socket.create_connection((host, port), timeout=2) as sock:
        return sock.recv(256).startswith(prefix)


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


def stop_pid_file(pid_file: Path, timeout: float = 10.0) -> None:
    """SIGTERM the PID written in ``pid_file`` and wait until it is gone."""
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def require_binaries(*names: str) -> None:
    """Fail (not skip) when a server binary is missing: the test command installs them."""
    missing = [n for n in names if shutil.which(n) is None and not Path(n).exists()]
    if missing:
        raise RuntimeError(
            f"missing server programs: {', '.join(missing)} — run ./scripts/test (as root) first: it installs them"
        )


def session_of(pid: int) -> int | None:
    """The session id of ``pid`` (None when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces; fields after its closing parenthesis are plain
    return int(stat.rpartition(")")[2].split()[3])


def processes_in_sessions(sessions: set[int]) -> list[int]:
    """Live processes (not zombies) in any of ``sessions``: what a server left behind."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        if fields[0] != "Z" and int(fields[3]) in sessions:
            found.append(int(entry.name))
    return found


def wait_sessions_gone(sessions: set[int], timeout: float = 10.0) -> None:
    """Wait until every process of ``sessions`` has exited; SIGKILL stragglers at the end."""
    deadline = time.monotonic() + timeout
    while processes_in_sessions(sessions) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in processes_in_sessions(sessions):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
