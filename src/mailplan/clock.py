"""The real clock, in one place: the journal's times and the date the retention gate trusts.

``MAILPLAN_TODAY`` rehearses another day (cli/common.py); it never moves this clock.
Tests that need years to pass move it with monkeypatch.
"""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    return dt.date.today()
