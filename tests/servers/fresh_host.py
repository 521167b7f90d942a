"""A throwaway copy of this Debian host to run an admin's shell steps on, as root, unchanged.

Linux namespaces give the steps a host of their own: ``/etc``, ``/var``, ``/opt``, ``/root`` and
``/usr/local`` are copy-on-write overlays of the real ones (whatever the steps write lands in a
temporary folder, the real host is untouched), ``/run`` is empty, the processes are in a PID
namespace of their own (stopping its first process stops every server the steps started) and
the network is a private loopback, so the standard ports (25, 587, 993, …) are free and nothing
leaves the machine. Clients reach the servers through ``in_network`` (a thread that joins the
namespace's network).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import textwrap
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from servers.common import server_dir, wait_until

OVERLAID = ("/etc", "/var", "/opt", "/root", "/usr/local")
DEBIAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_CLONE_NEWNET = 0x40000000
T = TypeVar("T")

# The namespace's first process: mounts the overlays, brings up loopback, then reaps orphans
# (daemons that fork away end up its children) until it is killed.
_INIT = """\
set -e
mount --make-rprivate /
for dir in {overlaid}; do
  name=$(echo "$dir" | tr / _)
  mkdir -p "{root}/upper$name" "{root}/work$name"
  mount -t overlay overlay -o "lowerdir=$dir,upperdir={root}/upper$name,workdir={root}/work$name" "$dir"
done
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/lock
ip link set lo up
touch {root}/ready
exec /usr/bin/python3 -c 'import os, time
while True:
    try:
        os.wait()
    except ChildProcessError:
        time.sleep(0.2)'
"""


class FreshHost:
    def __init__(self) -> None:
        self.root = server_dir("fresh-host")
        self._init: subprocess.Popen[bytes] | None = None
        self._net: ThreadPoolExecutor | None = None
        self._runs = 0

    def start(self) -> None:
        script = _INIT.format(root=self.root, overlaid=" ".join(OVERLAID))
        with open(self.root / "init.log", "wb") as log:
            self._init = subprocess.Popen(
                ["unshare", "--mount", "--net", "--pid", "--fork", "--mount-proc", "bash", "-c", script],
                stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
            )  # fmt: skip
        wait_until(self._ready, 30, "the fresh host's namespaces")

    def _ready(self) -> bool:
        assert self._init is not None
        if self._init.poll() is not None:
            raise RuntimeError(f"the namespaces did not come up: {(self.root / 'init.log').read_text()}")
        return (self.root / "ready").exists() and self.pid is not None

    @property
    def pid(self) -> int | None:
        """The namespace's first process (the reaper), as the real host sees it."""
        assert self._init is not None
        children = Path(f"/proc/{self._init.pid}/task/{self._init.pid}/children")
        try:
            found = children.read_text().split()
        except OSError:
            return None
        return int(found[0]) if found else None

    def run(self, script: str, env: Mapping[str, str] | None = None, timeout: float = 600) -> tuple[int, str]:
        """Run ``script`` with bash as root inside, in a clean environment like a fresh login's;
        returns its exit status and what it printed."""
        base = {"PATH": DEBIAN_PATH, "HOME": "/root", "LANG": "C.UTF-8", "SHELL": "/bin/bash", "USER": "root"}
        command = ["nsenter", f"--target={self.pid}", "--mount", "--net", "--pid", "--", "env", "-i"]
        command += [f"{name}={value}" for name, value in {**base, **(env or {})}.items()]
        command += ["bash", "-euo", "pipefail", "-c", script]
        self._runs += 1
        output = self.root / f"run-{self._runs}.log"
        # A file, not a pipe: daemons the script starts keep its output open, a pipe would never end.
        with open(output, "wb") as log:
            done = subprocess.run(command, cwd="/", stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                  timeout=timeout, check=False, umask=0o022)  # fmt: skip
        return done.returncode, output.read_text(errors="replace")

    def file(self, path: str) -> Path:
        """Where a file the steps wrote (under one of the overlaid folders) is, seen from the real host."""
        for top in OVERLAID:
            if path.startswith(top + "/"):
                return self.root / f"upper{top.replace('/', '_')}" / path[len(top) + 1 :]
        raise ValueError(f"{path} is not in a folder the fresh host has its own copy of")

    def in_network(self, call: Callable[[], T]) -> T:
        """Run ``call`` in a thread that joined the namespace's network: its sockets talk to the servers inside."""
        if self._net is None:
            self._net = ThreadPoolExecutor(max_workers=1, initializer=self._join_network)
        return self._net.submit(call).result()

    def _join_network(self) -> None:
        fd = os.open(f"/proc/{self.pid}/ns/net", os.O_RDONLY)
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.setns(fd, _CLONE_NEWNET) != 0:  # this thread only; the test's own sockets stay outside
                raise OSError(ctypes.get_errno(), f"setns: {os.strerror(ctypes.get_errno())}")
        finally:
            os.close(fd)
        threading.current_thread().name = "fresh-host-network"

    def stop(self) -> None:
        if self._net is not None:
            self._net.shutdown(wait=True)
        if self._init is not None:
            # Killing the first process of a PID namespace kills every process in it: the servers too.
            pid = self.pid
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
            if self._init.poll() is None:
                os.killpg(self._init.pid, signal.SIGKILL)
            self._init.wait(timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)


def shell_blocks(markdown: str) -> list[str]:
    """The fenced ```sh blocks of a markdown page, in order."""
    blocks, current = [], None
    for line in markdown.splitlines():
        if current is None:
            if line.strip() == "```sh":
                current = []
        elif line.strip() == "```":
            blocks.append(textwrap.dedent("\n".join(current)) + "\n")
            current = None
        else:
            current.append(line)
    assert current is None, "a ```sh block is not closed"
    return blocks
