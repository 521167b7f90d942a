"""The run's deadline (``check --timeout``): every lookup and fetch gets at most what is left of it.

What the deadline cuts is recorded, so the report can say which answers are missing because
time ran out rather than because a server failed.
"""

from __future__ import annotations

import threading
import time


class Deadline:
    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds if seconds is not None else None
        self._lock = threading.Lock()
        self.cut: list[str] = []  # "TXT _dmarc.example.com", "GET https://mta-sts.example.com/…", each once

    def remaining(self, wanted: float) -> float:
        """``wanted`` seconds, or less when the deadline comes first (0 once it has passed)."""
        if self._end is None:
            return wanted
        return max(0.0, min(wanted, self._end - time.monotonic()))

    def passed(self) -> bool:
        return self._end is not None and time.monotonic() >= self._end

    def record_cut(self, what: str) -> str:
        """Note that the deadline cut ``what``; returns the reason to report."""
        with self._lock:
            if what not in self.cut:
                self.cut.append(what)
        return f"cut by the run's deadline (--timeout {self.seconds:g} s)"
