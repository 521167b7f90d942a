"""What the benchmark scripts share: import paths, a stopwatch, a table printer,
a journal for long applies, and the size flag.

Benchmarks print figures; they assert nothing about time. Each one runs a peer
(another tool, or the naive way of doing the same job) in the same run, on the
same machine, so the figures can be read side by side.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The test fixtures (real servers, cloud fakes) are imported from tests/, as the test suite does.
for extra in (ROOT / "tests", ROOT / "src"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from mailplan.engine.journal import Journal  # noqa: E402
from mailplan.model.change import Change  # noqa: E402  (after the path set-up above)


def sizes_arg(parser: argparse.ArgumentParser, default: Sequence[int]) -> None:
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(part.replace("_", "")) for part in text.split(",")],
        default=list(default),
        help="comma-separated sizes (default: %(default)s)",
    )


@dataclass
class Stopwatch:
    """Wall time of named phases, in the order they ran."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def timed(fn: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table, numbers right-aligned (pasteable into Markdown as is)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]

    def line(values: Sequence[str], raw: Sequence[object] | None = None) -> str:
        out = []
        for i, value in enumerate(values):
            numeric = raw is not None and isinstance(raw[i], int | float) and not isinstance(raw[i], bool)
            out.append(value.rjust(widths[i]) if numeric else value.ljust(widths[i]))
        return "| " + " | ".join(out) + " |"

    text = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    text += [line(c, r) for c, r in zip(cells, rows, strict=True)]
    return "\n".join(text)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


class TimedJournal(Journal):
    """The shipped Journal, with the time spent appending counted."""

    def __init__(self, path: Path, actor: str = "", commit: str = "") -> None:
        super().__init__(path, actor=actor, commit=commit)
        self.append_seconds = 0.0

    def append(self, change: Change, answer: str, event: str = "applied") -> dict[str, Any]:
        start = time.perf_counter()
        body = super().append(change, answer, event)
        self.append_seconds += time.perf_counter() - start
        return body


def journal(path: Path) -> TimedJournal:
    return TimedJournal(path, actor="benchmark")


def machine_line() -> str:
    return f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
