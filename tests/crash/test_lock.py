"""One writer at a time: a command that writes waits for, or refuses beside, another run holding the state
folder's lock, names the holder, and takes over the lock of a run that was killed."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from crash.conftest import Spawn, mailplan_env
from people.conftest import Company

HOLD = """
import sys, time
from pathlib import Path
from mailplan.engine.lock import StateLock
lock = StateLock(Path(sys.argv[1]), sys.argv[2])
lock.acquire()
print("held", flush=True)
time.sleep(float(sys.argv[3]))
lock.release()
"""


def _holder(folder: Path, command: str = "apply", seconds: float = 60) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(folder), command, str(seconds)],
                            stdout=subprocess.PIPE, text=True, env=mailplan_env())  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_apply_beside_a_running_one_refuses_and_names_the_holder(company: Company, spawn: Spawn) -> None:
    holder = _holder(company.folder / ".mailplan")
    try:
        busy = spawn("apply", "--auto-approve")
        out, err = busy.communicate(timeout=60)
        assert busy.returncode == 1, out + err
        assert f"pid {holder.pid} on host {socket.gethostname()} (mailplan apply), since 20" in err
        assert "--lock-timeout" in err and "Traceback" not in err
        assert not (company.folder / ".mailplan" / "mail.sqlite").exists()  # nothing was done
    finally:
        holder.kill()
        holder.wait()


def test_lock_timeout_waits_for_the_holder_to_finish(company: Company, spawn: Spawn) -> None:
    holder = _holder(company.folder / ".mailplan", "offboard", seconds=6)
    started = time.monotonic()
    waiting = spawn("apply", "--auto-approve", "--lock-timeout", "60")
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, out + err
    assert time.monotonic() - started >= 5.5, err
    assert f"waiting for the lock on {company.folder / '.mailplan'}: held by pid {holder.pid}" in err, err[:600]
    holder.wait()
    assert company.plan_is_empty()


def test_lock_timeout_gives_up_after_the_time_given(company: Company, spawn: Spawn) -> None:
    holder = _holder(company.folder / ".mailplan")
    before = company.text()
    try:
        started = time.monotonic()
        given_up = spawn("offboard", "zhangwei", "-s", "wangfang", "--lock-timeout", "1s")
        out, err = given_up.communicate(timeout=60)
        assert given_up.returncode == 1 and "waited 1 s" in err, out + err
        assert 1.0 <= time.monotonic() - started < 30
        assert company.text() == before  # the config was not touched
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_of_a_killed_run_is_taken_over(company: Company, spawn: Spawn) -> None:
    holder = _holder(company.folder / ".mailplan")
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert str(holder.pid) in (company.folder / ".mailplan" / "lock").read_text()  # its name is left behind
    after = spawn("apply", "--auto-approve")
    out, err = after.communicate(timeout=120)
    assert after.returncode == 0, out + err
    assert f"took over the lock of pid {holder.pid} on host {socket.gethostname()} (mailplan apply)" in err
    assert (company.folder / ".mailplan" / "lock").read_text() == ""  # let go of cleanly


def test_a_bad_lock_timeout_is_a_clear_error(company: Company) -> None:
    result = company.run("apply", str(company.config), "--auto-approve", "--lock-timeout", "soon")
    assert result.exit_code == 1 and "--lock-timeout 'soon' is not a duration" in result.stderr


def test_import_out_waits_for_the_config_it_writes(company: Company) -> None:
    company.apply()
    holder = _holder(company.folder / ".mailplan", "offboard")
    try:
        out = company.folder / "imported.yaml"
        busy = company.run("import", "--config", str(company.config), "--provider", "mail", "--out", str(out))
        assert busy.exit_code == 1 and f"pid {holder.pid}" in busy.stderr and "(mailplan offboard)" in busy.stderr
        assert not out.exists()
    finally:
        holder.kill()
        holder.wait()
    done = company.run("import", "--config", str(company.config), "--provider", "mail", "--out", str(out))
    assert done.exit_code in (0, 2) and out.exists(), done.stderr
