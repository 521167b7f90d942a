"""A departure always completes: each step of it fails — once, and for good until fixed — on every mail
provider's contract fake and on the local backend, and each time:

- access is cut wherever the rule says it may be (the freeze waits for no convenience step; on the local
  backend, where a frozen mailbox refuses mail, it waits for the forwarding), seen in the provider's state;
- the next plans show exactly what is left, nothing more;
- ``plan --detailed-exitcode`` exits 0 only when the provider's state shows every part of the departure done;
- the apply that fails says so (exit 1, the failure named), and the one after the fix completes it.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailplan.providers.mail.local import provider as local_provider

from .departure import LEAVER, STEPS, Company, Step, company, refusal

CASES = [
    pytest.param(provider, step, persistent, id=f"{provider}-{step.name}-{'persistent' if persistent else 'once'}")
    for provider, steps in STEPS.items()
    for step in steps
    for persistent in (False, True)
]


@contextlib.contextmanager
def failing(co: Company, step: Step, persistent: bool, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``step`` fails (once, or on every try) until the block ends: the cause fixed."""
    times = None if persistent else 1
    if co.fake is not None:
        rule = co.fake.fail_when(step.method, step.path, refusal(co.provider), times, step.contains)
        try:
            yield
        finally:
            rule.times = 0
        assert rule.hits >= 1, f"the request of {step.name!r} was never sent"
        return
    # Locally the step fails at every try while the block lasts: the batch it is in fails, and so does the
    # step when the batch is made again one change at a time (a fault gone by then would be absorbed);
    # "once" is one failing run, as the block lasts one apply.
    real = local_provider.LocalMailProvider._apply_in

    def apply_in(self: Any, db: sqlite3.Connection, change: Any, *rest: Any) -> str:
        if change.kind == step.kind:
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return real(self, db, change, *rest)

    with monkeypatch.context() as patch:
        patch.setattr(local_provider.LocalMailProvider, "_apply_in", apply_in)
        yield


@pytest.mark.parametrize(("provider", "step", "persistent"), CASES)
def test_a_departure_step_that_fails(
    provider: str, step: Step, persistent: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with company(provider, tmp_path, monkeypatch) as co:
        assert co.missing(), "the departure must not be done before the apply"
        tries = 2 if persistent else 1
        with failing(co, step, persistent, monkeypatch):
            for _ in range(tries):
                code, out = co.run("apply", "--auto-approve")
                assert code == 1, out
                assert "failed" in out and LEAVER in out
                # the rule: cutting access waits for no convenience step (only, locally, for the forwarding)
                assert co.access_cut() is step.cuts_access, co.missing()
                assert co.plan_left() == sorted(step.left), out
                if not persistent:
                    break
        # the cause is gone: one more apply finishes exactly what was left
        code, out = co.run("apply", "--auto-approve")
        assert code == 0, out
        assert co.plan_left() == []
        assert co.missing() == []
