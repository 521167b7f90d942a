"""On a terminal, apply shows the plan in color and asks; only 'yes' applies."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path


def _on_terminal(company: Path, answer: str, *args: str) -> tuple[int, str]:
    """Run mailplan with a pseudo-terminal as stdin/stdout/stderr, type ``answer`` at the prompt."""
    primary, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"TERM": "xterm"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailplan", *args], cwd=company, stdin=secondary, stdout=secondary,
        stderr=secondary, env=env, close_fds=True,
    )  # fmt: skip
    os.close(secondary)
    seen, answered = b"", False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        if not answered and b"Only 'yes' is accepted" in seen:
            os.write(primary, answer.encode() + b"\n")
            answered = True
        if proc.poll() is not None and not ready:
            break
    os.close(primary)
    return proc.wait(timeout=30), seen.decode("utf-8", "replace")


def test_apply_asks_and_yes_applies(company: Path) -> None:
    code, screen = _on_terminal(company, "yes", "apply")
    assert code == 0, screen
    assert "\x1b[" in screen, "a terminal gets colors"
    assert "Apply these" in screen and "Apply complete" in screen
    assert (company / ".mailplan" / "mail.sqlite").exists()


def test_anything_but_yes_applies_nothing(company: Path) -> None:
    code, screen = _on_terminal(company, "y", "apply")
    assert code == 1
    assert "not approved; nothing was applied" in screen
    code, screen = _on_terminal(company, "", "plan", "--detailed-exitcode")
    assert code == 2, "the refused apply must have left everything to do"
