"""A long-lived ``mailplan validate`` for the hostile-input tests, run under resource limits.

It reads one config path per line on stdin, runs ``mailplan validate PATH`` in
this process (as the command line does, through ``mailplan.cli.main.run``) and
answers one JSON line: the exit code, what was printed on stderr, and a
traceback if anything escaped. Starting Python and importing mailplan once
instead of once per example keeps a few hundred examples affordable; the
parent sets the address-space limit and times every answer.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import traceback


def validate(path: str) -> dict[str, object]:
    from mailplan.cli.main import run

    err, out = io.StringIO(), io.StringIO()
    code: object = 0
    crash = ""
    sys.argv = ["mailplan", "validate", path]
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            run()
        except SystemExit as exc:
            code = exc.code if exc.code is not None else 0
        except BaseException:  # MemoryError, RecursionError, anything: the test reports it with the input
            crash = traceback.format_exc(limit=8)
            code = "crash"
    return {"code": code, "stderr": err.getvalue(), "stdout": out.getvalue(), "crash": crash}


def main() -> None:
    import mailplan.cli.main  # noqa: F401  (imported before the first example: its cost is not the example's)

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        path = line.rstrip("\n")
        if path:
            print(json.dumps(validate(path)), flush=True)


if __name__ == "__main__":
    main()
