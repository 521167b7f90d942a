"""Retention periods (``5y``, ``18m``, ``90d``): the calendar arithmetic the config and the engine share."""

from __future__ import annotations

import datetime as dt
import re

RETENTION = re.compile(r"^([1-9][0-9]*)([ymd])$")


def retention_days(period: str) -> int:
    """``5y`` -> 1826: years and months at their average calendar length, so the number never drifts."""
    match = RETENTION.match(period)
    if not match:
        raise ValueError(f"not a retention period: {period!r}")
    n, unit = int(match.group(1)), match.group(2)
    return {"y": round(n * 365.25), "m": round(n * 30.4375), "d": n}[unit]


def retained_until(start: dt.date, period: str) -> dt.date:
    """``start`` plus ``period`` on the calendar (2026-09-30 + 5y = 2031-09-30)."""
    match = RETENTION.match(period)
    if not match:
        raise ValueError(f"not a retention period: {period!r}")
    n, unit = int(match.group(1)), match.group(2)
    if unit == "d":
        return start + dt.timedelta(days=n)
    months = start.month - 1 + (n * 12 if unit == "y" else n)
    year, month = start.year + months // 12, months % 12 + 1
    for day in (start.day, 30, 29, 28):  # 31 Jan + 1m = 28/29 Feb
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")
