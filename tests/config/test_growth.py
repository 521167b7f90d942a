"""A company twice the size costs about twice the work to load and compile, not four times.

Work is counted, not timed: the lines of Python executed (``sys.settrace`` line
events, which also see loops that call nothing), so the test does not depend on
the machine or on what else runs on it. The company grows as real ones do: one
department per 100 people in a tree, each with a manager, a functional mailbox
and a ``department:`` group.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import yaml

from mailplan.config import compile_config, load
from mailplan.config.entries import Config

TODAY = dt.date(2026, 11, 1)
GROWTH_LIMIT = 2.3  # linear is 2.0; what was quadratic gave 2.6-3.0 at these sizes


def company(size: int) -> dict[str, Any]:
    departments = size // 100
    leaves = {"left_on": "2026-10-01"}  # every 50th person, handed to their department's manager
    people = [
        {
            "name": f"Person{i} Staff",
            "address": f"p{i}",
            "department": f"d{i % departments}",
            "tier": "manager" if i < departments else "staff",
            **({**leaves, "successor": f"p{i % departments}"} if i % 50 == 7 and i >= departments else {}),
        }
        for i in range(size)
    ]
    return {
        "version": 1,
        "organization": {"name": "Growth Ltd", "primary_domain": "growth.example"},
        "providers": {"mail": {"type": "local", "database": "mail.sqlite"}},
        "domains": {"growth.example": {"mail": "mail"}},
        "departments": {
            f"d{k}": {"name": f"Dept {k}", "manager": f"p{k}", **({"parent": f"d{(k - 1) // 10}"} if k else {})}
            for k in range(departments)
        },
        "tiers": {
            "manager": {"read_department_mailboxes": True, "send_as_department_mailboxes": True},
            "staff": {},
        },
        "people": people,
        "mailboxes": [
            {"address": f"info-d{k}", "name": f"Info {k}", "department": f"d{k}", "owners": [f"p{k}"]}
            for k in range(departments)
        ],
        "groups": [
            {"address": f"team-d{k}", "name": f"Team {k}", "members": [f"department:d{k}"], "post": "organization"}
            for k in range(departments)
        ],
    }


def lines_run(work: Callable[[], Any]) -> tuple[int, Any]:
    """How many lines of Python ``work`` executes, and what it returns."""
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def call(frame: FrameType, event: str, arg: Any) -> Any:
        return local

    previous = sys.gettrace()
    sys.settrace(call)
    try:
        result = work()
    finally:
        sys.settrace(previous)
    return count, result


def measured(size: int, folder: Path) -> tuple[int, int, Config]:
    path = folder / f"company-{size}.yaml"
    path.write_text(yaml.safe_dump(company(size), allow_unicode=True), encoding="utf-8")
    load_lines, config = lines_run(lambda: load(path))
    compile_lines, desired = lines_run(lambda: compile_config(config, TODAY, create_keys=False))
    kinds = {obj.KIND for state in desired.objects.values() for obj in state}
    assert {"mailbox", "group", "delegation", "department"} <= kinds  # the company compiled, with what it grows
    return load_lines, compile_lines, config


def test_twice_the_company_costs_about_twice_the_work(tmp_path: Path) -> None:
    small_load, small_compile, _ = measured(1000, tmp_path)
    large_load, large_compile, _ = measured(2000, tmp_path)
    assert large_compile / small_compile <= GROWTH_LIMIT, (small_compile, large_compile)
    assert large_load / small_load <= GROWTH_LIMIT, (small_load, large_load)
