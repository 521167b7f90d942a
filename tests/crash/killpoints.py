"""Run ``mailplan`` with probes where a crash matters, and SIGKILL it at the N-th probe reached.

    KILLPOINT_AT=N KILLPOINT_LOG=FILE python killpoints.py apply --auto-approve

or, from a test that has mailplan imported already, ``run_forked(folder, args, N, log)``: the same
in a child process forked from the test (no interpreter start-up to pay for each of hundreds of
kills). Each probe reached is appended to the log as ``number<TAB>kind<TAB>detail``; with N = 0
none kills (a dry run lists them). The probes (all test-side, by patching):

* ``torn line`` — a journal line half written, then killed (as a write cut short by a crash); of
  a batch's lines (written at once), each in turn: those before it whole, it half;
* ``line written`` — just after a whole journal write (one line, or a batch's): after intents,
  before the provider is asked; after outcomes, a change (or batch) boundary;
* ``password written ahead`` — generated passwords on file (a batch's at once; the detail lists
  their addresses), before the provider has them;
* ``before commit`` — the local database's transaction (one change's, or a batch's) done but not
  committed;
* ``before rename`` — a file (zone, key, credentials, database) fully written beside its place;
* ``provider took the call`` — a cloud API answered a write, before the client read the answer;
* ``provider answered`` — the provider's apply (of one change, or a batch) returned, its outcomes
  not yet journaled; the detail names the changes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any

_kill_at = 0
_log = ""
_count = 0


def reached(kind: str, detail: str) -> bool:
    """Log the probe; True when it is the one to die at."""
    global _count
    _count += 1
    with open(_log, "a", encoding="utf-8") as log:
        log.write(f"{_count}\t{kind}\t{detail}\n")
    return _count == _kill_at


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _line_detail(line: bytes) -> str:
    data = json.loads(line)
    if data.get("event") == "recovered":
        return "recovered"
    how = " (reconciled)" if "reconciled_by" in data else ""
    return f"{data['event']} {data['action']} {data['kind']} {data['key']}{how}"


def install(kill_at: int, log: str) -> None:
    global _kill_at, _log
    _kill_at, _log = kill_at, log
    import requests

    from mailplan import files
    from mailplan.engine import apply as apply_mod
    from mailplan.engine import journal as journal_mod
    from mailplan.providers.credentials import CredentialSink
    from mailplan.providers.mail.local import provider as local_provider

    real_append = journal_mod._append_line

    def append_line(path: Any, block: bytes) -> None:
        lines = block.splitlines(keepends=True)
        for number, line in enumerate(lines):
            if reached("torn line", _line_detail(line)):
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
                os.write(fd, b"".join(lines[:number]) + line[: len(line) // 2])
                os.fsync(fd)
                die()
        real_append(path, block)
        details = [_line_detail(line) for line in lines]
        more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
        if reached("line written", details[-1] + more):
            die()

    journal_mod._append_line = append_line

    real_journaled = apply_mod.journaled_all

    def journaled_all(journal: Any, changes: Any, call: Callable[[], list[str]]) -> list[str]:
        def probed() -> list[str]:
            answers = call()
            if reached("provider answered", "; ".join(change.describe() for change in changes)):
                die()
            return answers

        return real_journaled(journal, changes, probed)

    apply_mod.journaled_all = journaled_all  # type: ignore[assignment]

    real_pending = CredentialSink.pending_all

    def pending_all(self: Any, issued: Any) -> Any:
        written = real_pending(self, issued)
        if issued and reached("password written ahead", " ".join(one.address for one in issued)):
            die()
        return written

    CredentialSink.pending_all = pending_all  # type: ignore[method-assign]

    real_transaction = local_provider.transaction

    @contextlib.contextmanager
    def transaction(db: Any) -> Iterator[Any]:
        with real_transaction(db) as inside:
            yield inside
            if reached("before commit", "local database"):
                die()

    local_provider.transaction = transaction  # type: ignore[assignment]

    real_place = files._place

    def place(temp: Any, path: Any, exclusive: bool) -> bool:
        if reached("before rename", path.name):
            die()
        return real_place(temp, path, exclusive)

    files._place = place

    real_request = requests.Session.request

    def request(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        answer = real_request(self, method, url, *args, **kwargs)
        writes = method.upper() in ("POST", "PUT", "PATCH", "DELETE")
        token_call = "gettoken" in url or url.endswith("/token")
        path = url.split("?")[0].split("/", 3)[-1]
        if writes and not token_call and reached("provider took the call", f"{method.upper()} {path}"):
            die()
        return answer

    requests.Session.request = request  # type: ignore[method-assign]


# One day for a whole sweep: the reference and a probe made after midnight must freeze on the same date.
DAY = dt.date.today()


def run_forked(folder: str, args: list[str], kill_at: int, log: str) -> int:
    """``mailplan ARGS`` in ``folder``, in a forked child killed at probe ``kill_at``: its exit code, or
    minus the signal that ended it."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into the test
        code = 70
        try:
            os.chdir(folder)
            os.environ.update({"MAILPLAN_TODAY": DAY.isoformat(), "NO_COLOR": "1"})
            quiet = os.open(os.devnull, os.O_WRONLY)
            os.dup2(quiet, 1)
            os.dup2(quiet, 2)
            sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - the child never closes it
            install(kill_at, log)
            from mailplan.cli.main import run

            sys.argv = ["mailplan", *args]
            run()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def main() -> None:
    install(int(os.environ.get("KILLPOINT_AT", "0")), os.environ["KILLPOINT_LOG"])
    from mailplan.cli.main import run

    sys.argv = ["mailplan", *sys.argv[1:]]
    run()


if __name__ == "__main__":
    main()
